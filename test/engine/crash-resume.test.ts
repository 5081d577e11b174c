/**
 * SIGKILL mid-containment: the real CLI is killed while revocations are in flight against the
 * real lab provider; the next `incident contain` finishes the job with nothing lost and nothing
 * recorded twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startLabIdp } from '../../lab/idp/start.ts';
import { drillConfig } from '../../lab/drill/run-drill.ts';
import { cli, startCli } from '../support/cli.ts';
import { tempDir } from '../support/databases.ts';

test('a containment killed with SIGKILL resumes on the next command, losing nothing and recording nothing twice', { timeout: 120_000 }, async () => {
  const lab = await startLabIdp({ faults: { latencyMs: 60, latencyOn: ['admin', 'revocation'] } });
  const dir = tempDir('sever-crash-');
  try {
    const minted = await lab.mint({ user: 'alice', clientId: 'app', grants: 12, offline: true, accessTokens: 2, refreshTokens: 1 });
    const config = drillConfig(lab, dir);
    (config.connectors['keycloak:lab'] as Record<string, unknown>).concurrency = 2;
    const cfg = join(dir, 'sever.yaml');
    writeFileSync(cfg, stringify(config));
    const g = ['--config', cfg, '--data-dir', join(dir, 'data'), '--json'];

    const opened = await cli([...g, 'incident', 'open', '--subject', 'alice', '--id', 'keycloak:lab=alice', '--as', 'ida']);
    assert.equal(opened.code, 0, opened.stderr);
    const id = opened.json().id as string;
    assert.equal((await cli([...g, 'incident', 'discover', id, '--as', 'ida'])).code, 0);
    const planned = await cli([...g, 'incident', 'plan', id, '--as', 'ida']);
    assert.equal(planned.code, 0, planned.stderr);
    const total = planned.json().summary.total as number;
    assert.ok(total >= 30, `expected at least 30 artifacts, got ${total}`);

    const mutating = () => lab.faults.calls.revocation + lab.faults.calls.admin;
    const before = mutating();
    const run = startCli([...g, 'incident', 'contain', id, '--as', 'eddie']);
    const deadline = Date.now() + 60_000;
    while (mutating() - before < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    run.child.kill('SIGKILL');
    const killed = await run.done;
    assert.equal(killed.signal, 'SIGKILL', 'the containment was still running when killed');
    const callsAtKill = mutating() - before;

    const resumed = await cli([...g, 'incident', 'contain', id, '--as', 'eddie']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const s = resumed.json();
    assert.equal(s.pendingSteps, 0);
    assert.equal((s.byStatus['verified-dead'] ?? 0) + (s.byStatus['verified-expired'] ?? 0), total, JSON.stringify(s.byStatus));

    const exported = await cli([...g, 'evidence', 'export', id]);
    assert.equal(exported.code, 0, exported.stderr);
    const path = exported.json().path as string;
    const verified = await cli(['--json', 'evidence', 'verify', path]);
    assert.equal(verified.code, 0, verified.stdout);

    // Each artifact's revoke intent was dispatched once and its response recorded once.
    const bundle = JSON.parse(readFileSync(path, 'utf8'));
    const intents = new Map<string, number>();
    const responses = new Map<string, number>();
    for (const e of bundle.entries) {
      if (e.type === 'revoke.intent') for (const r of e.payload.revoke) intents.set(r.artifactId, (intents.get(r.artifactId) ?? 0) + 1);
      if (e.type === 'revoke.response') for (const r of e.payload.responses) responses.set(r.artifactId, (responses.get(r.artifactId) ?? 0) + 1);
    }
    assert.ok(callsAtKill >= 12 && callsAtKill < total, `killed mid-way (${callsAtKill} of about ${total} calls)`);
    for (const [artifactId, n] of intents) assert.equal(n, 1, `${artifactId} was dispatched ${n} times`);
    for (const [artifactId, n] of responses) assert.equal(n, 1, `${artifactId} has ${n} recorded responses`);
    assert.equal(responses.size + bundle.summary.artifacts.filter((a: any) => a.status === 'verified-expired').length, total);

    // And from outside: every token of alice is dead at the provider.
    for (const g2 of minted.grants) {
      for (const rt of g2.refreshTokens) {
        const res = await fetch(lab.endpoints.introspection, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${lab.sever.clientId}:${lab.sever.clientSecret}`).toString('base64')}` },
          body: new URLSearchParams({ token: rt }).toString(),
        });
        assert.equal(((await res.json()) as { active: boolean }).active, false);
      }
    }
  } finally {
    await lab.close();
  }
});
