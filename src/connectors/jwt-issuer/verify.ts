import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import type { JwtIssuerClient } from './client.ts';
import { JWKS, RS_OLD } from './manifest.ts';

/**
 * Dead when the JWKS no longer publishes the key and a resource server refuses a token it signed.
 * A token from the new key is tried too, and its status recorded: the rotation must not break the issuer.
 */
export async function verifyKey(c: JwtIssuerClient, a: ArtifactHandle, probeSubject: string): Promise<VerifyObservation> {
  const kid = String(a.attributes.kid);
  const published = (await c.jwksKids()).includes(kid);
  const checks: VerifyCheck[] = [{ path: JWKS, result: published ? 'live' : 'dead', observed: { kidPublished: published } }];
  if (a.secret !== undefined) {
    const old = await c.rsStatus(a.secret);
    const probe = await c.probeToken(probeSubject);
    const fresh = probe ? await c.rsStatus(probe) : null;
    checks.push({ path: RS_OLD, result: old === 401 || old === 403 ? 'dead' : 'live', observed: { oldKeyToken: old, newKeyToken: fresh } });
  }
  const unavailable = a.secret !== undefined ? [] : [{ path: RS_OLD, why: 'no token signed by the retired key is held to present to the resource server' }];
  return { verdict: checks.some((x) => x.result === 'live') ? 'live' : 'dead', checks, ...(unavailable.length ? { unavailable } : {}) };
}
