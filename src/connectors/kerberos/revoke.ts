import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { KerberosClient } from './client.ts';
import { DISABLE_AND_RANDKEY } from './manifest.ts';

export async function revokeKerberos(k: KerberosClient, a: ArtifactHandle): Promise<RevokeOutcome> {
  if (a.kind !== 'directory-account' || !a.revocable) {
    throw new SeverError('ERR_NOT_REVOCABLE', `${k.d.name}: ${a.label} cannot be revoked (Kerberos tickets are bearer until their end time); await expiry or rotate krbtgt/${k.d.realm} (realm-wide)`, {
      details: { connector: k.d.name, kind: a.kind, externalId: a.externalId },
    });
  }
  const before = await k.getprinc(a.externalId);
  const kvno = typeof a.attributes.kvno === 'number' ? a.attributes.kvno : undefined;
  if (!before || (before.disallowAllTix && kvno !== undefined && before.kvno > kvno)) {
    return { status: 'already_revoked', method: DISABLE_AND_RANDKEY, request: { principal: a.externalId }, response: { body: { principal: before ? 'disabled' : 'absent' } } };
  }
  await k.disableAndRandkey(a.externalId);
  return { status: 'revoked', method: DISABLE_AND_RANDKEY, request: { principal: a.externalId, queries: ['modprinc -allow_tix', 'cpw -randkey'] }, response: { status: 0 } };
}
