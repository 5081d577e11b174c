import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import type { LdapClient } from './client.ts';
import { BIND_OLD, READ_BACK } from './manifest.ts';

/**
 * Dead when the entry reads back locked with a password other than the one discovered, and, when
 * the compromised password is held, a real bind with it fails.
 */
export async function verifyLdap(client: LdapClient, a: ArtifactHandle): Promise<VerifyObservation> {
  const e = await client.read(a.externalId);
  const known = a.attributes.passwordFingerprint;
  const reset = e !== undefined && (known === undefined || known === null || e.passwordFingerprint !== known);
  const checks: VerifyCheck[] = [{
    path: READ_BACK,
    result: !e || (e.locked && reset) ? 'dead' : 'live',
    observed: { present: !!e, locked: e?.locked ?? null, passwordChanged: e ? reset : null },
  }];
  if (a.secret === undefined) {
    return { verdict: checks.some((c) => c.result === 'live') ? 'live' : 'dead', checks, unavailable: [{ path: BIND_OLD, why: 'the compromised password is not held, so it cannot be replayed: give it to the artifact with `incident amend <incident> --artifact <artifactId> --value-file <file>`' }] };
  }
  const ok = await client.canBind(a.externalId, a.secret);
  checks.push({ path: BIND_OLD, result: ok ? 'live' : 'dead', observed: { bind: ok ? 'accepted' : 'invalidCredentials' } });
  return { verdict: checks.some((c) => c.result === 'live') ? 'live' : 'dead', checks };
}
