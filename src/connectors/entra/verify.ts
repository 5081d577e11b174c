/**
 * Observes an artifact through paths other than the call that revoked it:
 *   idp-session          `signInSessionsValidFromDateTime` read back (self-report: Entra's own
 *                        record that a revocation happened, later than the discovery baseline);
 *                        then, with a refresh token of the user held (and its client), a refresh
 *                        replay at the token endpoint (replay: `invalid_grant` = dead). The replay
 *                        runs once the record has moved, so a live token is not used needlessly;
 *                        while the revocation is still propagating, the replay finds the token
 *                        working and the artifact is live whatever the record says.
 *   device-registration  GET /devices/{id}: accountEnabled false (or gone)
 *   mfa-factor           re-list of the user's authentication methods
 *   oauth-grant          re-list of the user's delegated grants
 *   api-key              client-credentials request with the secret (replay: `invalid_client` =
 *                        dead), and the app's passwordCredentials re-listed
 * Paths that cannot run are named in `unavailable` with what they need. Never changes anything.
 */
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import { verdictOf } from '../shared/oauth/token-checks.ts';
import type { EntraClient, ReplayAnswer } from './client.ts';
import { CLIENT_CREDENTIALS_REPLAY, DEVICE_READBACK, REFRESH_REPLAY, RELIST_APP_CREDENTIALS, RELIST_GRANTS, RELIST_METHODS, VALID_FROM } from './manifest.ts';
import { collectionOf, movedPast, need, str } from './revoke.ts';

export interface VerifyDeps {
  name: string;
  entra: EntraClient;
  /** The secret of a confidential client, by app id, when one is configured. */
  clientSecret(clientId: string): Promise<string | undefined>;
}

type Unavailable = Array<{ path: string; why: string }>;
interface Found { checks: VerifyCheck[]; unavailable: Unavailable }

const gone = (path: string, listed: boolean, observed: Record<string, unknown>): VerifyCheck => ({ path, result: listed ? 'live' : 'dead', observed: { listed, ...observed } });
const replayCheck = (path: string, r: ReplayAnswer): VerifyCheck => ({ path, result: r.status === 200 ? 'live' : 'dead', observed: { status: r.status, ...(r.error ? { error: r.error } : {}), ...(r.errorCodes ? { errorCodes: r.errorCodes } : {}) } });

const AMEND_TOKEN = "Graph lists no refresh tokens: give one of the user's refresh tokens to the artifact with `incident amend <incident> --artifact <artifactId> --value-file <file> --attribute clientId=<the app id it was issued to>`";

async function verifySessions(d: VerifyDeps, a: ArtifactHandle): Promise<Found> {
  const userId = need(d.name, a, 'userId');
  const baseline = str(a.attributes.validFromAtDiscovery);
  const unavailable: Unavailable = [];
  const checks: VerifyCheck[] = [];
  const u = await d.entra.user(userId);
  const current = u?.signInSessionsValidFromDateTime ?? null;
  if (!u) checks.push({ path: VALID_FROM, result: 'dead', observed: { userFound: false } });
  else if (baseline) checks.push({ path: VALID_FROM, result: movedPast(current, baseline) ? 'dead' : 'live', observed: { signInSessionsValidFromDateTime: current, baseline } });
  else unavailable.push({ path: VALID_FROM, why: 'no signInSessionsValidFromDateTime baseline is known for this artifact: add `--attribute validFromAtDiscovery=<ISO time before the revoke>`' });
  const selfReportLive = checks.some((c) => c.result === 'live');
  const clientId = str(a.attributes.clientId);
  if (!a.secret || !clientId) unavailable.push({ path: REFRESH_REPLAY, why: a.secret ? 'the client the refresh token was issued to is unknown: add `--attribute clientId=<app id>`' : AMEND_TOKEN });
  else if (!selfReportLive) checks.push(replayCheck(REFRESH_REPLAY, await d.entra.refreshReplay(a.secret, clientId, await d.clientSecret(clientId))));
  return { checks, unavailable };
}

