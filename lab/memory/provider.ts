/**
 * An in-memory provider and its connector, for engine tests and the engine-cost benchmark
 * (zero-latency calls). It misbehaves on request the way real providers' documentation warns:
 * 429 with Retry-After, 5xx, acknowledgements that are never applied, revocations that take
 * effect only after a delay, and non-revocable artifacts that live until expiry.
 */
import type { Connector, ConnectorManifest } from '../../src/connectors/contract.ts';
import { SeverError } from '../../src/core/errors.ts';
import type { ArtifactKind, DiscoveredArtifact } from '../../src/core/model.ts';
import type { Clock } from '../../src/core/clock.ts';

export interface MemoryArtifact {
  subject: string;
  kind: ArtifactKind;
  externalId: string;
  revocable: boolean;
  expiresAt?: number;
  deadAt?: number;
  dependsOn?: string[];
}

export interface MemoryFaults {
  /** Answer 429 with this Retry-After (ms) to every Nth revoke call. */
  rateLimitEvery?: number;
  retryAfterMs?: number;
  /** The first N revoke calls fail with a retryable 5xx. */
  failFirst?: number;
  /** Acknowledge revocation of these externalIds but never apply it. */
  ignore?: Set<string>;
  /** Apply revocations only this many ms after the acknowledgement. */
  applyDelayMs?: number;
  /** Latency added to every call, ms. */
  latencyMs?: number;
}

export interface MemoryProvider {
  artifacts: Map<string, MemoryArtifact>;
  faults: MemoryFaults;
  calls: { discover: number; revoke: number; verify: number };
  /** Clock time of every revoke call, in order. */
  revokeTimes: number[];
  add(a: MemoryArtifact): void;
  /** The provider's own truth: does the artifact still work? (for tests; not the connector's path) */
  works(externalId: string): boolean;
}

export function createMemoryProvider(clock: Clock, faults: MemoryFaults = {}): MemoryProvider {
  const artifacts = new Map<string, MemoryArtifact>();
  const p: MemoryProvider = {
    artifacts,
    faults,
    calls: { discover: 0, revoke: 0, verify: 0 },
    revokeTimes: [],
    add: (a) => void artifacts.set(a.externalId, a),
    works: (id) => {
      const a = artifacts.get(id);
      if (!a) return false;
      const now = clock.now();
      if (a.deadAt !== undefined && a.deadAt <= now) return false;
      return a.expiresAt === undefined || a.expiresAt > now;
    },
  };
  return p;
}

const KINDS: ArtifactKind[] = ['idp-session', 'refresh-token', 'access-token', 'oauth-grant', 'api-key'];

export function memoryManifest(overrides: Partial<ConnectorManifest> = {}): ConnectorManifest {
  return {
    kind: 'memory',
    version: 1,
    title: 'In-memory provider (lab)',
    description: 'A provider held in memory, for engine tests and the engine-cost benchmark.',
    artifacts: KINDS.map((kind) => ({
      kind,
      discover: 'memory:list',
      revoke: kind === 'access-token' ? { method: 'memory:delete', selective: true, fallback: 'await expiry' } : { method: 'memory:delete', selective: true },
      verify: [{ path: 'memory:lookup', strength: 'replay' }], // it asks the provider whether the artifact still works: a replay
      permissions: ['none'],
      residue: [],
      expectedDeadByMs: 0,
    })),
    limits: { concurrency: 64 },
    verifyPolicy: { pollIntervalMs: 20, deadlineMs: 2_000 },
    ...overrides,
  };
}

export function createMemoryConnector(name: string, p: MemoryProvider, clock: Clock, manifest = memoryManifest()): Connector {
  const wait = async () => {
    if (p.faults.latencyMs) await new Promise((r) => setTimeout(r, p.faults.latencyMs));
  };
  return {
    name,
    manifest,
    async discover(subject) {
      p.calls.discover++;
      await wait();
      const out: DiscoveredArtifact[] = [];
      for (const a of p.artifacts.values()) {
        if (a.subject !== subject.id || !p.works(a.externalId)) continue;
        out.push({
          kind: a.kind, externalId: a.externalId, label: `${a.kind} ${a.externalId}`, revocable: a.revocable,
          ...(a.expiresAt ? { expiresAt: new Date(a.expiresAt).toISOString() } : {}),
          ...(a.dependsOn ? { dependsOn: a.dependsOn } : {}),
          attributes: { provider: 'memory' },
        });
      }
      return out;
    },
    async revoke(h) {
      const n = ++p.calls.revoke;
      p.revokeTimes.push(clock.now());
      await wait();
      const f = p.faults;
      if (f.failFirst && n <= f.failFirst) throw new SeverError('ERR_PROVIDER_UNAVAILABLE', 'memory provider: 503', { retryable: true });
      if (f.rateLimitEvery && n % f.rateLimitEvery === 0) {
        throw new SeverError('ERR_PROVIDER_RATE_LIMITED', 'memory provider: 429', { retryable: true, retryAfterMs: f.retryAfterMs ?? 50 });
      }
      const a = p.artifacts.get(h.externalId);
      if (a && !a.revocable) throw new SeverError('ERR_NOT_REVOCABLE', `${h.kind} ${h.externalId} cannot be revoked selectively`);
      if (!a || a.deadAt !== undefined) return { status: 'already_revoked', method: 'memory:delete', request: { externalId: h.externalId }, response: { status: 404 } };
      if (!f.ignore?.has(h.externalId)) a.deadAt = clock.now() + (f.applyDelayMs ?? 0);
      return { status: 'revoked', method: 'memory:delete', request: { externalId: h.externalId }, response: { status: 204 } };
    },
    async verify(h) {
      p.calls.verify++;
      await wait();
      const a = p.artifacts.get(h.externalId);
      const live = p.works(h.externalId);
      const expired = !!a && a.expiresAt !== undefined && a.expiresAt <= clock.now();
      const result = live ? 'live' : expired ? 'expired' : 'dead';
      return { verdict: result, checks: [{ path: 'memory:lookup', result, observed: { found: !!a, live } }] };
    },
  };
}
