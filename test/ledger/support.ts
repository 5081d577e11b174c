/**
 * Shared fixtures for the ledger tests: deterministic keys (from fixed seeds), a frozen clock and
 * a small but complete incident chain.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { canonicalize } from '../../src/ledger/canonical.ts';
import { ATTESTATION_NAMESPACE, ed25519PublicLine, parseSshSignature, signSshEd25519 } from '../../src/ledger/ssh-signature.ts';
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
  /** Or made from the entries before it (an attestation is bound to the head its signer saw). */
  payload: Record<string, unknown> | ((prev: readonly Entry[]) => Record<string, unknown>);
}

/** Builds a chain from steps, one second apart, all signed by `signer`. */
export function buildChain(signer: Signer, steps: readonly Step[], incidentId = 'inc_test'): Entry[] {
  const clock = frozenClock(T0);
  const out: Entry[] = [];
  for (const s of steps) {
    const payload = typeof s.payload === 'function' ? s.payload(out) : s.payload;
    out.push(buildEntry(out.at(-1), { incidentId, type: s.type, actor: s.actor ?? 'sever', payload }, { clock, signer }));
    clock.advance(1000);
  }
  return out;
}

/** carol's own SSH key (Ed25519 from a fixed seed: her signatures are reproducible too). */
export const CAROL_KEY = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(SEED_B, 'hex')]), format: 'der', type: 'pkcs8' });

/** The runbook recorded when the incident opens: carol is the IR lead, with her key. */
export const RUNBOOK = {
  version: 1, roles: { 'identity-engineering': ['carol@example.com'], 'ir-lead': ['carol@example.com'], responders: ['alice@example.com'] }, applications: [],
  keys: { 'carol@example.com': [`${ed25519PublicLine(CAROL_KEY)} carol`] },
};

/** carol's signed statement for `action`, bound to the last of `prev`. */
export function carolAttests(prev: readonly Entry[], action: 'signoff' | 'close', incidentId = 'inc_test', key: KeyObject = CAROL_KEY) {
  const head = prev.at(-1)!;
  const statement = `${canonicalize({
    kind: 'sever.statement', version: 1, action, incidentId, person: 'carol@example.com', ...(action === 'signoff' ? { role: 'ir-lead' } : {}),
    ledgerHead: { seq: head.seq, hash: head.hash }, at: '2025-01-31T12:00:00.000Z',
  })}\n`;
  const signature = signSshEd25519(key, statement, ATTESTATION_NAMESPACE);
  return { statement, signature, keyFingerprint: parseSshSignature(signature).publicKey.fingerprint };
}

/** A whole incident: opened, discovered, revoked, verified, signed off, closed. Nine entries. */
export function incidentSteps(signer: Signer): Step[] {
  return [
    { type: 'incident.opened', actor: 'alice@example.com', payload: { subject: { type: 'human', handle: 'bob@example.com' }, reason: 'phished', publicKey: { ...signer.publicJwk }, runbook: RUNBOOK } },
    { type: 'artifact.discovered', payload: { connector: 'oidc:main', artifacts: [{ artifactId: 'art_1', kind: 'refresh-token', externalId: 'rt-1', secretHash: 'ab'.repeat(32) }] } },
    { type: 'plan.created', payload: { plan: { items: [{ artifactId: 'art_1', tier: 'immediate', action: 'revoke' }] } } },
    { type: 'revoke.intent', payload: { artifactId: 'art_1', connector: 'oidc:main', method: 'revocation-endpoint' } },
    { type: 'revoke.response', payload: { artifactId: 'art_1', status: 'revoked', responseStatus: 200 } },
    { type: 'verify.observation', payload: { artifactId: 'art_1', connector: 'oidc:main', kind: 'refresh-token', verdict: 'dead', observedHash: 'cd'.repeat(32) } },
    { type: 'artifact.verdict', payload: { artifactId: 'art_1', connector: 'oidc:main', kind: 'refresh-token', verdict: 'verified-dead', proofSeq: 5 } },
    { type: 'signoff.recorded', actor: 'carol@example.com', payload: (prev) => ({ role: 'ir-lead', person: 'carol@example.com', signoff: { attestation: carolAttests(prev, 'signoff') } }) },
    { type: 'incident.closed', actor: 'carol@example.com', payload: (prev) => ({ reason: 'all artifacts verified dead', closer: 'carol@example.com', attestation: carolAttests(prev, 'close') }) },
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
