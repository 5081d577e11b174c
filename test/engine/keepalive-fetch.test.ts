import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createKeepAliveFetch } from '../../src/engine/keepalive-fetch.ts';

test('keep-alive fetch behaves like fetch for what connectors use', async () => {
  const srv = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 500);
      if (req.url === '/empty') return void res.writeHead(204).end();
      res.writeHead(req.url === '/limited' ? 429 : 200, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify({ method: req.method, body: b, ct: req.headers['content-type'], auth: req.headers.authorization }));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  const f = createKeepAliveFetch();
  try {
    const r = await f(`${base}/x`, { method: 'POST', headers: { authorization: 'Basic eDp5' }, body: new URLSearchParams({ token: 'a b' }) });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { method: 'POST', body: 'token=a+b', ct: 'application/x-www-form-urlencoded;charset=UTF-8', auth: 'Basic eDp5' });
    const l = await f(`${base}/limited`);
    assert.equal(l.status, 429);
    assert.equal(l.headers.get('retry-after'), '7');
    assert.equal((await f(`${base}/empty`, { method: 'DELETE' })).status, 204);
    await assert.rejects(f(`${base}/slow`, { signal: AbortSignal.timeout(50) }), (e: Error) => e.name === 'TimeoutError');
    await assert.rejects(f('http://127.0.0.1:1/'), (e: TypeError & { cause?: { code?: string } }) => e instanceof TypeError && e.cause?.code === 'ECONNREFUSED');
  } finally {
    srv.closeAllConnections();
    srv.close();
  }
});
