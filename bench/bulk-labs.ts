/**
 * The three SaaS simulators of the bulk-integration bench (`bench/bulk-integration.ts`), in a process
 * of their own so that their CPU is not Sever's: the Okta, Google Workspace and Entra labs, each
 * enforcing a fixed-window rate limit, seeded with `users` users who each authorized the same
 * compromised integration.
 *   node bench/bulk-labs.ts '{"users":500,"limit":100,"windowMs":1000}'
 * Prints one JSON line (where the labs are, their credentials), then answers JSON-line commands on
 * stdin: `reset` (forget the rate windows), `stats` (each lab's windows, the integration's grants
 * still live in each lab's own state, contract violations), `close`.
 */
import { createInterface } from 'node:readline';
import { startLabEntra } from '../lab/entra/start.ts';
import { startLabGoogle } from '../lab/google/start.ts';
import { startLabOkta } from '../lab/okta/start.ts';

export const OKTA_APP = '0oashadysorter1';
export const GOOGLE_APP = '731845092265-shadysorter.apps.googleusercontent.com';

export interface LabsInfo {
  okta: { baseUrl: string; adminToken: string; appId: string };
  google: { baseUrl: string; adminToken: string; clientId: string };
  entra: { baseUrl: string; authorityUrl: string; caPem: string; tenantId: string; clientId: string; clientSecret: string; servicePrincipalId: string };
  seeded: { okta: { grants: number; refreshTokens: number }; google: { tokens: number }; entra: { grants: number } };
}

export interface LabsStats {
  rate: Record<'okta' | 'google' | 'entra', Array<{ start: number; served: number; refused: number }>>;
  /** What the labs' own state still holds for the integration (not an API answer). */
  live: { okta: { grants: number; refreshTokens: number }; google: { tokens: number }; entra: { grants: number } };
  violations: { okta: number; google: number; entra: number };
}

const o = JSON.parse(process.argv[2] ?? '{}') as { users: number; limit: number; windowMs: number };
const rate = { limit: o.limit, windowMs: o.windowMs };
const [okta, google, entra] = await Promise.all([
  startLabOkta({ perMinute: o.limit, windowMs: o.windowMs, pageSize: 200 }),
  startLabGoogle({ rate }),
  startLabEntra({ rate }),
]);

const scopes = ['openid', 'email', 'mail.read'];
const owner = entra.state.user('shady-sorter-owner@labcorp.onmicrosoft.com');
const sp = entra.state.app(owner.id, 'Shady Sorter', 'servicePrincipal');
for (let i = 0; i < o.users; i++) {
  const ou = okta.state.user(`user${i}@lab.test`);
  okta.state.authorize({ userId: ou.id, clientId: OKTA_APP, scopes, refreshTokens: 1, accessTokens: 0 });
  const gu = google.state.user(`user${i}@lab.test`);
  google.state.grant(gu.id, GOOGLE_APP, 'Shady Sorter', ['https://mail.google.com/', 'https://www.googleapis.com/auth/drive']);
  const eu = entra.state.user(`user${i}@labcorp.onmicrosoft.com`);
  entra.state.grant(eu.id, sp.id as ReturnType<typeof crypto.randomUUID>, 'Mail.ReadWrite Files.ReadWrite.All offline_access');
}

function live(): LabsStats['live'] {
  const oktaGrants = [...okta.state.grants.values()].filter((g) => g.clientId === OKTA_APP && !g.revoked).length;
  const oktaTokens = [...okta.state.tokens.values()].filter((t) => t.clientId === OKTA_APP && t.type === 'refresh_token' && okta.state.liveToken(t)).length;
  const googleTokens = [...google.state.tokens.values()].filter((m) => m.has(GOOGLE_APP)).length;
  const entraGrants = [...entra.state.grants.values()].filter((g) => g.clientId === sp.id && !g.deleted).length;
  return { okta: { grants: oktaGrants, refreshTokens: oktaTokens }, google: { tokens: googleTokens }, entra: { grants: entraGrants } };
}

const info: LabsInfo = {
  okta: { baseUrl: okta.baseUrl, adminToken: okta.adminToken, appId: OKTA_APP },
  google: { baseUrl: google.baseUrl, adminToken: google.adminToken, clientId: GOOGLE_APP },
  entra: {
    baseUrl: entra.baseUrl, authorityUrl: entra.authorityUrl, caPem: entra.caPem, tenantId: entra.tenantId,
    clientId: entra.admin.app.appId, clientSecret: entra.admin.secret.value, servicePrincipalId: sp.id,
  },
  seeded: live(),
};
process.stdout.write(`${JSON.stringify(info)}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  const cmd = line.trim();
  if (cmd === 'reset') {
    for (const l of [okta, google, entra]) l.rate.reset();
    process.stdout.write('{"ok":true}\n');
  } else if (cmd === 'stats') {
    const stats: LabsStats = {
      rate: { okta: okta.rate.stats(), google: google.rate.stats(), entra: entra.rate.stats() }, live: live(),
      violations: { okta: okta.violations().length, google: google.violations().length, entra: entra.violations().length },
    };
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  } else if (cmd === 'close') {
    break;
  }
}
await Promise.all([okta.close(), google.close(), entra.close()]);
process.exit(0);
