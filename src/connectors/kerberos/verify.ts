import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import type { KerberosClient } from './client.ts';
import { GETPRINC, KINIT_OLD, KRBTGT_KVNO, TICKET_ENDTIME } from './manifest.ts';

export async function verifyKerberos(k: KerberosClient, a: ArtifactHandle, now: number): Promise<VerifyObservation> {
  const checks: VerifyCheck[] = [];
  const unavailable: NonNullable<VerifyObservation['unavailable']> = [];
  if (a.kind === 'directory-account') {
    const p = await k.getprinc(a.externalId);
    const kvno = typeof a.attributes.kvno === 'number' ? a.attributes.kvno : undefined;
    const dead = !p || (p.disallowAllTix && (kvno === undefined || p.kvno > kvno));
    checks.push({ path: GETPRINC, result: dead ? 'dead' : 'live', observed: { present: !!p, disallowAllTix: p?.disallowAllTix ?? null, kvno: p?.kvno ?? null } });
    if (a.secret !== undefined) {
      const works = await k.kinitWorks(a.externalId, a.secret);
      checks.push({ path: KINIT_OLD, result: works ? 'live' : 'dead', observed: { kinit: works ? 'issued' : 'refused' } });
    } else {
      unavailable.push({ path: KINIT_OLD, why: 'the compromised password is not held, so kinit cannot try it: give it to the artifact with `incident amend <incident> --artifact <artifactId> --value-file <file>`' });
    }
  } else {
    // A ticket dies at its end time, or when the realm's krbtgt keys change under it. Before its end
    // time an unrotated ticket is live: the end time not yet reached is no evidence either way.
    const krbtgt = await k.getprinc(`krbtgt/${k.d.realm}`);
    const issuedKvno = a.attributes.krbtgtKvno;
    const rotated = krbtgt !== undefined && typeof issuedKvno === 'number' && krbtgt.kvno > issuedKvno;
    if (rotated) {
      checks.push({ path: KRBTGT_KVNO, result: 'dead', observed: { issuedUnderKvno: issuedKvno, krbtgtKvno: krbtgt.kvno } });
    } else {
      const end = a.expiresAt ? Date.parse(a.expiresAt) : Number.POSITIVE_INFINITY;
      checks.push({ path: TICKET_ENDTIME, result: end <= now ? 'expired' : 'live', observed: { endtime: a.expiresAt ?? null, now: new Date(now).toISOString() } });
    }
  }
  const verdict = checks.some((c) => c.result === 'live') ? 'live' : checks.every((c) => c.result === 'expired') ? 'expired' : 'dead';
  return { verdict, checks, ...(unavailable.length ? { unavailable } : {}) };
}
