/**
 * How to point the okta connector at a real Okta org (rendered on docs/connectors/okta.md). The
 * scopes are those of Okta's own Management API description (`security` of each operation the
 * client calls); the connector authenticates with an SSWS token, which carries no scopes and acts
 * with its creator's admin role instead.
 */
import type { RealService } from '../contract.ts';

export const oktaRealService: RealService = {
  baseUrls: [
    '`orgUrl`: `https://{yourOktaDomain}`, e.g. `https://corp.okta.com` (also `*.oktapreview.com`, or the org\'s custom domain), with no path. The Management API is under `{orgUrl}/api/v1`; introspection and refresh replay go to the issuing authorization server, `{orgUrl}/oauth2/{authServerId}/v1/{introspect,token}`, read from each token\'s issuer.',
  ],
  credential: [
    'Create a dedicated Okta user for Sever: a service account nobody signs in with day to day, never a person who may become a subject (revoking a subject\'s API tokens revokes the tokens that subject created).',
    'Give that user an admin role: **Org Administrator** covers every call below except listing and revoking *other admins\'* API tokens, which needs **Super Administrator**. A custom admin role must include at least "Manage users" (Okta requires it to create an API token) and permissions covering the calls below.',
    'Signed in as that user: Security > API > Tokens > Create token, and restrict "API calls made with this token must originate from" to the network zone of Sever\'s hosts. Okta revokes a token unused for 30 days.',
    'Put the token in an environment variable or a file and name it in `apiTokenRef`. It is resolved once per connector instance and never logged.',
    'Optional, for the stronger proofs of refresh tokens (introspection and refresh replay as the owning client): each confidential client\'s secret by reference in `clientSecrets`, keyed by client id.',
  ],
  leastPrivilege: [
    { permission: 'Org Administrator', usedFor: 'the admin role of the user who creates the SSWS token: the token can do what the role can, nothing less and nothing more (users, sessions, grants, tokens, factors, System Log)' },
    { permission: 'Super Administrator', usedFor: 'only if Sever must list and revoke API tokens that other admins created (api-key artifacts of an admin subject)' },
    { permission: 'okta.users.read', usedFor: 'find the user by login or id; list its grants, OAuth clients, refresh tokens and factors (discover and re-list)' },
    { permission: 'okta.users.manage', usedFor: 'end the user\'s sessions with `oauthTokens=true&forgetDevices=true`; delete grants, refresh tokens and factors' },
    { permission: 'okta.logs.read', usedFor: 'search the System Log for `user.session.start` events of the user (sessions have no list per user)' },
    { permission: 'okta.sessions.read', usedFor: 'read each session found in the log, to keep the live ones' },
    { permission: 'okta.apiTokens.read', usedFor: 'list SSWS API tokens and keep the subject\'s (values are never returned)' },
    { permission: 'okta.apiTokens.manage', usedFor: 'revoke the subject\'s SSWS API tokens' },
    { permission: 'okta.apps.read', usedFor: 'integration subjects (an app): `GET /api/v1/apps/{appId}/tokens`, its refresh tokens for every user' },
    { permission: 'okta.appGrants.read', usedFor: 'integration subjects: `GET /api/v1/apps/{appId}/grants`, its consent grants for every user (an SSWS token is unscoped: this matters once OAuth for Okta is wired)' },
    { permission: 'the owning client\'s credentials', usedFor: 'introspect a held refresh token and replay it at the token endpoint as the client it was issued to (Okta does both only for that client)' },
  ],
  example: `connectors:
  okta:corp:
    settings:
      orgUrl: https://corp.okta.com
      apiTokenRef: file:/run/secrets/okta-sever-ssws   # SSWS token of the dedicated admin user
      clientSecrets:                                   # optional: owning clients' secrets
        0oa1crmapp: env:OKTA_CRM_CLIENT_SECRET
      sessionLookbackHours: 720                        # System Log window searched for session starts
    rate: { limit: 300, windowMs: 60000 }              # may lower the manifest's budget, never raise it`,
  notes: [
    'The scopes above are the ones Okta\'s description gives each call. An SSWS token is not scoped: today the connector authenticates only with an SSWS token (`apiTokenRef`), so what limits it is the admin role of the token\'s creator. OAuth for Okta (an API Services app with `private_key_jwt`, the scopes above granted to it and an admin role assigned to the app) would be narrower and would not depend on a person\'s account, but it is not wired in this connector yet.',
    'If the subject is an admin who created Sever\'s own SSWS token, revoking the subject\'s API tokens cuts Sever off: create the token as the dedicated user above.',
    'The rate budget (300 calls a minute, 25 at a time) stays well under Okta\'s per-org limits for `/api/v1/users` (600 writes, 1,200 reads a minute on Workforce plans) and the 75 concurrent transactions of an org; other integrations share those limits.',
    'Tested only against the lab simulator, which validates every request and response against Okta\'s Management API description; admin-role behaviour (what an Org Administrator\'s token may list) is Okta\'s and is not exercised.',
  ],
};
