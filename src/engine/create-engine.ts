/**
 * The one engine every face (CLI, API, drill, bench) drives. Built by a factory with checked
 * inputs: missing pieces fail here with a coded error, not at first use.
 */
import type { Clock, IdSource } from '../core/clock.ts';
import { requireActor, SYSTEM_ACTOR } from '../core/actor.ts';
import { SeverError } from '../core/errors.ts';
import type { IdentityMapping } from '../core/model.ts';
import type { Policy } from '../core/policy.ts';
import type { Runbook } from '../core/runbook.ts';
import type { Connector, ConnectorDeps } from '../connectors/contract.ts';
import { connectorModule } from '../connectors/registry.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { resolveSecretRef } from '../config/secret-ref.ts';
import type { Signer } from '../ledger/index.ts';
import type { Connection } from '../store/types.ts';
import { addArtifact, type AddArtifactInput } from './add-artifact.ts';
import { amendArtifact, type AmendArtifactInput } from './amend-artifact.ts';
import { checkManifest } from './check-manifest.ts';
import { prepareStatement, type SignedAttestation, type StatementInput } from './attest.ts';
import { createKeepAliveFetch } from './keepalive-fetch.ts';
import { close } from './close.ts';
import { contain, type ContainOptions } from './contain.ts';
import { DEFAULT_ADOPTION_POLICY, DEFAULT_TUNING, silentLogger, type ConnectorLimits, type EngineContext, type EngineTuning, type Logger } from './context.ts';
import { discover } from './discover.ts';
import { exportEvidence } from './export-evidence.ts';
import { grantException } from './grant-exception.ts';
import { createLedgerWriter } from './ledger-writer.ts';
import { openIncident, type OpenIncidentInput } from './open-incident.ts';
import { plan } from './plan.ts';
import { reopen } from './reopen.ts';
import { meteredFetch, type RateState } from './rate-budget.ts';
import { createRunner } from './runner.ts';
import type { SecretBox } from './secret-box.ts';
import { signoff } from './signoff.ts';
import { verify, type VerifyOptions } from './verify.ts';
import { listIncidentViews, showIncident } from './view.ts';
import { startWorkers, type ProgressFn } from './wait.ts';

export interface EngineOptions {
  conn: Connection;
  /** Connector instances from sever.yaml, or ready-made connectors (tests, bench). */
  connectors: LoadedConfig['connectors'] | Connector[];
  policy: Policy;
  runbook: Runbook;
  clock: Clock;
  ids: IdSource;
  signer: Signer;
  secrets: SecretBox;
  log?: Logger;
  tuning?: Partial<EngineTuning>;
  fetch?: typeof globalThis.fetch;
  env?: NodeJS.ProcessEnv;
  /** Explicit identity links (sever.yaml `identities:`). */
  identities?: IdentityMapping[];
}

export type Engine = ReturnType<typeof createEngine>;

