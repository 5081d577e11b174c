/**
 * The jwt-issuer connector against a lab issuer of self-contained JWTs and a resource server that
 * checks them against the JWKS: the shared conformance suite, then collateral and new-key tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLabJwtIssuer, type LabJwtIssuer } from '../../lab/jwt-issuer/start.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { jwtIssuerModule, jwtIssuerSettings } from '../../src/connectors/jwt-issuer/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { ArtifactHandle, DiscoveredArtifact } from '../../src/core/model.ts';
import { runConnectorConformance } from '../conformance/connector-conformance.ts';

const NAME = 'jwt-issuer:lab';

function connectorFor(l: LabJwtIssuer, o: { url?: string; token?: string } = {}): Connector {
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: async () => o.token ?? l.adminToken };
  const url = o.url ?? l.url;
  return jwtIssuerModule.create(NAME, jwtIssuerSettings.parse({ issuerUrl: url, adminTokenRef: 'env:ISSUER', resourceServerUrl: `${url}/rs/whoami`, timeoutMs: 2_000 }), deps);
}

const handle = (a: DiscoveredArtifact): ArtifactHandle => ({
  kind: a.kind, externalId: a.externalId, label: a.label, attributes: a.attributes ?? {}, revocable: a.revocable ?? true, ...(a.secret ? { secret: a.secret } : {}),
});

runConnectorConformance({
  name: NAME,
  async setup() {
    const l = await startLabJwtIssuer({ jwksCacheMaxAgeMs: 100 });
    const connector = connectorFor(l);
    return {
      connector,
      subject: { id: 'alice', handle: 'alice' },
      async makeArtifacts() {
        await l.issue('alice');
        return (await connector.discover({ id: 'alice', handle: 'alice' })).map(handle);
      },
      unreachable: () => connectorFor(l, { url: 'http://127.0.0.1:1' }),
      badCredentials: () => connectorFor(l, { token: 'wrong' }),
      teardown: () => l.close(),
    };
  },
  skips: { 'a non-revocable artifact is refused with ERR_NOT_REVOCABLE': 'a signing key can always be retired (that is the fallback itself)' },
  deadWithinMs: 3_000,
});

describe('jwt-issuer against a lab issuer and resource server', () => {
  let l: LabJwtIssuer;
  let c: Connector;
  before(async () => {
    l = await startLabJwtIssuer({ jwksCacheMaxAgeMs: 100 });
    c = connectorFor(l);
  });
  after(() => l?.close());

  it('names the collateral, retires the key: old tokens refused for everyone, new-key tokens work', async () => {
    const stolen = await l.issue('alice');
    const bobs = [await l.issue('bob'), await l.issue('bob')];
    const carol = await l.issue('carol');
    const [key] = await c.discover({ id: 'alice', handle: 'alice' });
    assert.ok(key);
    assert.equal(key.attributes?.collateralTokens, 3);
    assert.equal(key.attributes?.collateralSubjects, 'bob,carol');
    assert.match(key.label, /collateral: 3 token\(s\) of 2 other subject\(s\)/);
    assert.equal(await l.call(stolen), 200);

    assert.equal((await c.revoke(handle(key))).status, 'revoked');
    await new Promise((r) => setTimeout(r, 150)); // past the resource server's JWKS cache age
    const v = await c.verify(handle(key));
    assert.equal(v.verdict, 'dead');
    assert.deepEqual(v.checks[1]!.observed, { oldKeyToken: 401, newKeyToken: 200 });
    assert.equal(await l.call(stolen), 401);
    for (const t of [...bobs, carol]) assert.equal(await l.call(t), 401, 'collateral: every token of the key is dead');
    assert.equal(await l.call(await l.issue('bob')), 200, 'bob gets a working token from the new key');
    assert.equal((await c.revoke(handle(key))).status, 'already_revoked');
  });
});
