import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import type { SshCaClient } from './client.ts';
import { KRL_QUERY, LOGIN, SESSIONS } from './manifest.ts';
import { certOf } from './revoke.ts';

/** Per host: the KRL revokes it, sshd refuses a login with it (when the key is at hand), and no session of it remains. */
export async function verifyCert(c: SshCaClient, a: ArtifactHandle): Promise<VerifyObservation> {
  const cert = certOf(a);
  const checks: VerifyCheck[] = [];
  for (const h of c.d.hosts) {
    const revoked = await c.revokedIn(h.krlPath, cert.certPath);
    checks.push({ path: KRL_QUERY, result: revoked ? 'dead' : 'live', observed: { host: h.name, revoked } });
    if (h.sshPort && h.knownHostsPath && cert.keyPath) {
      const ok = await c.canLogin(h, cert);
      checks.push({ path: LOGIN, result: ok ? 'live' : 'dead', observed: { host: h.name, login: ok ? 'accepted' : 'refused' } });
    }
    if (h.sshdLog) {
      const pids = await c.sessionPids(h, cert.serial);
      checks.push({ path: SESSIONS, result: pids.length ? 'live' : 'dead', observed: { host: h.name, sessions: pids.length } });
    }
  }
  return { verdict: checks.some((x) => x.result === 'live') ? 'live' : 'dead', checks };
}
