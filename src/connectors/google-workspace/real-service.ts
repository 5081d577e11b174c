/**
 * How to point the google-workspace connector at a real Google Workspace customer (rendered on
 * docs/connectors/google-workspace.md): a service account with domain-wide delegation for three
 * Directory API scopes (those of each method in Google's discovery document), impersonating a
 * dedicated admin.
 */
import type { RealService } from '../contract.ts';

const SCOPE = (s: string) => `https://www.googleapis.com/auth/${s}`;

export const googleRealService: RealService = {
  baseUrls: [
    '`rootUrl`: `https://admin.googleapis.com/` (the default); the Directory API is under `admin/directory/v1/`.',
    'Access tokens come from Google\'s OAuth token endpoint, `https://oauth2.googleapis.com/token`, outside Sever (see the credential steps).',
  ],
  credential: [
    'In a Google Cloud project: enable the Admin SDK API, and create a service account for Sever. It needs no IAM role on the project for Directory API calls.',
    'Admin console (as a super administrator) > Security > Access and data control > API controls > Manage Domain Wide Delegation > Add new: the service account\'s client ID with exactly the three scopes of the table below, comma-separated.',
    'Create a dedicated admin user for Sever to impersonate (never a person who may become a subject) and give it an admin role whose privileges cover the calls below: reading users, managing their security settings (sign-out, OAuth tokens, app-specific passwords, backup codes) and managing mobile devices. The calls act with that admin\'s privileges *and* the delegated scopes.',
    'Run a token refresher beside Sever: at least every 50 minutes it mints an access token for the service account with `sub` = that admin and the three scopes (the OAuth 2.0 JWT bearer grant, RFC 7523, signed with the service account\'s key or through the IAM Credentials `signJwt` call) and writes it to the file `accessTokenRef` names. Sever re-reads the file on every call and never sees the key.',
  ],
  leastPrivilege: [
    { permission: SCOPE('admin.directory.user.security'), usedFor: '`users.signOut`; `tokens.list`, `.get`, `.delete`; `asps.list`, `.delete`; `verificationCodes.list`, `.invalidate`' },
    { permission: SCOPE('admin.directory.user.readonly'), usedFor: '`users.get` (resolve the subject; deleted or suspended) and `users.list` (an integration subject\'s tokens across every user)' },
    { permission: SCOPE('admin.directory.device.mobile.action'), usedFor: '`mobiledevices.list`, `.get` and `.action` (`admin_account_wipe` or `block`, per `deviceAction`)' },
    { permission: 'domain-wide delegation', usedFor: 'lets the service account act as the dedicated admin, limited to the three scopes above' },
    { permission: 'User Management', usedFor: 'the impersonated admin\'s privileges: Directory API calls are refused when the admin lacks them, whatever the scopes say' },
  ],
  example: `connectors:
  google-workspace:corp:
    settings:
      accessTokenRef: file:/run/secrets/google-sever-token   # refreshed by the token refresher, re-read on every call
      customerId: my_customer                                # the impersonated admin's own customer
      deviceAction: block                                    # or admin_account_wipe (the default)
      # rootUrl defaults to https://admin.googleapis.com/`,
  notes: [
    'Sever does not run the service-account (JWT bearer) flow itself yet: whatever writes the token file is part of the deployment, and a stale file fails every call with the provider\'s 401.',
    'Domain-wide delegation lets the service account impersonate any user for the delegated scopes: keep its key (if any) out of Sever\'s reach, delegate nothing beyond the three scopes, and prefer keyless signing.',
    'The exact names of the admin privileges in the Admin console (for the custom role of the impersonated admin) are not verified here; a super administrator works but is far more than Sever needs.',
    'The Directory API allows 2,400 queries a minute per user per project; the manifest\'s budget takes a quarter of it.',
    'Sign-in sessions have no read in any Google API, so their proof stays unavailable whatever the credential; tested only against the lab simulator, which validates requests and responses against Google\'s discovery document.',
  ],
};
