import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import type { PgRolesClient } from './client.ts';
import { LOGIN_OLD, READ_ACTIVITY, READ_ROLE } from './manifest.ts';

export async function verifyRole(c: PgRolesClient, a: ArtifactHandle): Promise<VerifyObservation> {
  const role = String(a.attributes.role);
  const checks: VerifyCheck[] = [];
  const unavailable: NonNullable<VerifyObservation['unavailable']> = [];
  if (a.kind === 'service-account-binding') {
    const r = await c.role(role);
    checks.push({ path: READ_ROLE, result: !r || !r.canLogin ? 'dead' : 'live', observed: { present: !!r, canLogin: r?.canLogin ?? null } });
    if (a.secret !== undefined) {
      const ok = await c.canLogin(role, a.secret);
      checks.push({ path: LOGIN_OLD, result: ok ? 'live' : 'dead', observed: { login: ok ? 'accepted' : 'refused' } });
    } else {
      unavailable.push({ path: LOGIN_OLD, why: 'the leaked password is not held, so it cannot be replayed: give it to the artifact with `incident amend <incident> --artifact <artifactId> --value-file <file>`' });
    }
    const left = await c.backends(role);
    checks.push({ path: READ_ACTIVITY, result: left.length ? 'live' : 'dead', observed: { backendsOfRole: left.length } });
  } else {
    const still = (await c.backends(role)).some((b) => b.pid === Number(a.attributes.pid) && b.backendStart === String(a.attributes.backendStart));
    checks.push({ path: READ_ACTIVITY, result: still ? 'live' : 'dead', observed: { backendPresent: still } });
  }
  return { verdict: checks.some((x) => x.result === 'live') ? 'live' : 'dead', checks, ...(unavailable.length ? { unavailable } : {}) };
}
