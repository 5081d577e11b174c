/**
 * Revokes one artifact through the Directory API. A 404 of a delete is `already_revoked`.
 *   idp-session      users.signOut: always `accepted` (Google acknowledges at once and signs out
 *                    within up to an hour); sent again on a second call (harmless, and no read can
 *                    tell whether the first one took effect)
 *   oauth-grant      tokens.delete of (user, client): that client's token of that user only
 *   app-password     asps.delete; backup codes: verificationCodes.invalidate (all codes), after a
 *                    read: none of the held codes current any more → `already_revoked`, not sent
 *   device-registration  mobiledevices.action (`admin_account_wipe` or `block`, per settings),
 *                    after a read: already blocked / wiped → `already_revoked`; an account wipe is
 *                    `accepted` (it completes when the device syncs)
 */
import { SeverError } from '../../core/errors.ts';
import { need } from '../shared/attributes.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { GoogleClient } from './client.ts';
import { DEAD_DEVICE_STATUSES } from './discover.ts';
import { DELETE_APP_PASSWORD, DELETE_TOKEN, DEVICE_ACTION, SIGN_OUT } from './manifest.ts';

export type DeviceAction = 'admin_account_wipe' | 'block';

export const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** The part of an externalId after its prefix (`token:{userId}:{clientId}` → [userId, clientId]). */
export const idParts = (externalId: string): string[] => externalId.split(':').slice(1);


export const isBackupCodes = (a: ArtifactHandle) => a.attributes.credentialType === 'backup-codes' || a.externalId.startsWith('backup-codes:');
export const heldCodes = (a: ArtifactHandle) => (a.secret ?? '').split(',').filter(Boolean);

const done = (method: string, status: number, request: Record<string, unknown>): RevokeOutcome => ({ status: status === 404 ? 'already_revoked' : 'revoked', method, request, response: { status } });

export async function revokeGoogle(name: string, g: GoogleClient, a: ArtifactHandle, deviceAction: DeviceAction): Promise<RevokeOutcome> {
  if (!a.revocable) throw new SeverError('ERR_NOT_REVOCABLE', `${name}: ${a.kind} ${a.externalId} is marked non-revocable`, { details: { connector: name, kind: a.kind, externalId: a.externalId } });
  const userId = () => need(name, a, 'userId', idParts(a.externalId)[0]);
  switch (a.kind) {
    case 'idp-session': {
      const userKey = userId();
      const status = await g.signOut(userKey);
      return { status: status === 404 ? 'already_revoked' : 'accepted', method: SIGN_OUT, request: { method: 'POST', path: 'admin/directory/v1/users/{userKey}/signOut', userKey }, response: { status } };
    }
    case 'oauth-grant': {
      const userKey = userId();
      const clientId = need(name, a, 'clientId', idParts(a.externalId)[1]);
      return done(DELETE_TOKEN, await g.deleteToken(userKey, clientId), { method: 'DELETE', path: 'admin/directory/v1/users/{userKey}/tokens/{clientId}', userKey, clientId });
    }
    case 'app-password': {
      const userKey = userId();
      if (isBackupCodes(a)) {
        const request = { method: 'POST', path: 'admin/directory/v1/users/{userKey}/verificationCodes/invalidate', userKey };
        const current = await g.verificationCodes(userKey);
        const held = heldCodes(a);
        const stillCurrent = current === undefined ? 0 : held.length > 0 ? held.filter((c) => current.includes(c)).length : current.length;
        if (current === undefined || stillCurrent === 0) return { status: 'already_revoked', method: DELETE_APP_PASSWORD, request: { ...request, precheck: 'none of the codes is current: not sent' }, response: { body: { current: current?.length ?? 0 } } };
        return done(DELETE_APP_PASSWORD, await g.invalidateCodes(userKey), { ...request, currentBefore: current.length });
      }
      const codeId = Number(need(name, a, 'codeId', idParts(a.externalId)[1]));
      return done(DELETE_APP_PASSWORD, await g.deleteAsp(userKey, codeId), { method: 'DELETE', path: 'admin/directory/v1/users/{userKey}/asps/{codeId}', userKey, codeId });
    }
    case 'device-registration': {
      const resourceId = need(name, a, 'resourceId', idParts(a.externalId)[0]);
      const request = { method: 'POST', path: 'admin/directory/v1/customer/{customerId}/devices/mobile/{resourceId}/action', customerId: g.customerId, resourceId, action: deviceAction };
      const before = await g.mobileDevice(resourceId);
      if (!before || DEAD_DEVICE_STATUSES.has(before.status) || (deviceAction === 'admin_account_wipe' && before.status === 'ACCOUNT_WIPING')) {
        return { status: 'already_revoked', method: DEVICE_ACTION, request: { ...request, precheck: `device ${before ? before.status : 'gone'}: not sent` }, response: { body: { status: before?.status ?? null } } };
      }
      const status = await g.deviceAction(resourceId, deviceAction);
      return status === 404 ? done(DEVICE_ACTION, 404, request) : { status: deviceAction === 'block' ? 'revoked' : 'accepted', method: DEVICE_ACTION, request: { ...request, statusBefore: before.status }, response: { status } };
    }
    default:
      throw new SeverError('ERR_INPUT_INVALID', `${name}: the google-workspace connector does not handle ${a.kind}`, { details: { connector: name, kind: a.kind } });
  }
}

export { need };
