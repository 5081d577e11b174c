/**
 * The `sever` command: a thin face over the engine. Every command takes --json.
 *
 * Exit codes: 0 success; 1 refused or failed; 2 bad input, including commander's own errors
 * (unknown option or command, missing argument), which become `ERR_INPUT_INVALID` like any other.
 * With --json (anywhere in argv) stdout carries exactly one JSON document, whatever happens.
 */
import { Command, CommanderError } from 'commander';
import { SeverError } from '../core/errors.ts';
import { checkArgv } from './args.ts';
import { registerEvidence } from './commands/evidence.ts';
import { registerReport } from './commands/report.ts';
import { registerIncident } from './commands/incident.ts';
import { registerDrill } from './commands/drill.ts';
import { createOutput, inputError, oneLine, reportError, type Output, type Sink } from './output.ts';
import { withEngine as openEngine, type GlobalOptions, type WithEngine } from './session.ts';

/** What a command's body gets besides the global options and the output. */
export interface CommandContext {
  withEngine: WithEngine;
}

/** A command's body: returns nothing (exit 0) or its own exit code (e.g. 1 for incomplete containment). */
export type CommandBody = (g: GlobalOptions, out: Output, cx: CommandContext) => Promise<void | number>;
export type Run = (fn: CommandBody) => Promise<void>;

export interface CliIo {
  stdout: Sink;
  stderr: Sink;
  /** How commands reach the engine; tests may hand in an engine of their own. */
  withEngine: WithEngine;
}

/** Whether --json was asked for: looked up in argv, so that it holds even when parsing fails. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and returns the exit code. Writes only
 * to `io.stdout` and `io.stderr`; never exits the process.
 */
export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const json = wantsJson(argv);
  try {
    checkArgv(argv);
  } catch (e) {
    return reportError(e, json, stderr, stdout);
  }
  let help = '';
  let commanderErr = '';
  const program = new Command('sever')
    .description('Prove that a compromised identity is contained: discover, revoke, verify, sign off, close.')
    .option('-c, --config <path>', 'configuration file (env SEVER_CONFIG; default ./sever.yaml)')
    .option('-d, --data-dir <dir>', 'embedded store and keys (env SEVER_DATA_DIR; default ./.sever)')
    .option('--database-url <url>', 'use PostgreSQL instead of the embedded store (env SEVER_DATABASE_URL)')
    .option('--json', 'machine-readable output on stdout')
    .option('-v, --verbose', 'debug logs on stderr')
    .exitOverride()
    // Commander's own messages are replaced by coded errors; help goes to stdout (as JSON with --json).
    .configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (commanderErr += s), outputError: () => undefined });
  let code = 0;
  const cx: CommandContext = { withEngine: io.withEngine ?? openEngine };
  const run: Run = async (fn) => {
    const g = { ...program.opts<GlobalOptions>(), json };
    const out = createOutput(json, stdout, stderr);
    try {
      const c = await fn(g, out, cx);
      out.flush();
      code = typeof c === 'number' ? c : 0;
    } catch (e) {
      out.discard();
      code = reportError(e, json, stderr, stdout);
    }
  };
  registerIncident(program, run);
  registerEvidence(program, run);
  registerReport(program, run);
  registerDrill(program, run, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) return reportError(e, json, stderr, stdout);
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || (e.code === 'commander.help' && e.exitCode === 0)) {
      stdout.write(json ? `${JSON.stringify({ help }, null, 2)}\n` : help);
      return 0;
    }
    return reportError(commanderError(e, commanderErr, commandPath(program, argv)), json, stderr, stdout);
  }
  return code;
}

/** Commander's parse errors as ERR_INPUT_INVALID, one line, with the command to ask for help. */
function commanderError(e: CommanderError, helpText: string, command: string): SeverError {
  if (e.code === 'commander.help') {
    // A command that needs a subcommand was given none; commander printed its help to stderr.
    const usage = /Usage: (\S+(?: [a-z][\w-]*)*)/.exec(helpText)?.[1] ?? 'sever';
    return inputError(`${usage}: a command is missing; see \`${usage} --help\``, { reason: e.code });
  }
  const message = oneLine(e.message.replace(/^error: /, '').replace(/\n+/g, ' ').trim());
  return inputError(`${message}; see \`${command} --help\``, { reason: e.code });
}

/** The command argv names (`sever incident show`), as far as it names one, for the help hint. */
function commandPath(program: Command, argv: readonly string[]): string {
  const names = ['sever'];
  let cmd = program;
  for (const a of argv) {
    if (a === '--') break;
    if (a.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === a);
    if (!sub) break;
    names.push(a);
    cmd = sub;
  }
  return names.join(' ');
}
