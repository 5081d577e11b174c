/**
 * `issuer:` of the oauth connector in sever.yaml: RFC 8414 authorization server metadata (with
 * the well-known segment inserted before the issuer's path) beside OpenID Connect discovery, and
 * only a document naming the configured issuer is used. The server on loopback serves nothing but
 * what each case needs.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { systemClock } from '../../src/core/clock.ts';
import { SeverError } from '../../src/core/errors.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { oauthConnector } from '../../src/connectors/oauth/index.ts';
import { discoverEndpoints, metadataUrls, type HttpDeps } from '../../src/connectors/shared/oauth/client.ts';
import { loadConnectorModules } from '../../src/connectors/registry.ts';

// Connector kinds load on demand; these tests parse configurations directly.
await loadConnectorModules();

describe('oauth issuer discovery', () => {
  let server: Server;
  let base: string;
  /** path → JSON body; anything else is 404. */
  const routes = new Map<string, unknown>();
  const hits: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      const body = routes.get(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      if (req.url === '/oauth/userinfo' && routes.has('/oauth/introspect')) {
        res.statusCode = 401; // a revoked bearer token
        return res.end('{"error":"invalid_token"}');
      }
      if (body === undefined) {
        res.statusCode = 404;
        return res.end('{"error":"not_found"}');
      }
      res.end(JSON.stringify(typeof body === 'function' ? body() : body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const deps = (): HttpDeps => ({ fetch: globalThis.fetch, now: () => Date.now(), name: 'oauth:t', timeoutMs: 3_000 });
  const metadata = (issuer: string) => ({
    issuer, revocation_endpoint: `${base}/oauth/revoke`, introspection_endpoint: `${base}/oauth/introspect`, userinfo_endpoint: `${base}/oauth/userinfo`, token_endpoint: `${base}/oauth/token`,
  });

  it('inserts /.well-known/oauth-authorization-server before the issuer path (RFC 8414 §3.1), then tries OIDC discovery', () => {
    assert.deepEqual(metadataUrls('https://as.example/tenant/a').map((u) => u.url), [
      'https://as.example/.well-known/oauth-authorization-server/tenant/a',
      'https://as.example/tenant/a/.well-known/openid-configuration',
    ]);
    assert.deepEqual(metadataUrls('https://as.example/').map((u) => u.url), [
      'https://as.example/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/openid-configuration',
    ]);
  });

  it('an issuer with a path, served only by RFC 8414 metadata', async () => {
    routes.clear();
    routes.set('/.well-known/oauth-authorization-server/tenant/a', metadata(`${base}/tenant/a`));
    const e = await discoverEndpoints(deps(), `${base}/tenant/a`);
    assert.deepEqual(e, { revocation: `${base}/oauth/revoke`, introspection: `${base}/oauth/introspect`, userinfo: `${base}/oauth/userinfo`, token: `${base}/oauth/token` });
  });

  it('an issuer without a path; OIDC discovery when there is no RFC 8414 document', async () => {
    routes.clear();
    routes.set('/.well-known/oauth-authorization-server', metadata(base));
    assert.equal((await discoverEndpoints(deps(), base)).introspection, `${base}/oauth/introspect`);
    routes.clear();
    routes.set('/oidc/.well-known/openid-configuration', metadata(`${base}/oidc`));
    assert.equal((await discoverEndpoints(deps(), `${base}/oidc`)).revocation, `${base}/oauth/revoke`);
  });

  it('a document naming another issuer is not used (RFC 8414 §3.3); neither document is ERR_PROVIDER_REJECTED', async () => {
    routes.clear();
    routes.set('/.well-known/oauth-authorization-server/tenant/a', metadata('https://evil.example/tenant/a'));
    await assert.rejects(discoverEndpoints(deps(), `${base}/tenant/a`), (e: SeverError) => e.code === 'ERR_PROVIDER_RESPONSE' && /names issuer .*evil\.example.*not the configured/.test(e.message));
    routes.clear();
    await assert.rejects(discoverEndpoints(deps(), `${base}/tenant/a`), (e: SeverError) => e.code === 'ERR_PROVIDER_REJECTED' && !e.retryable);
  });

  it('end to end from sever.yaml: the connector verifies a token at the endpoints RFC 8414 names', async () => {
    routes.clear();
    hits.length = 0;
    routes.set('/.well-known/oauth-authorization-server/tenant/a', metadata(`${base}/tenant/a`));
    routes.set('/oauth/introspect', { active: false });
    const config = parseConfig(stringify({
      version: 1,
      connectors: { 'oauth:t': { settings: { issuer: `${base}/tenant/a`, clientId: 'sever', clientSecretRef: 'env:T_SECRET' } } },
      runbook: { version: 1, roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'], responders: ['eddie'] } },
    }));
    const c = oauthConnector.create('oauth:t', config.connectors['oauth:t']!.settings as never, {
      clock: systemClock, fetch: globalThis.fetch, resolveSecret: async () => 'secret',
    });
    const obs = await c.verify({ kind: 'access-token', externalId: 'sha256:x', label: 'leaked', attributes: {}, revocable: true, secret: 'token-value' });
    assert.equal(obs.verdict, 'dead');
    assert.ok(hits.includes('POST /oauth/introspect'), hits.join(', '));
    assert.ok(hits.includes('POST /oauth/userinfo') || hits.includes('GET /oauth/userinfo'), hits.join(', '));
  });
});
