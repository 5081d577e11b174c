/**
 * A `fetch` for connectors on node:http(s) with keep-alive agents. It does what the connectors
 * use of fetch (method, headers, string/URLSearchParams/bytes body, AbortSignal, no redirects
 * followed) at about a third of the global fetch's CPU per call, which matters when thousands of
 * artifacts are revoked and verified. Failures look like fetch's: a TypeError('fetch failed') whose
 * cause carries the system error code, or the signal's reason (TimeoutError) when aborted.
 */
import http from 'node:http';
import https from 'node:https';

export function createKeepAliveFetch(maxSockets = 128): typeof globalThis.fetch {
  const agents: Record<string, http.Agent> = {
    'http:': new http.Agent({ keepAlive: true, maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets }),
  };
  const f = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const agent = agents[url.protocol];
    if (!agent) return Promise.reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    let body: Buffer | undefined;
    if (init.body !== undefined && init.body !== null) {
      if (typeof init.body === 'string') body = Buffer.from(init.body);
      else if (init.body instanceof URLSearchParams) {
        body = Buffer.from(init.body.toString());
        headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
      } else if (init.body instanceof Uint8Array || init.body instanceof ArrayBuffer) body = Buffer.from(init.body as Uint8Array);
      else return Promise.reject(new TypeError('keep-alive fetch: unsupported body type'));
      headers['content-length'] = String(body.length);
    }
    const signal = init.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const req = (url.protocol === 'https:' ? https : http).request(url, { method: init.method ?? 'GET', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new TypeError('fetch failed', { cause: e })));
        res.on('end', () => {
          signal?.removeEventListener('abort', onAbort);
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) for (const x of Array.isArray(v) ? v : [v]) h.append(k, x);
          const status = res.statusCode ?? 502;
          resolve(new Response(status === 204 || status === 304 || status < 200 ? null : Buffer.concat(chunks), { status: status < 200 ? 502 : status, headers: h }));
        });
      });
      const onAbort = () => {
        req.destroy();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e) => {
        signal?.removeEventListener('abort', onAbort);
        reject(new TypeError('fetch failed', { cause: e }));
      });
      req.end(body);
    });
  };
  return f as typeof globalThis.fetch;
}
