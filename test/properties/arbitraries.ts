/**
 * Arguments for the CLI's property tests: command words, known options with random and nasty
 * values, and plain garbage. Every generated value that could be used as a path stays inside the
 * test's directory (no leading `/`, no `..`), since some commands create directories.
 */
import fc from 'fast-check';
import { Command } from 'commander';
import { registerEvidence } from '../../src/cli/commands/evidence.ts';
import { registerIncident } from '../../src/cli/commands/incident.ts';

/** Command paths; `drill` (starts the lab servers) and `worker` (waits for a signal) are left out. */
export const COMMANDS = [
  ['incident', 'open'], ['incident', 'discover'], ['incident', 'plan'], ['incident', 'contain'], ['incident', 'verify'], ['incident', 'show'],
  ['incident', 'list'], ['incident', 'signoff'], ['incident', 'except'], ['incident', 'close'], ['incident', 'reopen'], ['incident', 'add-artifact'],
  ['evidence', 'export'], ['evidence', 'verify'], ['evidence', 'key-id'], ['incident'], ['evidence'], ['help'], [],
];

export const OPTIONS = [
  '--json', '-c', '--config', '-d', '--data-dir', '--database-url', '-v', '--verbose', '--subject', '--subject-type', '--id', '--reason', '--as', '--tier',
  '--role', '--note', '--artifact', '--expires', '--connector', '--kind', '--value-file', '--ref', '--label', '--expires-at', '--attribute', '--key-id',
  '-o', '--out', '--help', '-h', '--', '--bogus', '-x', '--json=1',
];

const NASTY = [
  '', ' ', '-', '--', 'ida', 'irene', 'eddie', 'mallory', 'sever', 'ir-lead', 'identity-engineering', 'app-owner:payroll', 'app-owner:', 'app-owner:../x', 'immediate',
  'scheduled-rotation', 'urgent', 'human', 'robot', 'access-token', 'refresh-token', 'oauth:x', 'keycloak:lab', 'OAUTH:X', 'clientId=app', 'valueEncoding=base64', '=x', 'x=',
  '24h', '0s', '1e400h', '99999999999999999999d', '9007199254740993s', '-1h', '2025-01-01', '2025-02-30T25:00:00Z', '+275760-09-13T00:00:00.001Z', '275760-09-14',
  'NaN', 'Infinity', '1e309', '0x10', 'null', '{}', '[]', '"', "'", '\\', 'inc_', 'inc_missing', 'art_missing', 'a'.repeat(5000),
  'postgres://u:secret@127.0.0.1:1/x', 'mysql://u:p@h/db', 'http://[::1', 'file:/etc/shadow', 'env:HOME',
  '\u{10000}'.repeat(600), 'x\u001b[2Jy', '\u009b31m', '\u202eevil', 'line\nbreak', 'tab\there', '\u2028', 'é', '👩‍💻', 'a\u0000b', '\ud800', '\udfff',
];

/** Keeps a generated value inside the test directory when it is taken as a path. */
const tame = (v: string) => v.replace(/^\/+/, '').replace(/\.\./g, '_');

export function valueArb(extra: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NASTY, ...extra) },
    { weight: 2, arbitrary: fc.string({ maxLength: 12 }).map(tame) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }).map(tame) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }).map(tame) },
    { weight: 1, arbitrary: fc.stringMatching(/^-?\d{1,22}(\.\d{1,3})?(e\d{1,3})?[smhdy]?$/) },
    { weight: 1, arbitrary: fc.double().map(String) },
  );
}

interface Leaf {
  path: string[];
  operands: number;
  options: Array<{ flag: string; takesValue: boolean; required: boolean }>;
}

/** Every command of the CLI with its operands and options, read from the real registration. */
export function leaves(): Leaf[] {
  const program = new Command('sever');
  const run = async () => {};
  registerIncident(program, run);
  registerEvidence(program, run);
  const out: Leaf[] = [];
  const walk = (c: Command, path: string[]) => {
    for (const sub of c.commands) {
      const p = [...path, sub.name()];
      if (sub.commands.length) walk(sub, p);
      else if (p[0] !== 'worker') {
        out.push({
          path: p, operands: sub.registeredArguments.filter((a) => a.required).length,
          options: sub.options.map((o) => ({ flag: o.long ?? o.short!, takesValue: o.required || o.optional, required: o.mandatory })),
        });
      }
    }
  };
  walk(program, []);
  return out;
}

/**
 * A plausible command line: a real command, its operands, its required options and some of its
 * optional ones, each with a random or nasty value; global options in front.
 */
export function commandArb(extra: readonly string[], good: Record<string, readonly string[]> = {}): fc.Arbitrary<string[]> {
  const value = valueArb(extra);
  // Half the time a value that passes the CLI's own checks, so the runs reach the engine.
  const valueFor = (flag: string) => (good[flag]?.length ? fc.oneof(fc.constantFrom(...good[flag]!), value) : value);
  return fc.constantFrom(...leaves()).chain((leaf) =>
    fc.tuple(
      fc.array(valueFor('<operand>'), { minLength: leaf.operands, maxLength: leaf.operands }),
      fc.tuple(...leaf.options.map((o) => fc.tuple(fc.constant(o), valueFor(o.flag), fc.double({ min: 0, max: 1, noNaN: true })))),
      fc.array(fc.tuple(fc.constantFrom('-c', '-d', '--database-url', '-v'), valueArb(extra)), { maxLength: 2 }),
      fc.boolean(),
    ).map(([operands, opts, globals, json]) => {
      const flags = opts.flatMap(([o, v, p]) => (o.required || p < 0.35 ? (o.takesValue ? [o.flag, v] : [o.flag]) : []));
      return [...(json ? ['--json'] : []), ...globals.flatMap(([f, v]) => (f === '-v' ? [f] : [f, v])), ...leaf.path, ...operands, ...flags];
    }),
  );
}

/** A command line: mostly a command with option/value pairs and operands, sometimes pure noise. */
export function argvArb(extra: readonly string[]): fc.Arbitrary<string[]> {
  const value = valueArb(extra);
  const option = fc.constantFrom(...OPTIONS);
  const structured = fc
    .tuple(
      fc.constantFrom(...COMMANDS),
      fc.array(value, { maxLength: 2 }),
      fc.array(fc.tuple(option, value), { maxLength: 6 }),
      fc.constantFrom('none', 'start', 'end', 'middle'),
    )
    .map(([cmd, operands, pairs, json]) => {
      const rest = [...operands, ...pairs.flat()];
      const argv = [...cmd, ...rest];
      if (json === 'start') return ['--json', ...argv];
      if (json === 'end') return [...argv, '--json'];
      if (json === 'middle') return [...cmd, '--json', ...rest];
      return argv;
    });
  const noise = fc.array(fc.oneof(fc.constantFrom(...COMMANDS.flat(), ...OPTIONS), value), { maxLength: 8 });
  return fc.oneof({ weight: 4, arbitrary: commandArb(extra) }, { weight: 2, arbitrary: structured }, { weight: 1, arbitrary: noise })
    .filter((a) => !a.includes('drill') && !a.includes('worker'));
}
