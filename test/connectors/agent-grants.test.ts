/**
 * The agent-grants connector against the lab identity provider (npm oidc-provider): an agent
 * client acting for users through grants, and two tool APIs that accept the agent's tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLabIdp, type LabIdp } from '../../lab/idp/start.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { agentGrantsModule, agentGrantsSettings } from '../../src/connectors/agent-grants/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { ArtifactHandle, DiscoveredArtifact } from '../../src/core/model.ts';
import { runConnectorConformance } from '../conformance/connector-conformance.ts';

const NAME = 'agent-grants:lab';

function connectorFor(lab: LabIdp, o: { baseUrl?: string; token?: string } = {}): Connector {
  const deps: ConnectorDeps = { clock: systemClock, fetch: globalThis.fetch, resolveSecret: async () => o.token ?? lab.adminToken };
  return agentGrantsModule.create(NAME, agentGrantsSettings.parse({
    baseUrl: o.baseUrl ?? lab.baseUrl, realm: lab.realm, adminTokenRef: 'env:ADMIN', agents: ['agent'], timeoutMs: 3_000,
    tools: [{ name: 'calendar', url: lab.url('/tools/calendar') }, { name: 'crm', url: lab.url('/tools/crm') }],
  }), deps);
}

const handle = (a: DiscoveredArtifact): ArtifactHandle => ({
  kind: a.kind, externalId: a.externalId, label: a.label, attributes: a.attributes ?? {}, revocable: a.revocable ?? true, ...(a.secret ? { secret: a.secret } : {}),
});

const toolStatus = async (lab: LabIdp, tool: string, token: string) => {
  const r = await fetch(lab.url(`/tools/${tool}`), { headers: { authorization: `Bearer ${token}` } });
  await r.arrayBuffer();
  return r.status;
};

runConnectorConformance({
  name: NAME,
  async setup() {
    const lab = await startLabIdp();
    const connector = connectorFor(lab);
    return {
      connector,
      subject: { id: 'alice', handle: 'alice' },
      async makeArtifacts() {
        await lab.mint({ user: 'alice', clientId: 'agent', offline: false, accessTokens: 1, refreshTokens: 0 });
        return (await connector.discover({ id: 'alice', handle: 'alice' })).map(handle);
      },
      unreachable: () => connectorFor(lab, { baseUrl: 'http://127.0.0.1:1' }),
      badCredentials: () => connectorFor(lab, { token: 'wrong' }),
      teardown: () => lab.close(),
    };
  },
  skips: { 'a non-revocable artifact is refused with ERR_NOT_REVOCABLE': 'an agent\'s grant can always be revoked with its consent' },
});

describe('agent-grants against the lab provider and its tool APIs', () => {
  let lab: LabIdp;
  let c: Connector;
  before(async () => {
    lab = await startLabIdp();
    c = connectorFor(lab);
  });
  after(() => lab?.close());

  it('revokes the agent\'s grant for one user: its tokens die at every tool; the agent still works for another user', async () => {
    const forAlice = await lab.mint({ user: 'alice', clientId: 'agent', offline: false, accessTokens: 2, refreshTokens: 0 });
    const forBob = await lab.mint({ user: 'bob', clientId: 'agent', offline: false, accessTokens: 1, refreshTokens: 0 });
    const aliceTokens = forAlice.grants.flatMap((g) => g.accessTokens);
    for (const t of aliceTokens) for (const tool of ['calendar', 'crm']) assert.equal(await toolStatus(lab, tool, t), 200);
    const [grant] = await c.discover({ id: 'alice', handle: 'alice' });
    assert.ok(grant);
    assert.equal(grant.attributes?.agent, 'agent');
    assert.equal(grant.attributes?.tools, 'calendar,crm');
    assert.equal((await c.verify(handle(grant))).verdict, 'live');
    assert.equal((await c.revoke(handle(grant))).status, 'revoked');
    const v = await c.verify(handle(grant));
    assert.equal(v.verdict, 'dead');
    assert.deepEqual(v.checks.map((x) => [x.path, x.result, (x.observed as { tool?: string }).tool ?? null]), [
      ["tools:call each tool API with the agent's old token", 'dead', 'calendar'], ["tools:call each tool API with the agent's old token", 'dead', 'crm'], ['admin-relist:consents', 'dead', null],
    ]);
    for (const t of aliceTokens) for (const tool of ['calendar', 'crm']) assert.equal(await toolStatus(lab, tool, t), 401, 'every token of the grant is dead at every tool');
    assert.equal(await toolStatus(lab, 'calendar', forBob.grants[0]!.accessTokens[0]!), 200, 'the agent keeps acting for bob');
    assert.equal((await c.revoke(handle(grant))).status, 'already_revoked');
  });

  it('the agent as the subject (agent:<clientId>): its grants for every user are found page by page and revoked; other clients of the same users are untouched', async () => {
    // More users than one page of Keycloak's GET /users (max 100): the last ones are on page two.
    for (let i = 0; i < 101; i++) lab.user(`filler${String(i).padStart(3, '0')}`);
    const users = ['carol', 'zed', 'zoe'];
    for (const u of users) lab.user(u);
    const minted = [];
    for (const u of users) minted.push(await lab.mint({ user: u, clientId: 'agent', offline: false, accessTokens: 1, refreshTokens: 0 }));
    const crm = await lab.mint({ user: 'carol', clientId: 'crm', offline: true, accessTokens: 1, refreshTokens: 1 });
    const small = agentGrantsModule.create(NAME, agentGrantsSettings.parse({
      baseUrl: lab.baseUrl, realm: lab.realm, adminTokenRef: 'env:ADMIN', agents: ['agent'], timeoutMs: 3_000,
      tools: [{ name: 'calendar', url: lab.url('/tools/calendar') }],
    }), { clock: systemClock, fetch: globalThis.fetch, resolveSecret: async () => lab.adminToken });
    const found = await small.discover({ id: 'agent:agent', handle: 'agent' });
    for (const u of users) assert.ok(found.some((g) => g.attributes?.user === u && g.attributes?.agent === 'agent'), `the agent's grant for ${u} is found`);
    assert.ok(found.every((g) => g.attributes?.agent === 'agent'), 'only this agent\'s grants');
    for (const g of found) assert.equal((await small.revoke(handle(g))).status, 'revoked');
    for (const g of found) assert.equal((await small.verify(handle(g))).verdict, 'dead');
    for (const m of minted) assert.equal(await toolStatus(lab, 'calendar', m.grants[0]!.accessTokens[0]!), 401);
    const other = await fetch(lab.endpoints.userinfo, { headers: { authorization: `Bearer ${crm.grants[0]!.accessTokens[0]!}` } });
    await other.arrayBuffer();
    assert.equal(other.status, 200, 'carol\'s own crm grant still works');
    assert.deepEqual(await small.discover({ id: 'agent:agent', handle: 'agent' }), [], 'nothing left for the agent');
    await assert.rejects(small.discover({ id: 'agent:unknown', handle: 'unknown' }), { code: 'ERR_INPUT_INVALID' });
  });
});
