/**
 * Real evidence bundles for the report tests: small incidents run through the engine on the
 * embedded store with the in-memory provider (as test/engine does), signed off, closed and
 * exported with `exportEvidence`. And a CLI runner for `sever report` until main.ts registers it.
 */
import { Command, CommanderError } from 'commander';
import { systemClock } from '../../src/core/clock.ts';
import type { Engine } from '../../src/engine/create-engine.ts';
import type { EvidenceBundle } from '../../src/ledger/index.ts';
import type { CommandContext, Run } from '../../src/cli/main.ts';
import { createOutput, reportError } from '../../src/cli/output.ts';
import { registerReport, type ReportDeps } from '../../src/cli/commands/report.ts';
import { createMemoryConnector, createMemoryProvider, type MemoryArtifact } from '../../lab/memory/provider.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

/** Sign-offs, exceptions and closure, whichever way the engine takes them (typed names, or statements signed by the person). */
interface Attester {
  signoff(id: string, role: string, person: string): Promise<unknown>;
  exception(id: string, artifactId: string, person: string, reason: string, expiresAt: string): Promise<unknown>;
  close(id: string, person: string): Promise<unknown>;
}

// Not a literal: the signing helpers exist only once attestations are signed.
const SIGNING_HELPERS = '../support/signing.ts';

async function attesterFor(engine: Engine): Promise<Attester> {
  const e = engine as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  if (typeof e.statement === 'function') {
    const { attest } = await import(SIGNING_HELPERS);
    return {
      signoff: (id, role, person) => attest.signoff(engine, id, role, person),
      exception: (id, artifactId, person, reason, expiresAt) => attest.exception(engine, id, artifactId, person, reason, expiresAt),
      close: (id, person) => attest.close(engine, id, person),
    };
  }
  return {
    signoff: (id, role, person) => e.signoff!(id, role, person),
    exception: (id, artifactId, person, reason, expiresAt) => e.grantException!(id, artifactId, person, reason, expiresAt),
    close: (id, person) => e.close!(id, person),
  };
}

export interface IncidentSpec {
  handle: string;
  subjectType?: 'human' | 'service-account' | 'workload' | 'ai-agent' | 'integration';
  artifacts: Array<Omit<MemoryArtifact, 'subject'> & { ignored?: boolean }>;
  /** Grant an exception to every artifact left unproved, then sign off and close. */
  close?: boolean;
}

export interface Bundles {
  bundles: EvidenceBundle[];
  /** The key id of the Sever instance that signed them (what an auditor pins). */
  keyId: string;
  close(): Promise<void>;
}

/** Runs each incident through the engine (discover, plan, contain, sign off, close) and exports its bundle. */
export async function runIncidents(specs: readonly IncidentSpec[]): Promise<Bundles> {
  const p = createMemoryProvider(systemClock, { ignore: new Set() });
  const h: Harness = await startHarness('pglite', [createMemoryConnector('memory:a', p, systemClock)], systemClock);
  try {
    const att = await attesterFor(h.engine);
    const bundles: EvidenceBundle[] = [];
    for (const spec of specs) {
      for (const a of spec.artifacts) {
        p.add({ ...a, subject: spec.handle });
        if (a.ignored) p.faults.ignore!.add(a.externalId);
      }
      const compromisedAt = new Date(Date.now() - 3_600_000).toISOString();
      const id = await h.engine.openIncident({ subject: { type: spec.subjectType ?? 'human', handle: spec.handle, identifiers: {} }, reason: 'leaked in a paste', actor: 'ida', compromisedAt });
      await h.engine.discover(id, 'ida');
      await h.engine.plan(id, 'ida');
      await h.engine.contain(id, 'ida');
      if (spec.close) {
        const view = await h.engine.show(id);
        const expires = new Date(Date.now() + 86_400_000).toISOString();
        for (const a of view.artifacts.filter((x) => x.status !== 'verified-dead' && x.status !== 'verified-expired')) await att.exception(id, a.id, 'irene', 'accepted until the token expires', expires);
        await att.signoff(id, 'identity-engineering', 'ida');
        await att.signoff(id, 'app-owner:payroll', 'paula');
        await att.signoff(id, 'ir-lead', 'irene');
        await att.close(id, 'irene');
      }
      bundles.push(await h.engine.exportEvidence(id));
    }
    return { bundles, keyId: h.engine.context.ledger.signer.keyId, close: () => h.close() };
  } catch (e) {
    await h.close();
    throw e;
  }
}

/** Every artifact revocable and proved dead: a contained incident. */
export const CONTAINED: IncidentSpec = {
  handle: 'svc-deploy', subjectType: 'workload', close: true,
  artifacts: [
    { kind: 'oauth-grant', externalId: 'grant-1', revocable: true },
    { kind: 'refresh-token', externalId: 'rt-1', revocable: true, dependsOn: ['grant-1'] },
    { kind: 'api-key', externalId: 'key-1', revocable: true },
  ],
};

/** One key whose revocation the provider acknowledges and never applies (still live), and a token nobody can revoke (residual). */
export const NOT_CONTAINED: IncidentSpec = {
  handle: 'svc-billing', subjectType: 'service-account', close: true,
  artifacts: [
    { kind: 'refresh-token', externalId: 'rt-2', revocable: true },
    { kind: 'api-key', externalId: 'key-2', revocable: true, ignored: true },
    { kind: 'access-token', externalId: 'jwt-2', revocable: false },
  ],
};

/** A deep copy, for tampering. */
export const clone = <T>(v: T): T => structuredClone(v);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json(): any;
}

/**
 * Runs `sever <argv>` with only the report command registered, the way src/cli/main.ts runs every
 * command (one output, coded errors, exit codes).
 */
export async function runReportCli(argv: string[], deps: ReportDeps = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sinkOut = { write: (s: string) => (stdout += s) };
  const sinkErr = { write: (s: string) => (stderr += s) };
  const json = argv.includes('--json');
  let code = 0;
  const program = new Command('sever').option('--json').exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
  const cx = { withEngine: () => Promise.reject(new Error('the report needs no engine')) } as unknown as CommandContext;
  const run: Run = async (fn) => {
    const out = createOutput(json, sinkOut, sinkErr);
    try {
      const c = await fn({ json }, out, cx);
      out.flush();
      code = typeof c === 'number' ? c : 0;
    } catch (e) {
      out.discard();
      code = reportError(e, json, sinkErr, sinkOut);
    }
  };
  registerReport(program, run, deps);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = 2;
    stderr += e.message;
  }
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}
