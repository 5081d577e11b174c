import { join } from 'node:path';
import type { Command } from 'commander';
import { formatVerifyResult, verifyBundleFile, writeBundleFile } from '../../ledger/index.ts';
import { SeverError } from '../../core/errors.ts';
import type { Output } from '../output.ts';
import { resolveGlobals, withEngine, type GlobalOptions } from '../session.ts';

type Run = (fn: (g: GlobalOptions, out: Output) => Promise<void>) => Promise<void>;

export function registerEvidence(program: Command, run: Run): void {
  const evidence = program.command('evidence').description('export and verify signed evidence bundles');

  evidence.command('export <incident>').description('write a self-contained, signed evidence bundle')
    .option('-o, --out <file>', 'bundle path (default <data-dir>/evidence/<incident>.json)')
    .action((id, o) => run(async (g, out) => {
      const path = o.out ?? join(resolveGlobals(g).dataDir, 'evidence', `${id}.json`);
      const bundle = await withEngine(g, (e) => e.exportEvidence(id));
      await writeBundleFile(path, bundle);
      out.result({ incidentId: id, path, entries: bundle.entries.length, headHash: bundle.headHash, keyId: bundle.publicKeys[0]?.kid ?? null }, (r) => `wrote ${r.path}: ${r.entries} signed entries, head ${r.headHash}`);
    }));

  evidence.command('verify <bundle>').description('check a bundle offline (no database, no configuration)')
    .option('--key-id <kid>', 'trust only this key (RFC 7638 thumbprint); repeatable', (v: string, p: string[]) => [...p, v], [])
    .action((path, o) => run(async (_g, out) => {
      const result = await verifyBundleFile(path, o.keyId.length ? { expectedKeyId: o.keyId } : {});
      out.result(result, (r) => formatVerifyResult(r));
      if (!result.ok) {
        throw new SeverError(result.code, `bundle ${path} failed verification at ${result.part}${result.seq !== null ? ` (entry seq ${result.seq}${result.type ? `, ${result.type}` : ''})` : ''}: ${result.reason}`, {
          details: { part: result.part, index: result.index, seq: result.seq, reason: result.reason },
        });
      }
    }));
}
