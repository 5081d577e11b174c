#!/usr/bin/env node
// Runs on Node.js 22 (TypeScript type stripping); `npm` scripts and `npx sever` use the node@22 dev dependency.
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`sever needs Node.js 22 LTS (this is ${process.version}); run it through npm (npx sever …) so the project's Node 22 is used.\n`);
  process.exit(2);
}
// A reader that goes away (`sever … | head`) ends the output, not the process with a stack trace.
for (const s of [process.stdout, process.stderr]) s.on('error', () => undefined);
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// stdout to a pipe is written asynchronously: exiting now would cut it at the pipe's buffer
// (64 KiB). Wait until everything written so far has been handed to the OS, then exit (open
// handles such as a keep-alive agent must not keep the process alive).
const drained = (s) => new Promise((resolve) => {
  if (s.destroyed || !s.writable) return resolve();
  s.write('', () => resolve());
});
await Promise.all([drained(process.stdout), drained(process.stderr)]);
process.exit(code);