async function verifyApiKey(d: VerifyDeps, a: ArtifactHandle): Promise<Found> {
  const collection = collectionOf(d.name, a);
  const objectId = need(d.name, a, 'objectId');
  const keyId = need(d.name, a, 'keyId');
  const app = await d.entra.appCredentials(collection, objectId);
  const listed = (app?.passwordCredentials ?? []).some((p) => p.keyId === keyId);
  const checks: VerifyCheck[] = [];
  const unavailable: Unavailable = [];
  const appId = str(a.attributes.appId) ?? app?.appId ?? undefined;
  if (!a.secret) unavailable.push({ path: CLIENT_CREDENTIALS_REPLAY, why: 'Graph never returns a secret value: give the leaked secret with `incident amend <incident> --artifact <artifactId> --value-file <file>`' });
  else if (!appId) unavailable.push({ path: CLIENT_CREDENTIALS_REPLAY, why: 'the app id is unknown: add `--attribute appId=<application (client) id>`' });
  else checks.push(replayCheck(CLIENT_CREDENTIALS_REPLAY, await d.entra.clientCredentialsReplay(appId, a.secret)));
  checks.push(gone(RELIST_APP_CREDENTIALS, listed, { appFound: app !== undefined, secrets: (app?.passwordCredentials ?? []).length }));
  return { checks, unavailable };
}

export async function verifyEntra(d: VerifyDeps, a: ArtifactHandle): Promise<VerifyObservation> {
  let r: Found;
  switch (a.kind) {
    case 'idp-session':
      r = await verifySessions(d, a);
      break;
    case 'device-registration': {
      const dev = await d.entra.device(need(d.name, a, 'deviceObjectId'));
      r = { checks: [{ path: DEVICE_READBACK, result: dev && dev.accountEnabled !== false ? 'live' : 'dead', observed: { found: dev !== undefined, accountEnabled: dev?.accountEnabled ?? null } }], unavailable: [] };
      break;
    }
    case 'mfa-factor': {
      const methodId = need(d.name, a, 'methodId');
      const methods = (await d.entra.authenticationMethods(need(d.name, a, 'userId'))) ?? [];
      r = { checks: [gone(RELIST_METHODS, methods.some((m) => m.id === methodId), { methods: methods.length })], unavailable: [] };
      break;
    }
    case 'oauth-grant': {
      const grantId = need(d.name, a, 'grantId');
      // Re-listed on the user it was granted by (a page or two); only an admin-consent grant of an
      // integration (AllPrincipals: no user) is re-listed on the client's service principal, whose
      // list spans every user's grants: re-listing it per artifact would cost pages × artifacts calls.
      const sp = str(a.attributes.servicePrincipalId);
      const user = str(a.attributes.userId);
      const grants = (user ? await d.entra.grants(user) : sp ? await d.entra.clientGrants(sp) : await d.entra.grants(need(d.name, a, 'userId'))) ?? [];
      r = { checks: [gone(RELIST_GRANTS, grants.some((g) => g.id === grantId), { grants: grants.length })], unavailable: [] };
      break;
    }
    case 'api-key':
      r = await verifyApiKey(d, a);
      break;
    default:
      throw new SeverError('ERR_INPUT_INVALID', `${d.name}: the entra connector does not handle ${a.kind}`, { details: { connector: d.name, kind: a.kind } });
  }
  if (r.checks.length === 0) {
    throw new SeverError('ERR_INPUT_INVALID', `${d.name}: no verification path can run for ${a.kind} ${a.externalId}: ${r.unavailable.map((u) => u.why).join('; ')}`, { details: { connector: d.name, externalId: a.externalId } });
  }
  return { verdict: verdictOf(r.checks), checks: r.checks, ...(r.unavailable.length ? { unavailable: r.unavailable } : {}) };
}
