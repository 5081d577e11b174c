/**
 * Proof from outside: the attacker's copies of every artifact, replayed against the real provider
 * through its public endpoints only (no admin API, nothing of Sever's).
 */
import type { LabIdp, LabLogin } from '../idp/start.ts';
import type { Minted } from '../idp/mint.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function refresh(lab: LabIdp, clientId: string, rt: string): Promise<{ status: number; error?: string }> {
  const c = lab.clients[clientId]!;
  const res = await fetch(lab.endpoints.token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, c.clientSecret) },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: rt }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  return { status: res.status, ...(body.error ? { error: body.error } : {}) };
}

async function bearer(url: string, token: string): Promise<number> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

async function introspect(lab: LabIdp, token: string): Promise<boolean> {
  const res = await fetch(lab.endpoints.introspection, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(lab.sever.clientId, lab.sever.clientSecret) },
    body: new URLSearchParams({ token }).toString(),
  });
  return ((await res.json()) as { active?: boolean }).active === true;
}

export async function outsideChecks(lab: LabIdp, logins: LabLogin[], minted: Minted, control: LabLogin): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  for (const [i, l] of logins.entries()) {
    const silent = await lab.silentAuth(l.jar, l.clientId);
    add(`browser ${i + 1} (${l.clientId}) silent re-login`, silent.error === 'login_required', silent.error ?? 'got a code: the session is alive');
    const me = await bearer(lab.endpoints.userinfo, l.accessToken);
    add(`browser ${i + 1} access token at userinfo`, me === 401, `HTTP ${me}`);
    if (l.refreshToken) {
      const r = await refresh(lab, l.clientId, l.refreshToken);
      add(`browser ${i + 1} refresh token replay`, r.status === 400 && r.error === 'invalid_grant', `HTTP ${r.status} ${r.error ?? ''}`.trim());
    }
  }
  for (const [gi, g] of minted.grants.entries()) {
    for (const [j, rt] of g.refreshTokens.entries()) {
      const r = await refresh(lab, minted.clientId, rt);
      add(`grant ${gi + 1} offline token ${j + 1} replay`, r.status === 400 && r.error === 'invalid_grant', `HTTP ${r.status} ${r.error ?? ''}`.trim());
    }
    for (const [j, at] of g.accessTokens.entries()) {
      const s = await bearer(lab.endpoints.userinfo, at);
      const active = await introspect(lab, at);
      add(`grant ${gi + 1} access token ${j + 1}`, s === 401 && !active, `userinfo HTTP ${s}, introspection active=${active}`);
    }
    for (const [j, jwt] of g.jwtAccessTokens.entries()) {
      const s = await bearer(lab.endpoints.whoami, jwt);
      add(`grant ${gi + 1} JWT access token ${j + 1} at the resource server`, s === 401, `HTTP ${s} (not revocable: contained by expiry, proved after it)`);
    }
  }
  const cs = await bearer(lab.endpoints.userinfo, control.accessToken);
  const ca = control.refreshToken ? await introspect(lab, control.refreshToken) : false;
  add('control: bob still works', cs === 200 && ca, `userinfo HTTP ${cs}, refresh token active=${ca}`);
  return checks;
}

export interface PeerCheckInput {
  lab: LabIdp;
  agentTokens: string[];
  ssh: import('../ssh/start.ts').LabHost;
  cert: import('../ssh/start.ts').IssuedCert;
  bobCert: import('../ssh/start.ts').IssuedCert;
  shell: import('node:child_process').ChildProcess;
  app: import('../session-app/start.ts').LabSessionApp;
  web: { cookie: string };
  bobWeb: { cookie: string };
  pg: import('../postgres/start.ts').LabPostgres;
  conn: import('pg').Client;
  billing: import('../postgres/workload.ts').Workload;
}

/** The other servers, from outside: the agent's tools, sshd, the web app, the database. */
export async function peerChecks(p: PeerCheckInput): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  for (const [i, t] of p.agentTokens.entries()) {
    for (const tool of ['calendar', 'crm']) {
      const s = await bearer(p.lab.url(`/tools/${tool}`), t);
      add(`agent token ${i + 1} at the ${tool} tool`, s === 401, `HTTP ${s}`);
    }
  }
  add('SSH login with alice\'s certificate', !p.ssh.login(p.cert), p.ssh.login(p.cert) ? 'sshd let it in' : 'refused by sshd (KRL)');
  add('alice\'s SSH shell opened before the revocation', p.shell.exitCode !== null || p.shell.signalCode !== null, p.shell.exitCode !== null || p.shell.signalCode !== null ? 'ended' : 'still open');
  const web = await p.app.me(p.web.cookie);
  add('alice\'s web session and remember-me cookie', web.status === 401, `HTTP ${web.status}`);
  let dbLogin = 'refused';
  try {
    const { default: pgm } = await import('pg');
    const c = new pgm.Client({ connectionString: p.pg.url('svc_billing', 'billing-old-pw') });
    c.on('error', () => undefined);
    await c.connect();
    await c.end();
    dbLogin = 'accepted';
  } catch {
    /* refused */
  }
  add('svc_billing login with the old password', dbLogin === 'refused', dbLogin);
  let alive = true;
  try {
    await p.conn.query('select 1');
  } catch {
    alive = false;
  }
  add('svc_billing\'s live connection', !alive, alive ? 'still answers' : 'terminated');
  const before = p.billing.stats();
  await new Promise((r) => setTimeout(r, 400));
  const after = p.billing.stats();
  const moved = p.billing.role() === 'svc_billing_r1' && after.ok > before.ok;
  add('svc_billing\'s workload, rotated before the old password died', moved,
    `runs as ${p.billing.role() ?? 'nothing'}, ${after.ok - before.ok} inserts in 400 ms; ${after.failed} failed queries and ${after.reconnects} reconnects in all (its first connection was cut with the attacker's)`);
  add('control: bob\'s SSH certificate and web session still work', p.ssh.login(p.bobCert) && (await p.app.me(p.bobWeb.cookie)).status === 200, 'sshd and the app still accept bob');
  return checks;
}
