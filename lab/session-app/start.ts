/**
 * A small real web application with sessions in Redis (express 5 + express-session +
 * connect-redis), a per-user session index, and "remember me": a long-lived cookie backed by its
 * own Redis key that silently signs the browser in again when its session is gone (the
 * trusted-browser state that survives a session reset). Uses the Redis at 127.0.0.1:6379 with a
 * key prefix of its own.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import session from 'express-session';
import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';

export interface LabSessionApp {
  url: string;
  redisUrl: string;
  prefix: string;
  cookieSecret: string;
  /** Logs `user` in (optionally with remember-me): the browser's cookies as a Cookie header value, and each cookie. */
  login(user: string, remember?: boolean): Promise<{ cookie: string; sid: string; remember?: string }>;
  /** GET /me with these cookies: the status, and any new session cookie the app set. */
  me(cookie: string): Promise<{ status: number; setCookie: string | null }>;
  close(): Promise<void>;
}

export const rememberKey = (prefix: string, token: string) => `${prefix}remember:${createHash('sha256').update(token).digest('hex')}`;

export async function startLabSessionApp(o: { redisUrl?: string; prefix?: string } = {}): Promise<LabSessionApp> {
  const redisUrl = o.redisUrl ?? 'redis://127.0.0.1:6379';
  const prefix = o.prefix ?? `sever-lab-${randomBytes(4).toString('hex')}:`;
  const cookieSecret = randomBytes(16).toString('hex');
  const client = createClient({ url: redisUrl });
  client.on('error', () => undefined);
  await client.connect();
  const app = express();
  app.use(session({ store: new RedisStore({ client, prefix: `${prefix}sess:` }), secret: cookieSecret, resave: false, saveUninitialized: false, name: 'sid' }));
  const cookies = (h: string | undefined) => Object.fromEntries((h ?? '').split(';').map((c) => c.trim().split('=')).filter((p) => p.length === 2) as [string, string][]);
  // Remember-me: a valid remember cookie signs the browser in again, silently.
  app.use(async (req, res, next) => {
    const s = req.session as unknown as { user?: string };
    const token = cookies(req.headers.cookie).remember;
    if (!s.user && token) {
      const user = await client.get(rememberKey(prefix, decodeURIComponent(token)));
      if (user) {
        s.user = user;
        await new Promise<void>((r, j) => req.session.save((e) => (e ? j(e) : r())));
        await client.sAdd(`${prefix}user_sessions:${user}`, req.sessionID);
      }
    }
    next();
  });
  app.post('/login/:user', async (req, res) => {
    const user = req.params.user;
    (req.session as unknown as { user: string }).user = user;
    await new Promise<void>((r, j) => req.session.save((e) => (e ? j(e) : r())));
    await client.sAdd(`${prefix}user_sessions:${user}`, req.sessionID);
    if (req.query.remember === '1') {
      const token = randomBytes(24).toString('base64url');
      const key = rememberKey(prefix, token);
      await client.set(key, user, { EX: 30 * 86400 });
      await client.sAdd(`${prefix}user_remember:${user}`, key.slice(`${prefix}remember:`.length));
      res.cookie('remember', token, { httpOnly: true, maxAge: 30 * 86400_000 });
    }
    res.json({ ok: true, sid: req.sessionID });
  });
  app.get('/me', (req, res) => {
    const user = (req.session as unknown as { user?: string }).user;
    if (user) res.json({ user });
    else res.sendStatus(401);
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url, redisUrl, prefix, cookieSecret,
    async login(user, remember = false) {
      const res = await fetch(`${url}/login/${encodeURIComponent(user)}${remember ? '?remember=1' : ''}`, { method: 'POST' });
      const body = (await res.json()) as { sid: string };
      const set = res.headers.getSetCookie();
      const pick = (name: string) => set.find((c) => c.startsWith(`${name}=`))?.split(';')[0]?.slice(name.length + 1);
      const sidCookie = pick('sid')!;
      const rem = pick('remember');
      return { cookie: [`sid=${sidCookie}`, ...(rem ? [`remember=${rem}`] : [])].join('; '), sid: body.sid, ...(rem ? { remember: rem } : {}) };
    },
    async me(cookie) {
      const res = await fetch(`${url}/me`, { headers: { cookie } });
      await res.arrayBuffer();
      return { status: res.status, setCookie: res.headers.get('set-cookie') };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      const keys: string[] = [];
      for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) keys.push(...(Array.isArray(batch) ? batch : [batch]));
      if (keys.length) await client.del(keys);
      await client.quit();
    },
  };
}
