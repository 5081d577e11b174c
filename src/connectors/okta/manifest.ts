/**
 * What the okta connector discovers, revokes and verifies, the least-privilege OAuth scopes of the
 * Okta Management API each needs (from Okta's own description, `security` of each operation; with
 * an SSWS token, the admin role of the token's creator decides instead), and what survives each
 * revocation. Verification path names of the standards half match the `oauth` connector's.
 */
import type { ConnectorManifest, Residue } from '../contract.ts';
import { INTROSPECTION, REFRESH_REPLAY } from '../shared/oauth/paths.ts';
import { relist, replay, selfReport } from '../shared/strength.ts';
import { oktaRealService } from './real-service.ts';

export { INTROSPECTION, REFRESH_REPLAY };
export const RELIST_SESSIONS = 'admin-relist:sessions';
export const RELIST_USER_TOKENS = 'admin-relist:user-oauth-tokens';
export const RELIST_GRANTS = 'admin-relist:grants';
export const RELIST_TOKENS = 'admin-relist:refresh-tokens';
export const RELIST_FACTORS = 'admin-relist:factors';
export const RELIST_API_TOKENS = 'admin-relist:api-tokens';
export const SSWS_REPLAY = 'ssws-replay:GET /api/v1/users/me';

export const END_SESSIONS = 'admin-api:DELETE /api/v1/users/{userId}/sessions?oauthTokens=true&forgetDevices=true';
export const DELETE_GRANT = 'admin-api:DELETE /api/v1/users/{userId}/grants/{grantId}';
export const DELETE_TOKEN = 'admin-api:DELETE /api/v1/users/{userId}/clients/{clientId}/tokens/{tokenId}';
export const DELETE_FACTOR = 'admin-api:DELETE /api/v1/users/{userId}/factors/{factorId}';
export const DELETE_API_TOKEN = 'admin-api:DELETE /api/v1/api-tokens/{apiTokenId}';

const USERS_READ = 'okta.users.read (GET /api/v1/users/{id}, its grants, clients, tokens and factors)';
const USERS_MANAGE = 'okta.users.manage (DELETE of sessions, grants, tokens and factors; admin role: Org Administrator, or Help Desk Administrator scoped to the user)';
const OWNER_CLIENT = "the owning client's credentials in settings.clientSecrets (Okta introspects a token only for the client it was issued to, and a refresh is valid only as that client)";

const ACCESS_TOKENS: Residue = {
  what: 'access tokens of Okta authorization servers are self-contained JWTs: resource servers that validate them locally accept them until exp (1 hour by default), and the management API lists none',
  compensatingAction: 'await expiry (the access token lifetime of the authorization server policy), or shorten it before containment',
};
const CONSENT_AGAIN: Residue = {
  what: 'a user who can still sign in can consent again and obtain new grants and tokens',
  compensatingAction: 'reset the password and the factors (or suspend the user) before revoking',
};

