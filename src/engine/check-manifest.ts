import { SeverError } from '../core/errors.ts';
import { ARTIFACT_KINDS } from '../core/model.ts';
import { PROOF_STRENGTHS } from '../core/proof.ts';
import type { ConnectorManifest } from '../connectors/contract.ts';

/** Fails at registration, not at first use, when a manifest is incomplete or inconsistent. */
export function checkManifest(m: ConnectorManifest): void {
  const bad = (why: string) => {
    throw new SeverError('ERR_CONNECTOR_MANIFEST', `connector kind ${m.kind}: ${why}`, { details: { kind: m.kind } });
  };
  if (m.version !== 1) bad(`manifest version ${String(m.version)} is not supported`);
  if (!m.artifacts.length) bad('declares no artifact kinds');
  if (!(m.limits.concurrency > 0)) bad('limits.concurrency must be positive');
  if (m.limits.rate && !(m.limits.rate.limit > 0 && m.limits.rate.windowMs > 0)) bad('limits.rate must be positive');
  if (!(m.verifyPolicy.pollIntervalMs > 0 && m.verifyPolicy.deadlineMs >= m.verifyPolicy.pollIntervalMs)) bad('verifyPolicy needs pollIntervalMs > 0 and deadlineMs >= pollIntervalMs');
  for (const a of m.artifacts) {
    if (!ARTIFACT_KINDS.includes(a.kind)) bad(`unknown artifact kind ${a.kind}`);
    if (a.verify.length === 0) bad(`${a.kind} has no verification path`);
    if (a.verify.some((v) => v.path === a.revoke.method)) bad(`${a.kind} verifies through its revoke path ${a.revoke.method}; verification must be independent`);
    for (const v of a.verify) if (!PROOF_STRENGTHS.includes(v.strength)) bad(`${a.kind} path ${v.path} has no proof strength (one of ${PROOF_STRENGTHS.join(', ')})`);
    if (new Set(a.verify.map((v) => v.path)).size !== a.verify.length) bad(`${a.kind} lists a verification path twice`);
    if (!a.revoke.selective && !a.revoke.fallback) bad(`${a.kind} is not selectively revocable and names no fallback`);
    if (a.rotate && (a.rotate.adoption === a.rotate.method || !a.rotate.method || !a.rotate.adoption)) bad(`${a.kind} rotation needs a method and a different adoption path`);
    if (!(a.expectedDeadByMs >= 0)) bad(`${a.kind} expectedDeadByMs must be >= 0`);
  }
}
