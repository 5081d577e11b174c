/**
 * carol's Slack plane in the drill, on the Slack lab (`lab/slack`: an Enterprise Grid org whose
 * answers are typed with `@slack/web-api`'s own response types and whose arguments are checked per
 * method):
 *   the attacker copied her browser session out of her laptop (the xoxc session token with its `d`
 *   cookie: Slack accepts neither alone). bob, the control, has a browser session and a user token
 *   (xoxp) of an app he installed.
 * Outside checks: `auth.test` through `@slack/web-api` made with each copy (the xoxc token always
 * together with its cookie, so a refusal means the session is dead, not that the cookie was missing).
 *
 * Not in the drill: a leaked user token (xoxp) of carol's. The slack connector's auth.revoke records
 * `request.token` in its revoke outcome, which the ledger refuses as a possible secret, so the
 * revoke step fails outside the contract (with every Slack step batched with it) until retries are
 * exhausted. It comes back once the connector records the request without a member named `token`.
 */
import { WebClient } from '@slack/web-api';
import { startLabSlack, type LabSlack } from '../slack/start.ts';
import type { Check } from './outside-checks.ts';

export interface SlackCompromise {
  userId: string;
  session: { id: number; teamId: string; token: string; cookie: string };
  bob: { token: string; cookie: string; userToken: string };
}

export const startSlack = (): Promise<LabSlack> => startLabSlack();

export function slackConnector(l: LabSlack, secret: (name: string, value: string) => string): Record<string, unknown> {
  return {
    'slack:lab': {
      settings: { slackApiUrl: l.apiUrl, tokenRef: secret('slack-admin-token', l.adminToken), timeoutMs: 5_000 },
      verify: { pollIntervalMs: 250, deadlineMs: 10_000 },
    },
  };
}

export function seedSlack(l: LabSlack, carolEmail: string): SlackCompromise {
  const s = l.state;
  const carol = s.user(carolEmail);
  const stolen = s.signIn(carol.id, { platform: 'web', ip: '198.51.100.23' });
  const bob = s.user('bob@lab.test');
  const bobSession = s.signIn(bob.id, { platform: 'web', ip: '192.0.2.10' });
  const bobToken = s.appToken(bob.id, 'user', ['channels:history']);
  return {
    userId: carol.id, session: { id: stolen.id, teamId: stolen.teamId, token: stolen.token, cookie: stolen.cookie },
    bob: { token: bobSession.token, cookie: bobSession.cookie, userToken: bobToken.value },
  };
}

const QUIET = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, setLevel: () => undefined, getLevel: () => 'error', setName: () => undefined } as never;

/** auth.test made with a token (and a browser token's `d` cookie): `ok`, or Slack's error. */
async function authTest(l: LabSlack, token: string, cookie?: string): Promise<string> {
  const client = new WebClient(token, {
    slackApiUrl: l.apiUrl, logger: QUIET, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true,
    ...(cookie ? { headers: { cookie: `d=${cookie}` } } : {}),
  });
  try {
    const r = await client.auth.test();
    return `ok as ${r.user_id}`;
  } catch (e) {
    return (e as { data?: { error?: string } }).data?.error ?? (e as Error).message;
  }
}

export async function slackChecks(l: LabSlack, x: SlackCompromise): Promise<Check[]> {
  const session = await authTest(l, x.session.token, x.session.cookie);
  const bobSession = await authTest(l, x.bob.token, x.bob.cookie);
  const bobUser = await authTest(l, x.bob.userToken);
  return [
    { name: "carol's stolen Slack browser session (xoxc with its d cookie, auth.test)", ok: session === 'invalid_auth', detail: session },
    { name: "control: bob's Slack browser session and user token still work", ok: bobSession.startsWith('ok') && bobUser.startsWith('ok'), detail: `auth.test: session ${bobSession}, user token ${bobUser}` },
  ];
}

export const slackViolations = (l: LabSlack): string[] => l.violations().map((v) => `slack: ${v.method}: ${v.errors.join('; ')}`);
