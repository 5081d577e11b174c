/**
 * Observes an artifact through paths other than the call that revoked it:
 *   idp-session      NO read of a user's sessions exists in any Google API. The only path that
 *                    would prove them dead, presenting a held sign-in cookie, is never runnable
 *                    (`unavailable`). users.get (self-report) says dead only when the account is
 *                    deleted or suspended (suspension resets the sign-in cookies); otherwise it
 *                    cannot tell a signed-out user from a signed-in one, so it makes no check at
 *                    all and the engine grades the session `unproven` at once, naming the replay:
 *                    the acknowledgement of users.signOut is never taken as its effect.
 *   oauth-grant      tokens.get of (user, client): 404 = dead
 *   app-password     ASP: asps.list without the codeId; backup codes: verificationCodes.list with
 *                    none of the held codes (empty, or only new codes); without the held codes, only
 *                    an empty list is dead
 *   device-registration  mobiledevices.get: BLOCKED / ACCOUNT_WIPED / WIPED, or gone
 * Never changes anything at Google.
 */
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import type { GoogleClient } from './client.ts';
import { DEAD_DEVICE_STATUSES } from './discover.ts';
import { COOKIE_REPLAY, RELIST_ASPS, RELIST_CODES, RELIST_DEVICE, RELIST_TOKEN, USER_READ } from './manifest.ts';
import { heldCodes, idParts, isBackupCodes, need } from './revoke.ts';

const check = (path: string, dead: boolean, observed: Record<string, unknown>): VerifyCheck => ({ path, result: dead ? 'dead' : 'live', observed });

export const NO_SESSION_READ =
  "Google offers no API that lists a user's sessions or accepts a held sign-in cookie for a check, and Sever holds none: only the attacker's own browser could show them dead. users.signOut is documented to take up to an hour for current Gmail HTTP sessions; suspending the user resets the cookies at once";

export async function verifyGoogle(name: string, g: GoogleClient, a: ArtifactHandle): Promise<VerifyObservation> {
  const userId = () => need(name, a, 'userId', idParts(a.externalId)[0]);
  switch (a.kind) {
    case 'idp-session': {
      const u = await g.getUser(userId());
      const unavailable = [{ path: COOKIE_REPLAY, why: NO_SESSION_READ }];
      // A suspended or deleted user's cookies are reset: that read is evidence (the provider's own). An
      // active user's record says nothing about its sessions either way: no check, only what would prove it.
      if (u === undefined || u.suspended) return { verdict: 'dead', checks: [check(USER_READ, true, u ? { suspended: true } : { status: 404 })], unavailable };
      return { verdict: 'live', checks: [], unavailable };
    }
    case 'oauth-grant': {
      const clientId = need(name, a, 'clientId', idParts(a.externalId)[1]);
      const t = await g.token(userId(), clientId);
      const c = check(RELIST_TOKEN, t === undefined, t ? { status: 200, scopes: t.scopes.length } : { status: 404 });
      return { verdict: c.result === 'dead' ? 'dead' : 'live', checks: [c] };
    }
    case 'app-password': {
      if (isBackupCodes(a)) {
        const current = (await g.verificationCodes(userId())) ?? [];
        const held = heldCodes(a);
        const stillCurrent = held.filter((x) => current.includes(x)).length;
        const dead = current.length === 0 || (held.length > 0 && stillCurrent === 0);
        const c = check(RELIST_CODES, dead, { current: current.length, heldStillCurrent: held.length > 0 ? stillCurrent : null });
        return { verdict: dead ? 'dead' : 'live', checks: [c] };
      }
      const codeId = Number(need(name, a, 'codeId', idParts(a.externalId)[1]));
      const asps = (await g.asps(userId())) ?? [];
      const c = check(RELIST_ASPS, !asps.some((x) => x.codeId === codeId), { asps: asps.length, listed: asps.some((x) => x.codeId === codeId) });
      return { verdict: c.result === 'dead' ? 'dead' : 'live', checks: [c] };
    }
    case 'device-registration': {
      const d = await g.mobileDevice(need(name, a, 'resourceId', idParts(a.externalId)[0]));
      const c = check(RELIST_DEVICE, d === undefined || DEAD_DEVICE_STATUSES.has(d.status), d ? { status: d.status } : { gone: true });
      return { verdict: c.result === 'dead' ? 'dead' : 'live', checks: [c] };
    }
    default:
      throw new SeverError('ERR_INPUT_INVALID', `${name}: the google-workspace connector does not handle ${a.kind}`, { details: { connector: name, kind: a.kind } });
  }
}
