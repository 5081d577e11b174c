import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { formatVerifyResult, jwkThumbprint, verifyBundleFile, writeBundleFile } from '../../ledger/index.ts';
import { SeverError } from '../../core/errors.ts';
import * as arg from '../args.ts';
import type { Run } from '../main.ts';
import { inputError } from '../output.ts';
import { ensureWritableFile, resolveGlobals } from '../session.ts';

export function registerEvidence(program: Command, run: Run): void {
  const evidence = program.command('evidence').description('export and verify signed evidence bundles');

  evidence.command('export <incident>').description('write a self-contained, signed evidence bundle')
    .option('-o, --out <file>', 'bundle path (default <data-dir>/evidence/<incident>.json)')
    .action((id, o) => run(async (g, out, cx) => {
      const inc = arg.id(id, '<incident>');
      const path = resolve(o.out ?? join(resolveGlobals(g).dataDir, 'evidence', `${inc}.json`));
      const bundle = await cx.withEngine(g, (e) => {
        // Checked once the configuration and data directory are known good, before the export.
        ensureWritableFile(path, o.out === undefined ? 'the default bundle path' : '--out', o.out === undefined);
        return e.exportEvidence(inc);
      });
      await writeBundleFile(path, bundle);
      out.result({ incidentId: inc, path, entries: bundle.entries.length, headHash: bundle.headHash, keyId: bundle.publicKeys[0]?.kid ?? null },
        (r) => `wrote ${r.path}: ${r.entries} signed entries, head ${r.headHash}\nsigned by key ${r.keyId}; verify with: sever evidence verify ${r.path} --key-id ${r.keyId}`);
    }));

  evidence.command('verify <bundle>').description('check a bundle offline (no database, no configuration); pin the signer with --key-id')
    .option('--key-id <kid>', 'trust only this key (RFC 7638 thumbprint, as `evidence key-id` prints it); repeatable', (v: string, p: string[]) => [...p, v], [])
    .action((path, o) => run(async (_g, out) => {
      const keyIds = (o.keyId as string[]).map(arg.keyId);
      const result = await verifyBundleFile(path, keyIds.length ? { expectedKeyId: keyIds } : {});
      if (result.ok) {
        out.result(result, (r) => formatVerifyResult(r));
        return;
      }
      // One document with --json: the error (with what failed) replaces the report.
      if (!out.json) out.result(result, (r) => formatVerifyResult(r));
      throw new SeverError(result.code, `bundle ${path} failed verification at ${result.part}${result.seq !== null ? ` (entry seq ${result.seq}${result.type ? `, ${result.type}` : ''})` : ''}: ${result.reason}`, {
        details: { part: result.part, index: result.index, seq: result.seq, type: result.type, reason: result.reason, ...(result.path !== undefined ? { where: result.path } : {}) },
      });
    }));

  evidence.command('key-id [jwk]').description('print the key id (RFC 7638 thumbprint) of a ledger key file, offline: what `evidence verify --key-id` pins')
    .action((file: string | undefined) => run(async (g, out) => {
      const path = resolve(file ?? join(resolveGlobals(g).dataDir, 'ledger-ed25519.jwk'));
      out.result({ keyId: keyIdOfFile(path), path }, (r) => r.keyId);
    }));
}

/**
 * The RFC 7638 thumbprint of the Ed25519 key in a JWK file (private or public; only `x` counts).
 *
 * @throws SeverError `ERR_INPUT_INVALID` naming the path when it is not such a file.
 */
export function keyIdOfFile(path: string): string {
  const fail = (why: string) => inputError(`${path}: ${why}`, { path });
  let text: string;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw fail('is a directory; give the ledger key file (<data-dir>/ledger-ed25519.jwk)');
    if (st.size > 64 * 1024) throw fail('is too large to be a JWK');
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof SeverError) throw e;
    const c = (e as NodeJS.ErrnoException).code ?? 'error';
    throw fail(c === 'ENOENT' ? 'no ledger key there (it is <data-dir>/ledger-ed25519.jwk, or ledger.keyFile in sever.yaml)' : `cannot read it (${c})`);
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    throw fail('is not JSON; expected an Ed25519 JWK');
  }
  const k = jwk as { kty?: unknown; crv?: unknown; x?: unknown } | null;
  if (!k || typeof k !== 'object' || k.kty !== 'OKP' || k.crv !== 'Ed25519' || typeof k.x !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(k.x)) {
    throw fail('is not an Ed25519 JWK (kty OKP, crv Ed25519, x)');
  }
  return jwkThumbprint({ x: k.x });
}
