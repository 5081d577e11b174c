/**
 * carol's Google Workspace plane in the drill, on the Google lab (`lab/google`, every request and
 * response validated against Google's own Directory API discovery document):
 *   the attacker signed in as her (a web session: a sign-in cookie), holds the OAuth token she
 *   granted a third-party client (MailSync Pro, Gmail and Drive scopes) and an app-specific password
 *   made after the compromise began. bob, the control, uses the same third-party client and has his
 *   own app-specific password: both must survive carol's containment.
 *
 * The lab has no OAuth token or userinfo endpoint and no IMAP front: a token or an app password
 * exists there only as the Directory API's record of it, so the attacker's copies cannot be
 * presented anywhere. The checks here therefore read, through `@googleapis/admin`, the very token
 * (user, client) and password (codeId) the attacker holds: an admin re-list, which is also the
 * strongest proof the connector has for them. Sign-in sessions have no read in any Google API.
 */
import adminPkg, { type admin_directory_v1 } from '@googleapis/admin';
import { startLabGoogle, type LabGoogle } from '../google/start.ts';
import type { Check } from './outside-checks.ts';

/** The third-party OAuth client carol (and bob) granted, whose token for carol the attacker holds. */
export const GOOGLE_THIRD_PARTY = {
  clientId: '731845092265-mailsyncpro.apps.googleusercontent.com',
  displayText: 'MailSync Pro',
  scopes: ['https://mail.google.com/', 'https://www.googleapis.com/auth/drive'],
};

export interface GoogleCompromise {
  userId: string;
  email: string;
  /** The attacker's sign-in cookie (the lab's stand-in: Google lists no sessions). */
  attackerCookie: string;
  token: { clientId: string; displayText: string };
  asp: { codeId: number; name: string };
  bob: { email: string; aspCodeId: number };
}

export const startGoogle = (): Promise<LabGoogle> => startLabGoogle();

/** sever.yaml for the lab: the admin token (least-privilege scopes) in a credential file. */
export function googleConnector(g: LabGoogle, secret: (name: string, value: string) => string): Record<string, unknown> {
  return {
    'google-workspace:lab': {
      settings: { rootUrl: g.baseUrl, accessTokenRef: secret('google-admin-token', g.adminToken), timeoutMs: 5_000 },
      verify: { pollIntervalMs: 250, deadlineMs: 3_000 },
    },
  };
}

export function seedGoogle(g: LabGoogle, carolEmail: string): GoogleCompromise {
  const s = g.state;
  const carol = s.user(carolEmail);
  const session = s.signIn(carol.id);
  const t = GOOGLE_THIRD_PARTY;
  s.grant(carol.id, t.clientId, t.displayText, t.scopes);
  const asp = s.asp(carol.id, 'Thunderbird (attacker)');
  const bob = s.user('bob@lab.test');
  s.signIn(bob.id);
  s.grant(bob.id, t.clientId, t.displayText, t.scopes);
  const bobAsp = s.asp(bob.id, 'bob mail client');
  return {
    userId: carol.id, email: carol.primaryEmail, attackerCookie: session.cookie,
    token: { clientId: t.clientId, displayText: t.displayText }, asp: { codeId: asp.codeId, name: asp.name },
    bob: { email: bob.primaryEmail, aspCodeId: bobAsp.codeId },
  };
}

const directory = (g: LabGoogle) =>
  adminPkg.admin({ version: 'directory_v1', rootUrl: g.baseUrl, retry: false, headers: { authorization: `Bearer ${g.adminToken}` } } as admin_directory_v1.Options);

/** The HTTP status Google answers for one Directory API read. */
async function status(read: () => Promise<{ status: number }>): Promise<number> {
  try {
    return (await read()).status;
  } catch (e) {
    const x = e as { status?: unknown; response?: { status?: number } };
    return x.response?.status ?? (typeof x.status === 'number' ? x.status : -1);
  }
}

export async function googleChecks(g: LabGoogle, x: GoogleCompromise): Promise<Check[]> {
  const api = directory(g);
  const token = await status(() => api.tokens.get({ userKey: x.email, clientId: x.token.clientId }));
  const asp = await status(() => api.asps.get({ userKey: x.email, codeId: x.asp.codeId }));
  const bobToken = await status(() => api.tokens.get({ userKey: x.bob.email, clientId: x.token.clientId }));
  const bobAsp = await status(() => api.asps.get({ userKey: x.bob.email, codeId: x.bob.aspCodeId }));
  const why = 'the lab has no token endpoint to present it at: an admin re-list of the held copy';
  return [
    { name: `carol's Google OAuth token for the third-party client ${x.token.displayText}`, ok: token === 404, detail: `Directory API tokens.get(${x.token.clientId}) HTTP ${token} (${why})` },
    { name: "the attacker's Google app-specific password", ok: asp === 404, detail: `Directory API asps.get(${x.asp.codeId}) HTTP ${asp} (the lab has no IMAP to log in to: an admin re-list)` },
    {
      name: `control: bob's Google token for ${x.token.displayText} and his app password kept`, ok: bobToken === 200 && bobAsp === 200,
      detail: `tokens.get HTTP ${bobToken}, asps.get HTTP ${bobAsp}: carol's token was revoked for her alone, not for the client`,
    },
  ];
}

/** Not a check: the lab's own record of the attacker's cookie, which no Google API can show. */
export function googleSessionFact(g: LabGoogle, x: GoogleCompromise): { name: string; stillWorks: boolean; detail: string } {
  const works = g.state.sessionWorks(x.attackerCookie);
  return {
    name: "carol's Google sign-in sessions (users.signOut)",
    stillWorks: works,
    detail: `no Google API lists sessions or accepts a held cookie, so Sever cannot prove them dead (unproven, never dead on signOut's word); the simulator's own record, which is not an API, says the attacker's cookie is ${works ? 'still valid' : 'ended'} (Google documents up to an hour for Gmail sessions)`,
  };
}

export const googleViolations = (g: LabGoogle): string[] => g.violations().map((v) => `google: ${v.side} ${v.at}: ${v.errors.join('; ')}`);
