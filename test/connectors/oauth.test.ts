/**
 * The generic oauth connector (RFC 7009 + RFC 7662, configured by sever.yaml alone) against the
 * lab IdP: the shared conformance suite, then its specific behaviours. Its artifacts are built
 * the way `incident add-artifact` builds them: a kind and a value, no attributes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { startLabIdp, type LabIdp } from '../../lab/idp/start.ts';
import { resolveSecretRef } from '../../src/config/secret-ref.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { oauthConnector, oauthSettings } from '../../src/connectors/oauth/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { ArtifactHandle, ArtifactKind } from '../../src/core/model.ts';
import { assertCoded, rejection, runConnectorConformance } from '../conformance/connector-conformance.ts';

const NAME = 'oauth:lab';

function connectorFor(lab: LabIdp, o: { settings?: Record<string, unknown>; severSecret?: string } = {}): Connector {
  const env = { SEVER_SECRET: o.severSecret ?? lab.sever.clientSecret, APP_SECRET: lab.clients.app!.clientSecret };
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: (ref) => resolveSecretRef(ref, env) };
  const settings = oauthSettings.parse({
    issuer: lab.issuer, clientId: lab.sever.clientId, clientSecretRef: 'env:SEVER_SECRET', clientSecrets: { app: 'env:APP_SECRET' }, timeoutMs: 3_000,
    ...o.settings,
  });
  return oauthConnector.create(NAME, settings, deps);
}

/** What `sever incident add-artifact --kind … --value-file …` gives the connector. */
function added(kind: ArtifactKind, value: string, attributes: ArtifactHandle['attributes'] = {}, revocable = true): ArtifactHandle {
  return { kind, externalId: `sha256:${createHash('sha256').update(value).digest('hex')}`, label: `${kind} added by test`, attributes, revocable, secret: value };
}


runConnectorConformance({
  name: NAME,
  async setup() {
    const lab = await startLabIdp();
    const connector = connectorFor(lab);
    return {
      connector,
      subject: { id: 'alice', handle: 'alice@lab.test' },
      async makeArtifacts() {
        const offline = await lab.mint({ user: 'alice', clientId: 'app', offline: true });
        const online = await lab.mint({ user: 'alice', clientId: 'app', session: true, offline: false });
        return [
          added('access-token', online.grants[0]!.accessTokens[0]!),
          added('refresh-token', online.grants[0]!.refreshTokens[0]!, { clientId: 'app' }),
          added('offline-token', offline.grants[0]!.refreshTokens[0]!),
        ];
      },
      async makeNonRevocable() {
        const m = await lab.mint({ user: 'alice', clientId: 'app', accessTokens: 0, refreshTokens: 0, jwtAccessTokens: 1 });
        return added('access-token', m.grants[0]!.jwtAccessTokens[0]!, {}, false);
      },
      unreachable: () => connectorFor(lab, { settings: { issuer: 'http://127.0.0.1:1/realms/lab' } }),
      badCredentials: () => connectorFor(lab, { severSecret: 'not-the-secret' }),
      teardown: () => lab.close(),
    };
  },
});

