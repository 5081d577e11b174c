/**
 * What the google-workspace connector discovers, revokes and verifies through the Admin SDK
 * Directory API, the least-privilege OAuth scopes each needs (from the `scopes` of each method in
 * Google's discovery document), and what survives each revocation (Google's help center).
 */
import type { ConnectorManifest, Residue } from '../contract.ts';
import { relist, replay, selfReport } from '../shared/strength.ts';
import { googleRealService } from './real-service.ts';

export const SIGN_OUT = 'directory:users.signOut';
export const DELETE_TOKEN = 'directory:tokens.delete';
export const DELETE_APP_PASSWORD = 'directory:asps.delete | directory:verificationCodes.invalidate';
export const DEVICE_ACTION = 'directory:mobiledevices.action';

/** A held sign-in cookie presented to Google: no API offers it, so it never runs (see verify.ts). */
export const COOKIE_REPLAY = 'session-cookie-replay';
/** users.get: account deleted or suspended (suspension resets sign-in cookies); says nothing about sessions otherwise. */
export const USER_READ = 'admin-read:users.get';
export const RELIST_TOKEN = 'admin-relist:tokens.get';
export const RELIST_ASPS = 'admin-relist:asps.list';
export const RELIST_CODES = 'admin-relist:verificationCodes.list';
export const RELIST_DEVICE = 'admin-relist:mobiledevices.get';

const SCOPE = (s: string) => `https://www.googleapis.com/auth/${s}`;
const USER_SECURITY = `${SCOPE('admin.directory.user.security')} (users.signOut, tokens.*, asps.*, verificationCodes.*)`;
const USER_READONLY = `${SCOPE('admin.directory.user.readonly')} (users.get, users.list)`;
const DEVICE_MOBILE_ACTION = `${SCOPE('admin.directory.device.mobile.action')} (mobiledevices.list, .get and .action)`;
const DELEGATION = 'a service account with domain-wide delegation for these scopes, impersonating a dedicated admin (User Management + Security privileges), NOT a person who may be the subject';

const SIGN_IN_AGAIN: Residue = {
  what: 'a user (or attacker) who still knows the password and passes 2SV can sign in again and grant new tokens',
  compensatingAction: 'reset the password and review 2SV factors (or suspend the user) before revoking',
};

export const googleManifest: ConnectorManifest = {
  kind: 'google-workspace',
  version: 1,
  title: 'Google Workspace (Admin SDK Directory API through @googleapis/admin)',
  description:
    "Discovers a Google Workspace user's sign-in sessions (as one artifact), OAuth tokens per client, app-specific passwords, backup verification codes and mobile devices through the Directory API; for an integration subject (an OAuth client id) finds that client's tokens for every user. Signs the user out, deletes tokens and ASPs, invalidates backup codes and blocks or account-wipes devices; proves each dead by an admin re-list. Sign-in sessions cannot be observed through any Google API: their proof is named unavailable.",
  subjectTypes: ['human', 'service-account', 'workload', 'ai-agent', 'integration'],
  artifacts: [
    {
      kind: 'idp-session',
      discover: 'users.get: one artifact per user standing for all of its web and device sign-in sessions (Google lists no sessions)',
      revoke: {
        method: SIGN_OUT,
        selective: false,
        fallback: "users.signOut ends all of the user's web and device sessions at once and resets the sign-in cookies (no per-session call): the artifact is the whole set; the call is only an acknowledgement (revoke answers `accepted`)",
      },
      verify: [replay(COOKIE_REPLAY), selfReport(USER_READ)],
      permissions: [USER_SECURITY, USER_READONLY, DELEGATION],
      residue: [
        { what: 'current Gmail HTTP sessions can take up to an hour to be signed out ("The time for other apps can vary")', compensatingAction: 'expect up to 1 h; suspend the user for an immediate stop (suspension also resets sign-in cookies)' },
        { what: 'Drive for desktop and the Gmail mobile apps are not signed out by a sign-in cookie reset', compensatingAction: "revoke the user's OAuth tokens of those apps (oauth-grant artifacts) and block or account-wipe the mobile devices (device-registration)" },
        { what: 'OAuth tokens and app-specific passwords are not revoked by signOut', compensatingAction: 'revoke each oauth-grant and app-password artifact' },
        SIGN_IN_AGAIN,
      ],
      expectedDeadByMs: 3_600_000,
    },
    {
      kind: 'oauth-grant',
      discover: 'tokens.list per user (one token per client: clientId, displayText, scopes); for an integration subject, users.list (every page) then tokens.get of that client for each user',
      revoke: { method: DELETE_TOKEN, selective: true },
      verify: [relist(RELIST_TOKEN)],
      permissions: [USER_SECURITY, USER_READONLY, DELEGATION],
      residue: [
        { what: "access tokens already issued under the grant are bearer tokens Google does not list: they work until they expire (1 hour)", compensatingAction: 'await expiry (1 h)' },
        { what: 'the app can obtain a new token if the user (or an admin, domain-wide) authorizes it again', compensatingAction: 'block the client in Admin console > Security > API controls > App access control before revoking' },
        SIGN_IN_AGAIN,
      ],
      expectedDeadByMs: 60_000,
    },
    {
      kind: 'app-password',
      discover: 'asps.list (issuedAt = creationTime) and verificationCodes.list (credentialType backup-codes; the codes are held as the artifact secret, to tell old codes from new)',
      revoke: { method: DELETE_APP_PASSWORD, selective: true },
      verify: [relist(RELIST_ASPS), relist(RELIST_CODES)],
      permissions: [USER_SECURITY, DELEGATION],
      residue: [
        { what: 'IMAP/POP/CalDAV connections already authenticated with an app-specific password may stay open', compensatingAction: 'sign the user out (idp-session) and wait for the clients to reconnect' },
        { what: 'backup codes are invalidated all together: the user loses their own codes too', compensatingAction: 'generate new codes for the user once the incident is contained (verificationCodes.generate)' },
      ],
      expectedDeadByMs: 60_000,
    },
    {
      kind: 'device-registration',
      discover: 'mobiledevices.list with query email:<primaryEmail> (every page); blocked and wiped devices are not live',
      revoke: { method: DEVICE_ACTION, selective: true },
      verify: [relist(RELIST_DEVICE)],
      permissions: [DEVICE_MOBILE_ACTION, DELEGATION],
      residue: [
        { what: 'an account wipe takes effect only when the device next syncs (status ACCOUNT_WIPING until then); data already on the device was already exposed', compensatingAction: 'keep polling the status; if the device never syncs, block it and treat its data as lost' },
        { what: 'blocking a device stops Google sync but not OAuth tokens of apps on it', compensatingAction: 'revoke the oauth-grant artifacts of the native apps' },
      ],
      expectedDeadByMs: 15 * 60_000,
    },
  ],
  // Directory API: 2,400 queries a minute per user per project; Sever takes a quarter.
  limits: { concurrency: 8, rate: { limit: 600, windowMs: 60_000 } },
  // Each kind's expectedDeadByMs lengthens its own deadline (the engine takes the larger): 1 h for sign-out, 15 min for a device wipe.
  verifyPolicy: { pollIntervalMs: 5_000, deadlineMs: 120_000 },
  realService: googleRealService,
};
