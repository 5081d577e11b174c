/**
 * A provider whose state outlives the process that calls it: a tiny HTTP server (run by the test
 * process) holding artifacts and counting every call, and the connector a Sever process uses to
 * reach it. The crash campaign kills Sever processes while the provider keeps count.
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connector } from '../../src/connectors/contract.ts';
import { SeverError } from '../../src/core/errors.ts';
import { memoryManifest } from '../../lab/memory/provider.ts';

export interface HttpProvider {
  url: string;
  /** Revoke calls per externalId, and those that changed state (the revocation applied). */
  revokeCalls: Map<string, number>;
  applied: Map<string, number>;
  calls: { revoke: number; verify: number; discover: number };
  /** Resolves with the time (Date.now) of the next call that arrives from now on. */
  nextCall(): Promise<number>;
  works(externalId: string): boolean;
  close(): Promise<void>;
}

export async function startHttpProvider(o: { subject: string; count: number; latencyMs: number }): Promise<HttpProvider> {
  const alive = new Map<string, boolean>();
  for (let i = 0; i < o.count; i++) alive.set(`rt-${i}`, true);
  const revokeCalls = new Map<string, number>();
  const applied = new Map<string, number>();
  const calls = { revoke: 0, verify: 0, discover: 0 };
  let waiters: Array<(t: number) => void> = [];
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const id = u.searchParams.get('id') ?? '';
    const at = Date.now();
    for (const w of waiters) w(at);
    waiters = [];
    if (u.pathname === '/list') {
      calls.discover++;
      return json(res, 200, u.searchParams.get('subject') === o.subject ? [...alive].filter(([, v]) => v).map(([k]) => k) : []);
    }
    // The state changes when the call arrives; the answer comes after the latency, so a kill in
    // between leaves a revocation applied whose acknowledgement the caller never recorded.
    let answer: unknown;
    if (u.pathname === '/revoke' && req.method === 'POST') {
      calls.revoke++;
      revokeCalls.set(id, (revokeCalls.get(id) ?? 0) + 1);
      if (!alive.has(id)) return json(res, 404, { error: 'unknown' });
      const was = alive.get(id)!;
      alive.set(id, false);
      if (was) applied.set(id, (applied.get(id) ?? 0) + 1);
      answer = { revoked: was };
    } else if (u.pathname === '/lookup') {
      calls.verify++;
      answer = { live: alive.get(id) === true };
    } else {
      return json(res, 404, { error: 'no such path' });
    }
    await new Promise((r) => setTimeout(r, o.latencyMs));
    json(res, 200, answer);
  };
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    revokeCalls, applied, calls,
    nextCall: () => new Promise((r) => waiters.push(r)),
    works: (id) => alive.get(id) === true,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The connector for it, with the in-memory provider's manifest and one call at a time (see the campaign's bound). */
export function createHttpConnector(name: string, url: string): Connector {
  // node:http with a keep-alive agent: cheaper to load and to open than fetch on each restart.
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const call = (path: string, method = 'GET'): Promise<{ status: number; body: any }> =>
    new Promise((resolve, reject) => {
      const req = request(`${url}${path}`, { method, agent }, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () => {
          if ((res.statusCode ?? 500) >= 500) return reject(new SeverError('ERR_PROVIDER_UNAVAILABLE', `http provider: ${res.statusCode}`, { retryable: true }));
          try {
            resolve({ status: res.statusCode!, body: JSON.parse(data) });
          } catch (e) {
            reject(new SeverError('ERR_PROVIDER_RESPONSE', `http provider: ${(e as Error).message}`));
          }
        });
        res.on('error', (e) => reject(new SeverError('ERR_PROVIDER_UNAVAILABLE', `http provider: ${e.message}`, { retryable: true })));
      });
      req.on('error', (e) => reject(new SeverError('ERR_PROVIDER_UNAVAILABLE', `http provider: ${e.message}`, { retryable: true })));
      req.end();
    });
  return {
    name,
    manifest: memoryManifest({ limits: { concurrency: 1 } }),
    async discover(subject) {
      const r = await call(`/list?subject=${encodeURIComponent(subject.id)}`);
      return (r.body as string[]).map((externalId) => ({ kind: 'refresh-token' as const, externalId, label: `refresh-token ${externalId}`, revocable: true, attributes: { provider: 'http' } }));
    },
    async revoke(h) {
      const r = await call(`/revoke?id=${encodeURIComponent(h.externalId)}`, 'POST');
      const status = r.status === 404 || !r.body.revoked ? 'already_revoked' : 'revoked';
      return { status, method: 'memory:delete', request: { externalId: h.externalId }, response: { status: r.status } };
    },
    async verify(h) {
      const r = await call(`/lookup?id=${encodeURIComponent(h.externalId)}`);
      const result = r.body.live ? 'live' : 'dead';
      return { verdict: result, checks: [{ path: 'memory:lookup', result, observed: { live: r.body.live } }] };
    },
  };
}