describe('oauth connector against the lab IdP', () => {
  let lab: LabIdp;
  let oauth: Connector;

  before(async () => {
    lab = await startLabIdp();
    oauth = connectorFor(lab);
  });
  afterEach(() => lab.faults.clear());
  after(() => lab.close());

  it('cannot enumerate: discovery finds nothing and the manifest says so', async () => {
    await lab.login('alice', 'app');
    assert.deepEqual(await oauth.discover({ id: 'alice', handle: 'alice@lab.test' }), []);
    for (const a of oauth.manifest.artifacts) assert.match(a.discover, /add-artifact/);
  });

  it('works from explicit endpoints, without discovery; userinfo joins the checks only when configured', async () => {
    const login = await lab.login('bob', 'app', { offline: true });
    const explicit = connectorFor(lab, {
      settings: { issuer: undefined, revocationEndpoint: lab.endpoints.revocation, introspectionEndpoint: lab.endpoints.introspection },
    });
    const at = added('access-token', login.accessToken);
    const bare = await explicit.verify(at);
    assert.deepEqual(bare.checks.map((c) => c.path), ['rfc7662-introspection']);
    assert.deepEqual(bare.unavailable?.map((u) => u.path), ['userinfo'], 'without userinfo the replay path is named as unavailable');
    assert.deepEqual((await oauth.verify(at)).checks.map((c) => c.path), ['rfc7662-introspection', 'userinfo'], 'discovery found userinfo');
    assert.equal((await explicit.revoke(at)).status, 'revoked');
    const obs = await oauth.verify(at);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => c.observed), [{ status: 200, active: false }, { status: 401, error: 'invalid_token' }]);
  });

  it('replays a refresh token only as its owning client, and only once it introspects inactive', async () => {
    const m = await lab.mint({ user: 'carol', clientId: 'crm', offline: true });
    const rt = m.grants[0]!.refreshTokens[0]!;
    // crm's secret is not configured: a replay as another client would answer invalid_grant for a live token.
    const unknownOwner = added('refresh-token', rt, { clientId: 'crm' });
    const calls = lab.faults.calls.token;
    assert.equal((await oauth.verify(unknownOwner)).verdict, 'live');
    await oauth.revoke(unknownOwner);
    const obs = await oauth.verify(unknownOwner);
    assert.equal(obs.verdict, 'dead');
    assert.deepEqual(obs.checks.map((c) => c.path), ['rfc7662-introspection']);
    assert.deepEqual(obs.unavailable?.map((u) => u.path), ['refresh-replay'], 'the stronger path it could not run is named');
    assert.match(obs.unavailable?.[0]?.why ?? '', /--attribute clientId=<client>/);
    assert.equal(lab.faults.calls.token, calls, 'the token endpoint was never called');

    const own = await lab.mint({ user: 'carol', clientId: 'app', offline: true });
    const owned = added('refresh-token', own.grants[0]!.refreshTokens[0]!, { clientId: 'app' });
    await oauth.revoke(owned);
    const replayed = await oauth.verify(owned);
    assert.deepEqual(replayed.checks.map((c) => [c.path, c.result]), [['rfc7662-introspection', 'dead'], ['refresh-replay', 'dead']]);
    assert.deepEqual(replayed.checks[1]!.observed, { status: 400, error: 'invalid_grant' });
  });

  it('a JWT access token the provider refuses to revoke (unsupported_token_type) is ERR_NOT_REVOCABLE', async () => {
    const m = await lab.mint({ user: 'alice', clientId: 'app', accessTokens: 0, refreshTokens: 0, jwtAccessTokens: 1 });
    const jwt = added('access-token', m.grants[0]!.jwtAccessTokens[0]!); // marked revocable: the operator did not know
    assertCoded(await rejection(oauth.revoke(jwt)), { code: 'ERR_NOT_REVOCABLE', retryable: false });
  });

  it('acknowledged but not applied: verify says live; rate limits carry retryAfterMs', async () => {
    const m = await lab.mint({ user: 'alice', clientId: 'app', session: true, offline: false });
    const at = added('access-token', m.grants[0]!.accessTokens[0]!);
    lab.faults.set({ ackWithoutApply: { count: 1 } });
    assert.equal((await oauth.revoke(at)).status, 'revoked');
    assert.equal((await oauth.verify(at)).verdict, 'live');

    lab.faults.set({ rateLimit: { every: 1, retryAfterSeconds: 3 } });
    const e = await rejection(oauth.revoke(at));
    assertCoded(e, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
    assert.equal(e.retryAfterMs, 3_000);
  });

  it('checks its settings and the kinds it handles', async () => {
    assert.equal(oauthSettings.safeParse({ clientId: 'sever', clientSecretRef: 'env:X' }).success, false, 'needs issuer or both endpoints');
    assert.equal(oauthSettings.safeParse({ issuer: lab.issuer, clientId: 'sever', clientSecretRef: 'plain-secret' }).success, false, 'secrets by reference only');
    const session: ArtifactHandle = { kind: 'idp-session', externalId: 's', label: 's', attributes: {}, revocable: true };
    assertCoded(await rejection(oauth.revoke(session)), { code: 'ERR_INPUT_INVALID' });
    const noValue: ArtifactHandle = { kind: 'refresh-token', externalId: 'r', label: 'r', attributes: {}, revocable: true };
    assertCoded(await rejection(oauth.revoke(noValue)), { code: 'ERR_VALUE_REQUIRED', retryable: false });
  });
});
