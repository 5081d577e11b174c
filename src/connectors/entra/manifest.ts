/**
 * What the entra connector discovers, revokes and verifies, the least-privilege Microsoft Graph
 * application permissions each needs, and what survives each revocation. Proof strengths are
 * stated as they are: `signInSessionsValidFromDateTime` is Entra's own record of the revocation
 * (self-report), never a replay; only a refresh token presented at the token endpoint is.
 */
import type { ConnectorManifest, Residue } from '../contract.ts';
import { REFRESH_REPLAY } from '../shared/oauth/paths.ts';
import { relist, replay, selfReport } from '../shared/strength.ts';
import { entraRealService } from './real-service.ts';

export { REFRESH_REPLAY };
export const VALID_FROM = 'self-report:GET /users/{id}?$select=signInSessionsValidFromDateTime';
export const DEVICE_READBACK = 'admin-readback:GET /devices/{id}?$select=accountEnabled';
export const RELIST_METHODS = 'admin-relist:GET /users/{id}/authentication/methods';
export const RELIST_GRANTS = 'admin-relist:GET /users/{id}/oauth2PermissionGrants';
export const RELIST_APP_CREDENTIALS = 'admin-relist:GET /{applications|servicePrincipals}/{id}?$select=passwordCredentials';
export const CLIENT_CREDENTIALS_REPLAY = 'client-credentials-replay';

export const REVOKE_SESSIONS = 'graph:POST /users/{id}/revokeSignInSessions';
export const DISABLE_DEVICE = 'graph:PATCH /devices/{id} {accountEnabled:false}';
export const DELETE_METHOD = 'graph:DELETE /users/{id}/authentication/{fido2Methods|microsoftAuthenticatorMethods|phoneMethods}/{methodId}';
export const DELETE_GRANT = 'graph:DELETE /oauth2PermissionGrants/{id}';
export const REMOVE_PASSWORD = 'graph:POST /{applications|servicePrincipals}/{id}/removePassword';

const USER_READ = 'User.Read.All (GET /users/{id}; User.ReadBasic.All does not return signInSessionsValidFromDateTime)';

const ACCESS_TOKENS: Residue = {
  what: 'access tokens already issued stay valid until they expire: 60-90 minutes by default, up to 28 hours in CAE sessions; only CAE-capable resources (Exchange Online, SharePoint Online, Teams, Graph) reject them early, within up to 15 minutes',
  compensatingAction: 'await the access-token lifetime (the evidence names it), or disable the user (accountEnabled false) so CAE resources refuse at once',
};

