/**
 * `npm run build` (with the search page): bundles the sidecar and collector with their dependencies into
 * one ES module, `shipper/dist/shippers.mjs`, which the image runs through LOGSHIP_BUNDLE.
 *
 * Why: these agents run once per pod or per node, so their memory is paid many times over. Loading the
 * sources costs about 120 MiB of RSS before the first line is read — Node's TypeScript stripping (a
 * WebAssembly module) and hundreds of module records among it; the same code as one pre-built file costs
 * about 80 MiB.
 *
 * Whitespace and syntax are minified (comments dropped, 5.2 → 3.3 MB of source that V8 keeps on the heap
 * for the whole run: an idle sidecar holds 2.6 MiB less private memory); names are not, so a stack trace
 * still names its functions, and the linked source map turns its positions into source lines (Node's
 * `--enable-source-maps`, or any source-map tool). Mangling names as well made the
 * idle sidecar 2.6 MiB larger, not smaller (measured), so it stays off.
 */
import { build } from 'esbuild';
import { readFile, writeFile } from 'node:fs/promises';
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
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: 'warning',
    // Non-ASCII in strings, regular expressions and names as escapes: see asciiOnly.
    charset: 'ascii',
    // Bundled CommonJS packages call require(); an ES module has none, so give it one.
    banner: { js: "import { createRequire as __logshipCreateRequire } from 'node:module'; const require = __logshipCreateRequire(import.meta.url);" },
  });
  await asciiOnly(outfile);
  if (!options.quiet) {
    const bytes = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('.mjs'))?.[1].bytes ?? 0;
    console.log(`shipper bundle built in ${Math.round(performance.now() - started)} ms: ${outfile} ${(bytes / 1048576).toFixed(1)} MiB`);
  }
  return outfile;
}

/**
 * Replaces what non-ASCII is left in the bundle — only in comments of bundled packages (curly quotes, §)
 * once esbuild escaped everything else — with '?', one UTF-16 unit for one, so the source map still holds.
 * Why: V8 keeps a module's source text on the heap for as long as the module lives, and a single
 * character above U+00FF makes it a two-byte string: 10.4 MB instead of 5.2 for the whole run.
 */
async function asciiOnly(file: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const ascii = text.replace(/[^\x00-\x7f]/g, '?');
  if (ascii !== text) await writeFile(file, ascii);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildShipperBundle(process.argv[2]);
}
