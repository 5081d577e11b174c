/**
 * Revokes one artifact through Graph. Methods and grants are deleted (a 404 is Graph's answer to a
 * second delete: `already_revoked`). Devices are disabled and secrets removed after a read that
 * makes the second call idempotent (already disabled / keyId no longer listed: `already_revoked`,
 * not sent again). The user's sign-in sessions are revoked together (`revokeSignInSessions`, whose
 * `{"value": true}` proves nothing: status `accepted`, the tokens die "after a few minutes"); a
 * second call is `already_revoked` when `signInSessionsValidFromDateTime` has moved past the
 * baseline recorded at discovery. None of these reads is evidence: verify proves.
 */
import { SeverError } from '../../core/errors.ts';
import { need, str } from '../shared/attributes.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { EntraClient } from './client.ts';
import { DELETE_GRANT, DELETE_METHOD, DISABLE_DEVICE, REMOVE_PASSWORD, REVOKE_SESSIONS } from './manifest.ts';



export const collectionOf = (name: string, a: ArtifactHandle): 'applications' | 'servicePrincipals' => (need(name, a, 'collection') === 'servicePrincipals' ? 'servicePrincipals' : 'applications');

/** Whether `current` is later than `baseline` (both ISO instants). */
export const movedPast = (current: string | null | undefined, baseline: string | undefined): boolean => !!current && !!baseline && Date.parse(current) > Date.parse(baseline);

const outcome = (method: string, status: number, request: Record<string, unknown>): RevokeOutcome => ({ status: status === 404 ? 'already_revoked' : 'revoked', method, request, response: { status } });

export async function revokeEntra(name: string, entra: EntraClient, a: ArtifactHandle): Promise<RevokeOutcome> {
  if (!a.revocable) {
    throw new SeverError('ERR_NOT_REVOCABLE', `${name}: ${a.kind} ${a.externalId} cannot be revoked by Sever (${a.attributes.credentialType === 'certificate' ? 'removeKey needs a proof-of-possession JWT signed by one of the app\'s own keys' : `no delete path is wired for ${String(a.attributes.methodType ?? a.kind)}`}); see the manifest's residue`, { details: { connector: name, kind: a.kind, externalId: a.externalId } });
  }
  switch (a.kind) {
    case 'idp-session': {
      const userId = need(name, a, 'userId');
      const request = { method: 'POST', path: '/users/{id}/revokeSignInSessions', userId };
      const baseline = str(a.attributes.validFromAtDiscovery);
      const before = await entra.user(userId);
      if (!before) return { status: 'already_revoked', method: REVOKE_SESSIONS, request: { ...request, precheck: 'the user is gone' }, response: { status: 404 } };
      if (movedPast(before.signInSessionsValidFromDateTime, baseline)) {
        return { status: 'already_revoked', method: REVOKE_SESSIONS, request: { ...request, precheck: 'signInSessionsValidFromDateTime already moved past the discovery baseline: not sent again', baseline }, response: { body: { signInSessionsValidFromDateTime: before.signInSessionsValidFromDateTime } } };
      }
      const r = await entra.revokeSignInSessions(userId);
      if (!r) return { status: 'already_revoked', method: REVOKE_SESSIONS, request, response: { status: 404 } };
      return { status: 'accepted', method: REVOKE_SESSIONS, request, response: { status: r.status, body: { value: r.value } } };
    }
    case 'device-registration': {
      const id = need(name, a, 'deviceObjectId');
      const request = { method: 'PATCH', path: '/devices/{id}', deviceObjectId: id, body: { accountEnabled: false } };
      const d = await entra.device(id);
      if (!d || d.accountEnabled === false) return { status: 'already_revoked', method: DISABLE_DEVICE, request: { ...request, precheck: d ? 'already disabled: not sent again' : 'the device is gone' }, response: { status: d ? 200 : 404 } };
      return outcome(DISABLE_DEVICE, await entra.disableDevice(id), request);
    }
    case 'mfa-factor': {
      const userId = need(name, a, 'userId');
      const methodId = need(name, a, 'methodId');
      const segment = need(name, a, 'segment');
      return outcome(DELETE_METHOD, await entra.deleteMethod(userId, segment, methodId), { method: 'DELETE', path: `/users/{id}/authentication/${segment}/{methodId}`, userId, methodId });
    }
    case 'oauth-grant': {
      const grantId = need(name, a, 'grantId');
      return outcome(DELETE_GRANT, await entra.deleteGrant(grantId), { method: 'DELETE', path: '/oauth2PermissionGrants/{id}', grantId });
    }
    case 'api-key': {
      const collection = collectionOf(name, a);
      const objectId = need(name, a, 'objectId');
      const keyId = need(name, a, 'keyId');
      const request = { method: 'POST', path: `/${collection}/{id}/removePassword`, objectId, body: { keyId } };
      const app = await entra.appCredentials(collection, objectId);
      if (!app || !(app.passwordCredentials ?? []).some((p) => p.keyId === keyId)) {
        return { status: 'already_revoked', method: REMOVE_PASSWORD, request: { ...request, precheck: app ? 'keyId no longer listed: not sent again' : 'the app is gone' }, response: { status: app ? 200 : 404 } };
      }
      return outcome(REMOVE_PASSWORD, await entra.removePassword(collection, objectId, keyId), request);
    }
    default:
      throw new SeverError('ERR_INPUT_INVALID', `${name}: the entra connector does not handle ${a.kind}`, { details: { connector: name, kind: a.kind } });
  }
}

export { need, str };
