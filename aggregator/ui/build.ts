/**
 * `npm run build`: bundles the search page (Preact + uPlot) into `aggregator/ui/dist/` — minified,
 * content-hashed JS and CSS, and an index.html that references them. No inline script or style, so
 * the UI server can send a strict Content-Security-Policy. `dist/` is build output, never committed.
 */
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, 'dist');

export async function buildUi(options: { minify?: boolean; quiet?: boolean } = {}): Promise<void> {
  const started = performance.now();
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(here, 'src/main.tsx')],
    bundle: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    minify: options.minify ?? true,
    sourcemap: 'linked',
    outdir,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs);
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  if (!js || !css) throw new Error(`build produced no ${js ? 'CSS' : 'JS'} bundle`);
  const html = (await readFile(join(here, 'src/index.html'), 'utf8')).replace('%JS%', basename(js)).replace('%CSS%', basename(css));
  await writeFile(join(outdir, 'index.html'), html);
  if (!options.quiet) {
    const sizes = Object.entries(result.metafile.outputs).filter(([f]) => !f.endsWith('.map') && !f.endsWith('.txt')).map(([f, o]) => `${basename(f)} ${(o.bytes / 1024).toFixed(1)} KiB`);
    console.log(`search page built in ${Math.round(performance.now() - started)} ms: ${sizes.join(', ')}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildUi();
}
