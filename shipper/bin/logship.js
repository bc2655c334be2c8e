#!/usr/bin/env node
// The published command. It is plain JavaScript so that an older Node can at least say what is wrong;
// everything else is TypeScript run directly by Node 24's type stripping.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`logship needs Node.js 24 or newer; this is ${process.version}. Run it through npm (npx logship) so the node@24 dependency is used.\n`);
  process.exit(2);
}
const argv = process.argv.slice(2);
// LOGSHIP_BUNDLE names the shipper bundle built by `npm run build` (shipper/bin/bundle.ts; the image sets
// it): the sidecar and collector then run from that one pre-built file, which needs about 40 MiB less
// memory than loading the sources. Everything else, and every run without it, uses the sources.
const bundle = process.env.LOGSHIP_BUNDLE;
if (bundle && (argv[0] === 'sidecar' || argv[0] === 'collector')) {
  const { pathToFileURL } = await import('node:url');
  const { runShipperCommand } = await import(pathToFileURL(bundle).href);
  await runShipperCommand(argv);
} else {
  const [{ main }, { commands }] = await Promise.all([import('./cli.ts'), import('./commands.ts')]);
  await main(argv, commands);
}
