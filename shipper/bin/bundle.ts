/**
 * `npm run build` (with the search page): bundles the sidecar and collector with their dependencies into
 * one ES module, `shipper/dist/shippers.mjs`, which the image runs through LOGSHIP_BUNDLE.
 *
 * Why: these agents run once per pod or per node, so their memory is paid many times over. Loading the
 * sources costs about 120 MiB of RSS before the first line is read — Node's TypeScript stripping (a
 * WebAssembly module) and hundreds of module records among it; the same code as one pre-built file costs
 * about 80 MiB. Not minified: stack traces stay readable, and minifying saved no memory.
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_BUNDLE_PATH = join(here, '..', 'dist', 'shippers.mjs');

export async function buildShipperBundle(outfile: string = DEFAULT_BUNDLE_PATH, options: { quiet?: boolean } = {}): Promise<string> {
  const started = performance.now();
  const result = await build({
    entryPoints: [join(here, 'bundle-entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    outfile,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    // Bundled CommonJS packages call require(); an ES module has none, so give it one.
    banner: { js: "import { createRequire as __logshipCreateRequire } from 'node:module'; const require = __logshipCreateRequire(import.meta.url);" },
  });
  if (!options.quiet) {
    const bytes = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('.mjs'))?.[1].bytes ?? 0;
    console.log(`shipper bundle built in ${Math.round(performance.now() - started)} ms: ${outfile} ${(bytes / 1048576).toFixed(1)} MiB`);
  }
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildShipperBundle(process.argv[2]);
}
