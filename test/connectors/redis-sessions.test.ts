/**
 * The redis-sessions connector against a real express-session app with sessions in the Redis at
 * 127.0.0.1:6379: the shared conformance suite, then remember-me and index gaps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { startLabSessionApp, type LabSessionApp } from '../../lab/session-app/start.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { redisSessionsModule, redisSessionsSettings } from '../../src/connectors/redis-sessions/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { ArtifactHandle, DiscoveredArtifact } from '../../src/core/model.ts';
import { runConnectorConformance } from '../conformance/connector-conformance.ts';

const NAME = 'redis-sessions:lab';

function connectorFor(app: LabSessionApp, o: { redisUrl?: string } = {}): Connector {
  const secrets: Record<string, string> = { 'env:REDIS': o.redisUrl ?? app.redisUrl, 'env:COOKIE': app.cookieSecret };
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: async (r) => secrets[r]! };
  return redisSessionsModule.create(NAME, redisSessionsSettings.parse({ redisUrlRef: 'env:REDIS', prefix: app.prefix, appUrl: app.url, cookieSecretRef: 'env:COOKIE', timeoutMs: 2_000 }), deps);
}

const handle = (a: DiscoveredArtifact, secret?: string): ArtifactHandle => ({
  kind: a.kind, externalId: a.externalId, label: a.label, attributes: a.attributes ?? {}, revocable: a.revocable ?? true, ...(secret ? { secret } : {}),
});

runConnectorConformance({
  name: NAME,
  async setup() {
    const app = await startLabSessionApp();
    const connector = connectorFor(app);
    return {
      connector,
      subject: { id: 'alice', handle: 'alice' },
      async makeArtifacts() {
        const l = await app.login('alice', true);
        const found = await connector.discover({ id: 'alice', handle: 'alice' });
        return found.map((a) => handle(a, a.kind === 'trusted-browser' ? decodeURIComponent(l.remember!) : undefined));
      },
      unreachable: () => connectorFor(app, { redisUrl: 'redis://127.0.0.1:1' }),
      badCredentials: () => connectorFor(app, { redisUrl: 'redis://nobody:wrong@127.0.0.1:6379' }),
      teardown: () => app.close(),
    };
  },
  skips: { 'a non-revocable artifact is refused with ERR_NOT_REVOCABLE': 'every session and remember-me key can be deleted: no non-revocable kind' },
});

describe('redis-sessions against a real app', () => {
  let app: LabSessionApp;
  let c: Connector;
  before(async () => {
    app = await startLabSessionApp();
    c = connectorFor(app);
  });
  after(() => app?.close());

  it('finds sessions missing from the index, kills sessions and remember-me together, spares other users', async () => {
    const a1 = await app.login('alice', true);
    const a2 = await app.login('alice');
    const bob = await app.login('bob', true);
    // A session the app's index does not know about (written by another code path).
    const r = createClient({ url: app.redisUrl });
    await r.connect();
    await r.sRem(`${app.prefix}user_sessions:alice`, a2.sid);
    await r.quit();
    const found = await c.discover({ id: 'alice', handle: 'alice' });
    assert.deepEqual(found.map((x) => x.kind).sort(), ['app-session', 'app-session', 'trusted-browser']);
    assert.ok(found.some((x) => x.attributes?.sid === a2.sid && x.attributes?.indexed === false));
    assert.equal((await app.me(a1.cookie)).status, 200);

    // Killing only the sessions is not enough: the remember-me cookie signs the browser in again.
    for (const s of found.filter((x) => x.kind === 'app-session')) assert.equal((await c.revoke(handle(s))).status, 'revoked');
    assert.equal((await app.me(`sid=${a1.cookie.split('sid=')[1]!.split(';')[0]}`)).status, 401, 'the bare session cookie is dead');
    const resurrected = await app.me(a1.cookie);
    assert.equal(resurrected.status, 200, 'remember-me resurrects access: the residue the manifest names');
    const trusted = found.find((x) => x.kind === 'trusted-browser')!;
    const h = handle(trusted, decodeURIComponent(a1.remember!));
    assert.equal((await c.verify(h)).verdict, 'live');
    assert.equal((await c.revoke(h)).status, 'revoked');
    assert.equal((await c.verify(h)).verdict, 'dead');
    // The session remember-me created meanwhile is found by a new discovery and killed too.
    for (const s of await c.discover({ id: 'alice', handle: 'alice' })) await c.revoke(handle(s));
    assert.equal((await app.me(a1.cookie)).status, 401, 'nothing of alice works any more');
    assert.equal((await app.me(bob.cookie)).status, 200, 'bob is untouched');
  });
});
