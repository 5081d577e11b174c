/**
 * Shared fixtures for the ledger tests: deterministic keys (from fixed seeds), a frozen clock and
 * a small but complete incident chain.
 */
import { createPrivateKey } from 'node:crypto';
import { frozenClock } from '../../src/core/clock.ts';
import { buildBundle, buildEntry, createSigner, exportPrivateJwk, type BundleSummary, type Entry, type EntryType, type EvidenceBundle, type Signer } from '../../src/ledger/index.ts';

/** An Ed25519 signer from a 32-byte seed (PKCS#8 prefix + seed), so outputs are reproducible. */
export function signerFromSeed(seedHex: string): Signer {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]);
  return createSigner(exportPrivateJwk(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })));
}

export const SEED_A = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'; // RFC 8032 test 1
export const SEED_B = '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'; // RFC 8032 test 2

export const T0 = Date.UTC(2025, 0, 31, 12, 0, 0);

export interface Step {
  type: EntryType;
  actor?: string;
  payload: Record<string, unknown>;
}

/** Builds a chain from steps, one second apart, all signed by `signer`. */
export function buildChain(signer: Signer, steps: readonly Step[], incidentId = 'inc_test'): Entry[] {
  const clock = frozenClock(T0);
  const out: Entry[] = [];
  for (const s of steps) {
    out.push(buildEntry(out.at(-1), { incidentId, type: s.type, actor: s.actor ?? 'sever', payload: s.payload }, { clock, signer }));
    clock.advance(1000);
  }
  return out;
}

/** A whole incident: opened, discovered, revoked, verified, signed off, closed. Eight entries. */
export function incidentSteps(signer: Signer): Step[] {
  return [
    { type: 'incident.opened', actor: 'alice@example.com', payload: { subject: { type: 'human', handle: 'bob@example.com' }, reason: 'phished', publicKey: { ...signer.publicJwk } } },
    { type: 'artifact.discovered', payload: { connector: 'oidc:main', artifacts: [{ artifactId: 'art_1', kind: 'refresh-token', externalId: 'rt-1', secretHash: 'ab'.repeat(32) }] } },
    { type: 'plan.created', payload: { plan: { items: [{ artifactId: 'art_1', tier: 'immediate', action: 'revoke' }] } } },
    { type: 'revoke.intent', payload: { artifactId: 'art_1', connector: 'oidc:main', method: 'revocation-endpoint' } },
    { type: 'revoke.response', payload: { artifactId: 'art_1', status: 'revoked', responseStatus: 200 } },
    { type: 'verify.observation', payload: { artifactId: 'art_1', connector: 'oidc:main', kind: 'refresh-token', verdict: 'dead', observedHash: 'cd'.repeat(32) } },
    { type: 'artifact.verdict', payload: { artifactId: 'art_1', connector: 'oidc:main', kind: 'refresh-token', verdict: 'verified-dead', proofSeq: 5 } },
    { type: 'signoff.recorded', actor: 'carol@example.com', payload: { role: 'ir-lead', person: 'carol@example.com' } },
    { type: 'incident.closed', actor: 'carol@example.com', payload: { reason: 'all artifacts verified dead' } },
  ];
}

export const SUMMARY: BundleSummary = {
  state: 'remediated',
  artifacts: [{ id: 'art_1', kind: 'refresh-token', connector: 'oidc:main', status: 'verified-dead' }],
  signoffs: [{ role: 'ir-lead', person: 'carol@example.com' }],
};

/** The full sample bundle, exported one minute after the last entry. */
export function sampleBundle(signer: Signer): EvidenceBundle {
  const entries = buildChain(signer, incidentSteps(signer));
  return buildBundle(entries, SUMMARY, { clock: frozenClock(T0 + 60_000), signer });
}

/** A deep copy, for tampering. */
export const clone = <T>(v: T): T => structuredClone(v);
