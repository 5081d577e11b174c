import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/databases.ts';

test('the drill contains a person and a service account on real servers end to end and leaves the incidents for later commands', { timeout: 120_000 }, async () => {
  const data = join(tempDir('sever-drill-'), 'data');
  const r = await cli(['--data-dir', data, '--json', 'drill']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = r.json();
  assert.deepEqual(out.states, ['remediated', 'remediated']);
  for (const peer of ['agent token 1 at the calendar tool', "SSH login with alice's certificate", "alice's SSH shell opened before the revocation", "alice's web session and remember-me cookie", 'svc_billing login with the old password', "svc_billing's live connection", "svc_billing's workload, rotated before the old password died"]) {
    assert.ok(out.checks.some((c: { name: string }) => c.name === peer), `the drill checks ${peer}`);
  }
  assert.match(out.servers.ssh, /OpenSSH/);
  assert.ok(out.checks.length >= 10);
  assert.ok(out.checks.every((c: { ok: boolean }) => c.ok), JSON.stringify(out.checks.filter((c: { ok: boolean }) => !c.ok)));
  assert.ok(out.checks.some((c: { name: string }) => c.name.startsWith('control')), 'an unrelated user keeps working');
  assert.ok((out.artifacts['verified-expired'] ?? 0) >= 1, 'the non-revocable JWT access token is shown and proved expired');

  // The incident stays in the data directory: list, show and export work on it afterwards.
  const list = await cli(['--data-dir', data, '--json', 'incident', 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(list.json().map((i: { id: string }) => i.id).sort(), [...out.incidentIds].sort());
  const exported = await cli(['--data-dir', data, '--json', 'evidence', 'export', out.incidentId, '--out', join(data, 'again.json')]);
  assert.equal(exported.code, 0, exported.stderr);
  const verified = await cli(['evidence', 'verify', join(data, 'again.json')]);
  assert.equal(verified.code, 0, verified.stderr);
});
