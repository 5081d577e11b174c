/**
 * A compromised Slack app (an `integration` subject) contained through the engine against the
 * Slack lab: discovery finds its installation on each workspace and every user who authorized it
 * (from the org's audit log), each naming whom it acts for; containment uninstalls it workspace by
 * workspace, and each grant is proved dead by its bot re-read (relist, the default policy's need
 * for a grant), while another app installed by the same users keeps working.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLabSlack, type LabSlack } from '../../lab/slack/start.ts';
import { resolveSecretRef } from '../../src/config/secret-ref.ts';
import type { Connector } from '../../src/connectors/contract.ts';
import { slackConnector, slackSettings } from '../../src/connectors/slack/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { listArtifacts, listLedger } from '../../src/store/repo.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

const NAME = 'slack:lab';

describe('a compromised Slack app contained through the engine (PGlite store, Slack lab)', { timeout: 120_000 }, () => {
  let lab: LabSlack;
  let h: Harness;
  before(async () => {
    // The uninstall applies 300 ms after Slack's ok, on the wall clock.
    lab = await startLabSlack({ uninstallDelayMs: 300 });
    const env = { SLACK_TOKEN: lab.adminToken };
    const base = slackConnector.create(NAME, slackSettings.parse({ slackApiUrl: lab.apiUrl, auditApiUrl: lab.auditUrl, tokenRef: 'env:SLACK_TOKEN', timeoutMs: 3_000 }), {
      clock: systemClock, fetch: globalThis.fetch, resolveSecret: (ref) => resolveSecretRef(ref, env),
    });
    // A quicker poll than Slack's tiers allow, and a budget the lab's own tiers still cap.
    const connector: Connector = { ...base, manifest: { ...base.manifest, limits: { concurrency: 2, rate: { limit: 40, windowMs: 60_000 } }, verifyPolicy: { pollIntervalMs: 200, deadlineMs: 15_000 } } };
    h = await startHarness('pglite', [connector], systemClock);
  });
  after(async () => {
    await h?.close();
    await lab?.close();
  });

  const works = async (token: string) => {
    const res = await fetch(`${lab.apiUrl}auth.test`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    return ((await res.json()) as { ok: boolean; error?: string });
  };

  it('every installation and authorization of the app is found, uninstalled and proved dead; the other app of the same users is untouched', async () => {
    const people = ['ana', 'ben', 'cleo', 'dev'].map((n) => lab.state.user(`${n}@lab.test`));
    const shady = lab.state.app('Shady Notes');
    const fine = lab.state.app('Fine Calendar');
    const grants = [
      lab.state.authorize(shady.id, 'T0A', people[0]!.id), lab.state.authorize(shady.id, 'T0A', people[1]!.id), lab.state.authorize(shady.id, 'T0A', people[2]!.id),
      lab.state.authorize(shady.id, 'T0B', people[3]!.id),
    ];
    const kept = [lab.state.authorize(fine.id, 'T0A', people[0]!.id), lab.state.authorize(fine.id, 'T0A', people[1]!.id)];
    await new Promise((r) => setTimeout(r, 1_100)); // the containment happens in a later second than the installs

    const id = await h.engine.openIncident({ subject: { type: 'integration', handle: shady.name, identifiers: { [NAME]: shady.id } }, actor: 'ida' });
    await h.engine.discover(id, 'ida');
    const arts = await listArtifacts(h.conn.db, id);
    assert.equal(arts.length, 6, 'two installations (T0A, T0B) and four users\' authorizations');
    assert.ok(arts.every((a) => a.kind === 'oauth-grant' && a.attributes.appId === shady.id));
    const actsFor = arts.map((a) => String(a.attributes.actsFor)).sort();
    const bots = grants.filter((g) => g.botToken).map((g) => lab.state.bots.get(g.installation.botId!)!.userId);
    assert.deepEqual(actsFor, [...people.map((p) => p.id), ...bots].sort(), 'each grant names whom it acts for');

    const p = await h.engine.plan(id, 'ida');
    assert.ok(p.items.every((i) => i.action === 'revoke' && i.proof.requires === 'relist'));
    const s = await h.engine.contain(id, 'eddie');
    assert.deepEqual(s.byStatus, { 'verified-dead': 6 });

    for (const g of grants) for (const t of [g.userToken, g.botToken]) if (t) assert.deepEqual(await works(t.value), { ok: false, error: 'token_revoked' });
    for (const g of kept) for (const t of [g.userToken, g.botToken]) if (t) assert.equal((await works(t.value)).ok, true, "the other app's tokens still work");
    assert.deepEqual(lab.state.audit.filter((e) => e.action === 'app_uninstalled').map((e) => [e.entity.app.id, e.context.location.id]).sort(), [[shady.id, 'T0A'], [shady.id, 'T0B']], 'one uninstall per workspace');
    const entries = (await listLedger(h.conn.db, id)) as Array<{ type: string; payload: any }>;
    const verdicts = entries.filter((e) => e.type === 'verify.observation').flatMap((e) => e.payload.observations ?? []);
    assert.ok(verdicts.length > 0, 'the observations are in the evidence');
  });
});
