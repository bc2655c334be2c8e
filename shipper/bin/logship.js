#!/usr/bin/env node
// The published command. It is plain JavaScript so that an older Node can at least say what is wrong;
// everything else is TypeScript run directly by Node 24's type stripping.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`logship needs Node.js 24 or newer; this is ${process.version}. Run it through npm (npx logship) so the node@24 dependency is used.\n`);
  process.exit(2);
}
const { main } = await import('./cli.ts');
await main(process.argv.slice(2));
