/**
 * The `sever` command: a thin face over the engine. Every command takes --json.
 */
import { Command, CommanderError } from 'commander';
import { registerEvidence } from './commands/evidence.ts';
import { registerIncident } from './commands/incident.ts';
import { registerDrill } from './commands/drill.ts';
import { createOutput, reportError, type Output } from './output.ts';
import type { GlobalOptions } from './session.ts';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('sever')
    .description('Prove that a compromised identity is contained: discover, revoke, verify, sign off, close.')
    .option('-c, --config <path>', 'configuration file (env SEVER_CONFIG; default ./sever.yaml)')
    .option('-d, --data-dir <dir>', 'embedded store and keys (env SEVER_DATA_DIR; default ./.sever)')
    .option('--database-url <url>', 'use PostgreSQL instead of the embedded store (env SEVER_DATABASE_URL)')
    .option('--json', 'machine-readable output on stdout')
    .option('-v, --verbose', 'debug logs on stderr')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let code = 0;
  const run = async (fn: (g: GlobalOptions, out: Output) => Promise<void>) => {
    const g = program.opts<GlobalOptions>();
    try {
      await fn(g, createOutput(!!g.json));
    } catch (e) {
      code = reportError(e, !!g.json);
    }
  };
  registerIncident(program, run);
  registerEvidence(program, run);
  registerDrill(program, run, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    throw e;
  }
  return code;
}
