import { randomBytes } from 'node:crypto';
import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { LdapClient } from './client.ts';
import { LOCK_AND_RESET } from './manifest.ts';

/** Locks the account and resets its password; an account already locked is `already_revoked`. */
export async function revokeLdap(client: LdapClient, a: ArtifactHandle): Promise<RevokeOutcome> {
  const before = await client.read(a.externalId);
  if (!before || before.locked) {
    return { status: 'already_revoked', method: LOCK_AND_RESET, request: { dn: a.externalId }, response: { body: { entry: before ? 'locked' : 'absent' } } };
  }
  // A password nobody holds: the owner gets a new one through the help desk after the incident.
  await client.lockAndReset(a.externalId, randomBytes(24).toString('base64url'));
  return { status: 'revoked', method: LOCK_AND_RESET, request: { dn: a.externalId, modify: ['pwdAccountLockedTime', 'userPassword'] }, response: { status: 0, body: { ldapResult: 'success' } } };
}