export const oktaManifest: ConnectorManifest = {
  kind: 'okta',
  version: 1,
  title: 'Okta (Management API through @okta/okta-sdk-nodejs + authorization server endpoints)',
  description:
    "Discovers a user's Okta sessions (System Log + session lookup), OAuth consent grants, refresh tokens, enrolled factors and SSWS API tokens through the Management API; ends the sessions together with the user's OAuth tokens, revokes grants, tokens, factors and API tokens one by one; proves each dead by an admin re-list, RFC 7662 introspection, a refresh replay as the owning client, and a management call with the API token itself.",
  subjectTypes: ['human', 'service-account', 'workload', 'ai-agent', 'integration'],
  artifacts: [
    {
      kind: 'idp-session',
      discover: 'GET /api/v1/logs?filter=eventType eq "user.session.start" and actor.id eq "{userId}" (bounded since/until), then GET /api/v1/sessions/{sessionId} for each: one artifact per user with its live session ids',
      revoke: {
        method: END_SESSIONS,
        selective: false,
        fallback: "Okta's management API ends all of a user's sessions at once (no per-session delete for another user): the artifact is the user's whole set of Okta sessions, ended together with every OAuth token issued to the user (oauthTokens=true; the default false leaves them alive) and remembered factors (forgetDevices=true)",
      },
      verify: [relist(RELIST_SESSIONS), relist(RELIST_USER_TOKENS)],
      permissions: ['okta.logs.read (GET /api/v1/logs)', 'okta.sessions.read (GET /api/v1/sessions/{id})', USERS_READ, USERS_MANAGE],
      residue: [
        { what: 'sessions that web and native applications created themselves survive ("doesn\'t clear the sessions created for web or native apps")', compensatingAction: 'end them in each application (Universal Logout for the apps that support it, or that app\'s own connector)' },
        { what: "ending the user's sessions does not revoke the user's SSWS API tokens", compensatingAction: 'revoke each api-key artifact' },
        { what: 'with oauthTokens=false (the API default) every refresh and access token stays alive; Sever always sends true', compensatingAction: 'none needed when sent by Sever; after a manual "clear sessions", revoke each refresh-token artifact' },
        ACCESS_TOKENS,
      ],
      expectedDeadByMs: 10_000,
    },
    {
      kind: 'oauth-grant',
      discover: 'GET /api/v1/users/{userId}/grants (after/limit pages); for an integration subject (an app), GET /api/v1/apps/{appId}/grants: its grants for every user',
      revoke: { method: DELETE_GRANT, selective: true },
      verify: [relist(RELIST_GRANTS)],
      permissions: [USERS_READ, USERS_MANAGE, 'okta.appGrants.read (integration subjects: GET /api/v1/apps/{appId}/grants)', 'okta.apps.read (integration subjects: GET /api/v1/apps/{appId}/tokens)'],
      residue: [CONSENT_AGAIN, ACCESS_TOKENS, { what: 'refresh tokens already issued under the grant are separate artifacts', compensatingAction: 'revoke each refresh-token artifact of the client (or end the sessions with oauthTokens=true)' }],
      expectedDeadByMs: 10_000,
    },
    {
      kind: 'refresh-token',
      discover: 'GET /api/v1/users/{userId}/clients, then GET /api/v1/users/{userId}/clients/{clientId}/tokens (after/limit pages); for an integration subject, GET /api/v1/apps/{appId}/tokens: its refresh tokens for every user. Okta never returns token values: give one with `incident amend --value-file` for the stronger proofs',
      revoke: { method: DELETE_TOKEN, selective: true },
      verify: [relist(RELIST_TOKENS), selfReport(INTROSPECTION), replay(REFRESH_REPLAY)],
      permissions: [USERS_READ, USERS_MANAGE, OWNER_CLIENT],
      residue: [ACCESS_TOKENS, CONSENT_AGAIN],
      expectedDeadByMs: 10_000,
    },
    {
      kind: 'mfa-factor',
      discover: 'GET /api/v1/users/{userId}/factors (issuedAt = the factor\'s created time, its enrollment)',
      revoke: { method: DELETE_FACTOR, selective: true },
      verify: [relist(RELIST_FACTORS)],
      permissions: [USERS_READ, USERS_MANAGE],
      residue: [
        { what: 'unenrolling a push or signed_nonce factor also unenrolls the user\'s other Okta Verify totp/push/signed_nonce factors (Okta\'s documented side effect), which may include the user\'s own', compensatingAction: 'confirm with the user and re-enroll their own factor afterwards' },
        { what: 'sessions already authenticated with the factor stay alive', compensatingAction: 'end the sessions (idp-session artifact)' },
      ],
      expectedDeadByMs: 10_000,
    },
    {
      kind: 'api-key',
      discover: 'GET /api/v1/api-tokens, those whose userId is the subject (values are never returned: give one with `incident amend --value-file` for the replay)',
      revoke: { method: DELETE_API_TOKEN, selective: true },
      verify: [relist(RELIST_API_TOKENS), replay(SSWS_REPLAY)],
      permissions: ['okta.apiTokens.read (GET /api/v1/api-tokens)', 'okta.apiTokens.manage (DELETE /api/v1/api-tokens/{id}; admin role: Super Administrator for tokens of other admins)'],
      residue: [
        { what: "if Sever's own SSWS token was created by the subject, revoking the subject's API tokens cuts Sever off", compensatingAction: 'run Sever with OAuth private-key auth (a service app) or a token of another admin' },
        { what: 'calls already in flight and actions the token performed (new admins, new tokens, policy changes) are not undone', compensatingAction: 'review the System Log for the token\'s actions (actor.id = the subject, transaction by the token)' },
      ],
      expectedDeadByMs: 10_000,
    },
  ],
  // Okta: 75 concurrent transactions per org for all API traffic (Sever takes a third); most /api/v1 user endpoints allow 600
  // writes and 1,200 reads a minute per org (Workforce): stay well under both during an incident.
  limits: { concurrency: 25, rate: { limit: 300, windowMs: 60_000 } },
  verifyPolicy: { pollIntervalMs: 2_000, deadlineMs: 120_000 },
  realService: oktaRealService,
};
