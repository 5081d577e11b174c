/**
 * Property: no command line ends in ERR_INTERNAL or an uncoded message. Random command words,
 * known options with random and nasty values, and garbage, run in-process through main(argv)
 * with no configuration to open (every run stops at its input or at the missing sever.yaml):
 * exit 0, 1 or 2; every rejection a coded error, exit 2 for bad input; with --json one JSON
 * document on stdout and nothing on stderr; human output never carries a raw control character.
 * fast-check prints the seed and the shrunk counterexample of a failure.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { frozenClock } from '../../src/core/clock.ts';
import { buildBundle } from '../../src/ledger/index.ts';
import { tempDir } from '../support/databases.ts';
import { buildChain, incidentSteps, SEED_A, signerFromSeed, SUMMARY, T0 } from '../ledger/support.ts';
import { runMain } from '../cli/support.ts';
import { argvArb } from './arbitraries.ts';
import { checkRun } from './check-run.ts';

describe('property: the CLI over random arguments', () => {
  const cwd = process.cwd();
  const saved = { ...process.env };
  let fixtures: string[] = [];
  before(() => {
    const dir = tempDir('sever-prop-args-');
    // Relative paths and the defaults (./sever.yaml, ./.sever) land in the test's own directory.
    process.chdir(dir);
    for (const k of ['SEVER_CONFIG', 'SEVER_DATA_DIR', 'SEVER_DATABASE_URL']) delete process.env[k];
    process.env.SEVER_ACTOR = 'ida';
    const signer = signerFromSeed(SEED_A);
    mkdirSync('adir');
    writeFileSync('garbage.yaml', 'version: [1\n');
    writeFileSync('bundle.json', JSON.stringify(buildBundle(buildChain(signer, incidentSteps(signer)), SUMMARY, { clock: frozenClock(T0 + 60_000), signer })));
    writeFileSync('key.jwk', JSON.stringify({ ...signer.publicJwk }));
    writeFileSync('binary.bin', Buffer.from([0xff, 0xfe, 0x00, 0x1b]));
    fixtures = ['adir', 'garbage.yaml', 'bundle.json', 'key.jwk', 'binary.bin', 'missing.yaml', 'garbage.yaml/below', join(dir, 'adir'), join(dir, 'bundle.json')];
  });
  after(() => {
    process.chdir(cwd);
    process.env = saved;
  });

  it('every run ends in 0, or a coded error with the right exit code; --json is one document', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(argvArb(fixtures), async (argv) => {
        const r = await runMain(argv);
        const code = checkRun(argv, r) ?? `exit ${r.code}`;
        seen.set(code, (seen.get(code) ?? 0) + 1);
      }),
      { numRuns: Number(process.env.SEVER_PROPERTY_RUNS ?? 400) },
    );
    if (process.env.SEVER_PROPERTY_RUNS) console.log([...seen]);
    // The runs reached past commander into the commands' own checks, and some succeeded.
    assert.ok((seen.get('ERR_INPUT_INVALID') ?? 0) > 0 && (seen.get('ERR_CONFIG_NOT_FOUND') ?? 0) > 0, JSON.stringify([...seen]));
  });
});
