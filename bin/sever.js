#!/usr/bin/env node
// Runs on Node.js 22 (TypeScript type stripping); `npm` scripts and `npx sever` use the node@22 dev dependency.
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`sever needs Node.js 22 LTS (this is ${process.version}); run it through npm (npx sever …) so the project's Node 22 is used.\n`);
  process.exit(2);
}
const { main } = await import('../src/cli/main.ts');
process.exit(await main(process.argv.slice(2)));