export function createEngine(o: EngineOptions) {
  for (const [k, v] of Object.entries({ conn: o.conn, connectors: o.connectors, policy: o.policy, runbook: o.runbook, clock: o.clock, ids: o.ids, signer: o.signer, secrets: o.secrets })) {
    if (v === undefined || v === null) throw new SeverError('ERR_INTERNAL', `createEngine: ${k} is required`, { details: { missing: k } });
  }
  const connectors = new Map<string, Connector>();
  const limits = new Map<string, ConnectorLimits>();
  const log = o.log ?? silentLogger;
  const rates: RateState = { db: o.conn.db, clock: o.clock, limits, budgets: new Map(), pauses: new Map(), metered: new Set(), inflight: new Map(), log };
  const baseFetch = o.fetch ?? createKeepAliveFetch();
  // Each connector built here calls its provider through a fetch that meters every call against the
  // provider's budget and learns from its rate-limit headers.
  const depsFor = (name: string): ConnectorDeps => ({ clock: o.clock, fetch: meteredFetch(rates, name, baseFetch), resolveSecret: (ref) => resolveSecretRef(ref, o.env) });
  if (Array.isArray(o.connectors)) {
    for (const c of o.connectors) {
      checkManifest(c.manifest);
      connectors.set(c.name, c);
      limits.set(c.name, {
        concurrency: c.manifest.limits.concurrency, ...(c.manifest.limits.rate ? { rate: c.manifest.limits.rate } : {}), verifyPolicy: c.manifest.verifyPolicy,
        adoptionPolicy: c.manifest.adoptionPolicy ?? DEFAULT_ADOPTION_POLICY,
      });
    }
  } else {
    for (const [name, inst] of Object.entries(o.connectors)) {
      const mod = connectorModule(inst.kind);
      if (!mod) throw new SeverError('ERR_CONNECTOR_UNKNOWN', `connector kind ${inst.kind} is not built in, or was not loaded (read the configuration with loadConfigWithConnectors)`, { details: { connector: name } });
      checkManifest(mod.manifest);
      connectors.set(name, mod.create(name, inst.settings as never, depsFor(name)));
      const m = mod.manifest;
      const rate = inst.rate ?? m.limits.rate;
      limits.set(name, {
        concurrency: Math.min(inst.concurrency ?? m.limits.concurrency, m.limits.concurrency),
        ...(rate ? { rate } : {}),
        verifyPolicy: { pollIntervalMs: inst.verify?.pollIntervalMs ?? m.verifyPolicy.pollIntervalMs, deadlineMs: inst.verify?.deadlineMs ?? m.verifyPolicy.deadlineMs },
        adoptionPolicy: {
          pollIntervalMs: inst.adoption?.pollIntervalMs ?? m.adoptionPolicy?.pollIntervalMs ?? DEFAULT_ADOPTION_POLICY.pollIntervalMs,
          deadlineMs: inst.adoption?.deadlineMs ?? m.adoptionPolicy?.deadlineMs ?? DEFAULT_ADOPTION_POLICY.deadlineMs,
        },
      });
    }
  }
  for (const c of connectors.values()) {
    const rotating = c.manifest.artifacts.filter((a) => a.rotate).map((a) => a.kind);
    if (rotating.length && (typeof c.rotate !== 'function' || typeof c.adoption !== 'function')) {
      throw new SeverError('ERR_CONNECTOR_MANIFEST', `connector ${c.name}: its manifest rotates ${rotating.join(', ')} but it has no rotate and adoption functions`, { details: { connector: c.name } });
    }
  }
  const tuning: EngineTuning = { ...DEFAULT_TUNING, ...o.tuning, retry: { ...DEFAULT_TUNING.retry, ...o.tuning?.retry } };
  const runner = createRunner({
    conn: o.conn, log, now: () => o.clock.now(), batchSize: tuning.batchSize, pollers: tuning.pollers, jobsPerConnector: tuning.jobsPerConnector,
    concurrency: (name) => limits.get(name)?.concurrency ?? 1,
  });
  const ctx: EngineContext = {
    conn: o.conn, db: o.conn.db, connectors, limits, policy: o.policy, runbook: o.runbook, clock: o.clock, ids: o.ids,
    ledger: createLedgerWriter(o.signer, o.clock), secrets: o.secrets, log, tuning, runner, budgets: rates.budgets, pauses: rates.pauses, metered: rates.metered, inflight: rates.inflight, identities: o.identities ?? [],
  };
  let recovered: Promise<number> | undefined;
  /**
   * Starts the job runner with this engine's queue options and, after a crash of the previous
   * holder of an embedded store, reclaims its jobs at once (its lock proves it dead).
   */
  const resume = () => (recovered ??= runner.start(tuning.jobs).then(() => (o.conn.recoveredStaleLock ? runner.recoverOrphans() : 0)));

  return {
    context: ctx,
    openIncident: async (input: OpenIncidentInput) => {
      requireActor(ctx.runbook, input.actor, 'open');
      return openIncident(ctx, input);
    },
    discover: async (id: string, actor: string) => {
      requireActor(ctx.runbook, actor, 'discover');
      return discover(ctx, id, actor);
    },
    plan: async (id: string, actor: string) => {
      requireActor(ctx.runbook, actor, 'plan');
      return plan(ctx, id, actor);
    },
    contain: async (id: string, actor: string, onProgress?: ProgressFn, opts?: ContainOptions) => {
      requireActor(ctx.runbook, actor, 'contain');
      await resume();
      return contain(ctx, id, actor, onProgress, opts);
    },
    verify: async (id: string, actor: string, onProgress?: ProgressFn, opts?: VerifyOptions) => {
      requireActor(ctx.runbook, actor, 'verify');
      await resume();
      return verify(ctx, id, actor, onProgress, opts);
    },
    show: (id: string) => showIncident(ctx, id),
    list: () => listIncidentViews(ctx),
    /** The statement a person signs for a sign-off, exception, closure or reopen, bound to the ledger head now. */
    statement: (id: string, input: StatementInput) => prepareStatement(ctx, id, input),
    /** `expect`, when given, must match what the statement says (e.g. the role and person a command names). */
    signoff: (id: string, att: SignedAttestation, expect?: { person?: string; role?: string }) => signoff(ctx, id, att, expect),
    grantException: (id: string, att: SignedAttestation, expect?: { person?: string; artifactId?: string }) => grantException(ctx, id, att, expect),
    close: (id: string, att: SignedAttestation, expect?: { person?: string }) => close(ctx, id, att, expect),
    /** A person reopens with a signed statement; Sever itself (`sever`, the reuse watch) with its ledger key. */
    reopen: (id: string, by: SignedAttestation | typeof SYSTEM_ACTOR, reason: string, alert?: Record<string, unknown>, expect?: { person?: string }) => reopen(ctx, id, by, reason, alert, expect),
    addArtifact: async (id: string, input: AddArtifactInput) => {
      requireActor(ctx.runbook, input.actor, 'add-artifact');
      return addArtifact(ctx, id, input);
    },
    /** Gives an artifact what a stronger verification path needs (an attribute, its value); then run verify. */
    amendArtifact: async (id: string, input: AmendArtifactInput) => {
      requireActor(ctx.runbook, input.actor, 'add-artifact');
      return amendArtifact(ctx, id, input);
    },
    exportEvidence: (id: string) => exportEvidence(ctx, id),
    /** Works on every incident's pending steps until `stop()`: more workers on PostgreSQL is scale-out. */
    work: async () => {
      await resume();
      await startWorkers(ctx);
    },
    stop: () => runner.stop(),
  };
}