export const entraManifest: ConnectorManifest = {
  kind: 'entra',
  version: 1,
  title: 'Microsoft Entra ID (Microsoft Graph v1.0 through @microsoft/microsoft-graph-client)',
  description:
    "Discovers a user's sign-in sessions (one artifact: Graph lists none), registered devices, authentication methods (issuedAt = registration time where Graph gives it), delegated permission grants and the secrets of the applications and service principals the user owns; revokes sessions with revokeSignInSessions, disables devices, deletes methods and grants, removes secrets; proves them dead by a refresh replay (when a refresh token is held), Entra's own signInSessionsValidFromDateTime (self-report), admin read-backs, and a client-credentials request with the secret itself. User subjects only: an `integration` subject (an app) gives no artifacts.",
  subjectTypes: ['human', 'service-account', 'workload', 'ai-agent', 'integration'],
  artifacts: [
    {
      kind: 'idp-session',
      discover: 'GET /users/{id|upn}?$select=id,userPrincipalName,signInSessionsValidFromDateTime: one artifact per user (Graph lists no refresh tokens or session cookies; the value at discovery is the baseline)',
      revoke: {
        method: REVOKE_SESSIONS,
        selective: false,
        fallback: "Entra revokes all of a user's refresh tokens and browser session cookies at once (no per-session revocation for another user): the artifact is the user's whole set of sign-in sessions",
      },
      verify: [replay(REFRESH_REPLAY), selfReport(VALID_FROM)],
      permissions: [USER_READ, 'User.RevokeSessions.All (POST /users/{id}/revokeSignInSessions)'],
      residue: [
        ACCESS_TOKENS,
        { what: 'session cookies that applications issued themselves survive ("Microsoft Entra ID can\'t directly revoke a session token issued by an application")', compensatingAction: "end them in each application (its own connector, or the app's sign-out)" },
        { what: 'a B2B guest user is revoked only in the home tenant; revokeSignInSessions in the resource tenant does not end the home-tenant refresh tokens', compensatingAction: "ask the home tenant's administrators to revoke, or remove the guest account" },
        { what: 'the answer {"value": true} comes at once, and tokens die "after a small delay of a few minutes": until then a refresh token still refreshes', compensatingAction: 'verification polls; with a refresh token held (incident amend --value-file, --attribute clientId=<app id>) the replay proves the death' },
        { what: 'a user who can still sign in gets new sessions at once', compensatingAction: 'reset the password and the attacker\'s authentication methods (or set accountEnabled false) before revoking' },
      ],
      expectedDeadByMs: 600_000,
    },
    {
      kind: 'device-registration',
      discover: 'GET /users/{id}/registeredDevices (@odata.nextLink pages), the enabled ones (issuedAt = registrationDateTime)',
      revoke: { method: DISABLE_DEVICE, selective: true },
      verify: [relist(DEVICE_READBACK)],
      permissions: ['Device.Read.All (GET /users/{id}/registeredDevices, GET /devices/{id})', 'Device.ReadWrite.All (PATCH /devices/{id}; the caller also needs the Cloud Device Administrator role or equivalent for accountEnabled)'],
      residue: [
        { what: "primary refresh tokens already issued to the device keep working until the device's next token refresh checks its state", compensatingAction: 'revoke the user\'s sign-in sessions (idp-session) as well' },
        { what: 'data already on the device, and local sign-in with cached credentials', compensatingAction: 'Intune remote wipe or retire' },
      ],
      expectedDeadByMs: 60_000,
    },
    {
      kind: 'mfa-factor',
      discover: 'GET /users/{id}/authentication/methods (@odata.nextLink pages), the password method left out; issuedAt = createdDateTime where Graph gives one (FIDO2, Microsoft Authenticator, Windows Hello), none for phone',
      revoke: { method: DELETE_METHOD, selective: true },
      verify: [relist(RELIST_METHODS)],
      permissions: ['UserAuthenticationMethod.ReadWrite.All (GET and DELETE of the methods; deleting an admin\'s methods needs the Privileged Authentication Administrator role)'],
      residue: [
        { what: 'sessions and refresh tokens already obtained with the method stay alive', compensatingAction: 'revoke the sign-in sessions (idp-session)' },
        { what: 'method types without a wired delete path (softwareOath, email, temporaryAccessPass, windowsHelloForBusiness, platformCredential) are discovered non-revocable', compensatingAction: 'delete them in the Entra admin center, or with the Graph DELETE of their type' },
      ],
      expectedDeadByMs: 60_000,
    },
    {
      kind: 'oauth-grant',
      discover: "GET /users/{id}/oauth2PermissionGrants (@odata.nextLink pages), the user's own (consentType Principal)",
      revoke: { method: DELETE_GRANT, selective: true },
      verify: [relist(RELIST_GRANTS)],
      permissions: ['DelegatedPermissionGrant.ReadWrite.All (GET /users/{id}/oauth2PermissionGrants, DELETE /oauth2PermissionGrants/{id})'],
      residue: [
        ACCESS_TOKENS,
        { what: 'refresh tokens already issued under the grant keep refreshing until the sign-in sessions are revoked', compensatingAction: 'revoke the sign-in sessions (idp-session)' },
        { what: 'tenant-wide admin consent (consentType AllPrincipals) covers the user too and is not the user\'s to lose', compensatingAction: 'review the client\'s admin consent with its owner' },
      ],
      expectedDeadByMs: 60_000,
    },
    {
      kind: 'api-key',
      discover: 'GET /users/{id}/ownedObjects (@odata.nextLink pages), then GET /{applications|servicePrincipals}/{id}?$select=id,appId,displayName,passwordCredentials,keyCredentials: each unexpired secret (revocable) and certificate (not revocable by Sever)',
      revoke: {
        method: REMOVE_PASSWORD,
        selective: true,
      },
      verify: [replay(CLIENT_CREDENTIALS_REPLAY), relist(RELIST_APP_CREDENTIALS)],
      permissions: [
        'Application.Read.All (GET /{applications|servicePrincipals}/{id}?$select=passwordCredentials,keyCredentials) and Directory.Read.All (GET /users/{id}/ownedObjects)',
        "Application.ReadWrite.All (removePassword on the apps the subject owns; Application.ReadWrite.OwnedBy is narrower but covers only apps Sever's own app owns, which an attacker's app is not: grant it instead only where Sever is made co-owner)",
      ],
      residue: [
        { what: 'access tokens the app obtained with the secret stay valid until they expire (60-90 minutes)', compensatingAction: 'await expiry; disable the service principal (accountEnabled false) to stop new tokens and CAE-aware resources at once' },
        { what: 'certificate credentials: removeKey needs a proof-of-possession JWT signed by one of the app\'s own keys, which Sever does not hold', compensatingAction: 'an Application Administrator updates keyCredentials with PATCH, or disables the service principal' },
        { what: "the subject, still an owner, can add new secrets", compensatingAction: 'remove the subject from the app\'s owners after containment' },
      ],
      expectedDeadByMs: 60_000,
    },
  ],
  // Graph's identity and access service: 3,500 requests per 10 seconds per app and tenant for most
  // directory reads and writes; Sever takes a small share.
  limits: { concurrency: 8, rate: { limit: 500, windowMs: 10_000 } },
  verifyPolicy: { pollIntervalMs: 15_000, deadlineMs: 1_800_000 },
  realService: entraRealService,
};
