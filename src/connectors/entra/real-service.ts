/**
 * How to point the entra connector at a real Microsoft Entra tenant (rendered on
 * docs/connectors/entra.md): an app registration with Microsoft Graph application permissions,
 * the ones the manifest names per artifact kind.
 */
import type { RealService } from '../contract.ts';

export const entraRealService: RealService = {
  baseUrls: [
    '`graphUrl`: `https://graph.microsoft.com` (the default; Sever calls `/v1.0`). Its `/.default` scope is the one Sever asks a token for.',
    '`loginUrl`: `https://login.microsoftonline.com` (the default): `@azure/identity` gets Sever\'s token there, and the replays use `{loginUrl}/{tenantId}/oauth2/v2.0/token`.',
    'National clouds have their own Graph and login hosts (e.g. `https://graph.microsoft.us` with `https://login.microsoftonline.us` for US Government): set both settings; only the global service is described here.',
  ],
  credential: [
    'Microsoft Entra admin center > App registrations > New registration: a single-tenant app named e.g. "Sever", no redirect URI. Its Application (client) ID goes to `clientId`, the Directory (tenant) ID to `tenantId`.',
    'API permissions > Add a permission > Microsoft Graph > **Application permissions**: exactly those in the table below; then "Grant admin consent" for the tenant (an administrator allowed to consent to Graph application permissions must do it).',
    'Directory roles for the app\'s service principal where Graph needs one beside the permission: **Cloud Device Administrator** (disabling devices); **Privileged Authentication Administrator** only if Sever must delete the methods of admins.',
    'Certificates & secrets > New client secret; put the value in an environment variable or a file named by `clientSecretRef`. Secrets expire (the admin center offers 24 months at most): rotate before. Instead of a secret, `accessTokenRef` can name a file holding a Graph token minted elsewhere (a certificate or managed identity), refreshed by whatever mints it: Sever re-reads it on every call.',
    'Optional, for refresh replay of a confidential client\'s refresh token: that client\'s secret by reference in `clientSecrets`, keyed by its app id (public clients need none).',
  ],
  leastPrivilege: [
    { permission: 'User.Read.All', usedFor: 'resolve the user by id or UPN and read `signInSessionsValidFromDateTime` (the baseline and the self-report check); User.ReadBasic.All does not return it' },
    { permission: 'User.RevokeSessions.All', usedFor: '`POST /users/{id}/revokeSignInSessions`' },
    { permission: 'Device.ReadWrite.All', usedFor: 'list the user\'s registered devices, read one back, and `PATCH /devices/{id}` `accountEnabled: false` (with the Cloud Device Administrator role)' },
    { permission: 'Device.Read.All', usedFor: 'discovery and read-back of devices only: enough for an instance that must not disable devices (Device.ReadWrite.All includes it)' },
    { permission: 'UserAuthenticationMethod.ReadWrite.All', usedFor: 'list the user\'s authentication methods and delete FIDO2, Microsoft Authenticator and phone methods' },
    { permission: 'DelegatedPermissionGrant.ReadWrite.All', usedFor: 'list the user\'s delegated permission grants (and, for an integration subject, its service principal\'s grants for every user) and delete them' },
    { permission: 'Directory.Read.All', usedFor: '`GET /users/{id}/ownedObjects`: the applications and service principals the user owns' },
    { permission: 'Application.Read.All', usedFor: 'read the owned apps\' `passwordCredentials` and `keyCredentials` (discover and re-list)' },
    { permission: 'Application.ReadWrite.All', usedFor: '`removePassword` on the applications and service principals the subject owns' },
    { permission: 'Application.ReadWrite.OwnedBy', usedFor: 'narrower alternative to Application.ReadWrite.All, but only for apps whose owners include Sever\'s own app, which an attacker\'s app is not' },
  ],
  example: `connectors:
  entra:corp:
    settings:
      tenantId: 00000000-0000-0000-0000-000000000000
      clientId: 11111111-1111-1111-1111-111111111111   # Sever's app registration
      clientSecretRef: file:/run/secrets/entra-sever-secret
      clientSecrets:                                    # optional: confidential clients' secrets, for refresh replay
        22222222-2222-2222-2222-222222222222: env:CRM_CLIENT_SECRET
      # graphUrl and loginUrl default to the global service`,
  notes: [
    'Application permissions need admin consent and apply to the whole tenant: there is no way to scope them to some users, so treat the client secret as a tenant-admin credential (keep it in a file readable by Sever only).',
    'Microsoft\'s own pages disagree on the application permission for `GET /users/{id}/ownedObjects` (one revision says application permissions are not supported, another names User.Read.All); the manifest asks for Directory.Read.All, which is not verified against a real tenant.',
    'Whether app-only calls need the Privileged Authentication Administrator role to delete an admin\'s methods is the manifest\'s statement, not verified here.',
    'A B2B guest is revoked only in its home tenant: the connector cannot reach it from the resource tenant.',
    'Tested only against the lab simulator (Graph responses typed with `@microsoft/microsoft-graph-types`, requests checked by hand); `@azure/identity` insists on an https authority, which the real one is.',
  ],
};
