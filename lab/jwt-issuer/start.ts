/**
 * A small issuer of self-contained JWT access tokens (jose), with a JWKS, an admin API that lists
 * what it issued and rotates keys, and a resource server that checks tokens against the JWKS the
 * way real ones do (a remote JWKS with a cache). Tokens cannot be revoked one by one: only
 * retiring the signing key ends them, for every subject it signed for.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';

export interface IssuedJwt {
  jti: string;
  sub: string;
  kid: string;
  exp: number;
  value: string;
}

export interface LabJwtIssuer {
  url: string;
  jwksUrl: string;
  resourceServerUrl: string;
  adminToken: string;
  /** Issues a token for `sub` with the current key. */
  issue(sub: string, ttlSeconds?: number): Promise<string>;
  /** GET the resource server with a bearer token: 200 or 401. */
  call(token: string): Promise<number>;
  currentKid(): string;
  close(): Promise<void>;
}

const body = (req: IncomingMessage) => new Promise<string>((r) => {
  let b = '';
  req.on('data', (c) => (b += c));
  req.on('end', () => r(b));
});

export async function startLabJwtIssuer(o: { jwksCacheMaxAgeMs?: number } = {}): Promise<LabJwtIssuer> {
  const adminToken = randomBytes(16).toString('hex');
  const keys: Array<{ kid: string; privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']; jwk: JWK; retired: boolean }> = [];
  const newKey = async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `k-${randomUUID().slice(0, 8)}`;
    keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }, retired: false });
    return kid;
  };
  await newKey();
  const current = () => keys.filter((k) => !k.retired).at(-1)!;
  const issued: IssuedJwt[] = [];
  let base = '';
  const issue = async (sub: string, ttl = 3600) => {
    const k = current();
    const jti = randomUUID();
    const exp = Math.floor(Date.now() / 1000) + ttl;
    const value = await new SignJWT({ scope: 'api' }).setProtectedHeader({ alg: 'ES256', kid: k.kid, typ: 'at+jwt' }).setIssuer(base).setAudience(`${base}/rs`)
      .setSubject(sub).setJti(jti).setIssuedAt().setExpirationTime(exp).sign(k.privateKey);
    issued.push({ jti, sub, kid: k.kid, exp, value });
    return value;
  };
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    const json = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
    if (url.pathname === '/jwks') return json(200, { keys: keys.filter((k) => !k.retired).map((k) => k.jwk) });
    if (url.pathname === '/token' && req.method === 'POST') {
      const { sub } = JSON.parse((await body(req)) || '{}') as { sub?: string };
      return sub ? json(200, { access_token: await issue(sub) }) : json(400, { error: 'sub required' });
    }
    if (url.pathname === '/rs/whoami') {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      try {
        const { payload } = await jwtVerify(token ?? '', jwks!, { issuer: base, audience: `${base}/rs` });
        return json(200, { sub: payload.sub });
      } catch {
        return json(401, { error: 'invalid_token' });
      }
    }
    if (url.pathname.startsWith('/admin/')) {
      if (req.headers.authorization !== `Bearer ${adminToken}`) return json(401, { error: 'unauthorized' });
      if (url.pathname === '/admin/tokens') {
        const now = Math.floor(Date.now() / 1000);
        const sub = url.searchParams.get('sub');
        const kid = url.searchParams.get('kid');
        // The lab lists values so a verifier can replay them; real issuers list ids at most.
        return json(200, issued.filter((t) => t.exp > now && (!sub || t.sub === sub) && (!kid || t.kid === kid)));
      }
      if (url.pathname === '/admin/keys') return json(200, keys.map((k) => ({ kid: k.kid, retired: k.retired })));
      if (url.pathname === '/admin/rotate' && req.method === 'POST') {
        const { retire } = JSON.parse((await body(req)) || '{}') as { retire?: string };
        const k = keys.find((x) => x.kid === retire);
        if (!k) return json(404, { error: 'unknown kid' });
        if (k.retired) return json(409, { error: 'already retired' });
        const kid = await newKey();
        k.retired = true;
        return json(200, { retired: retire, current: kid });
      }
    }
    json(404, { error: 'not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  jwks = createRemoteJWKSet(new URL(`${base}/jwks`), { cacheMaxAge: o.jwksCacheMaxAgeMs ?? 200, cooldownDuration: 0 });
  return {
    url: base, jwksUrl: `${base}/jwks`, resourceServerUrl: `${base}/rs/whoami`, adminToken,
    issue,
    async call(token) {
      const r = await fetch(`${base}/rs/whoami`, { headers: { authorization: `Bearer ${token}` } });
      await r.arrayBuffer();
      return r.status;
    },
    currentKid: () => current().kid,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
