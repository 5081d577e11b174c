import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/databases.ts';

test('the drill contains two people and two service accounts on real servers and provider simulators end to end and leaves the incidents for later commands', { timeout: 180_000 }, async () => {
  const data = join(tempDir('sever-drill-'), 'data');
  const r = await cli(['--data-dir', data, '--json', 'drill']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = r.json();
  assert.deepEqual(out.states, ['remediated', 'remediated', 'remediated', 'remediated']);
  for (const peer of ['agent token 1 at the calendar tool', "SSH login with alice's certificate", "alice's SSH shell opened before the revocation", "alice's web session and remember-me cookie", 'svc_billing login with the old password', "svc_billing's live connection", "svc_billing's workload, rotated before the old password died"]) {
    assert.ok(out.checks.some((c: { name: string }) => c.name === peer), `the drill checks ${peer}`);
  }
  assert.match(out.servers.ssh, /OpenSSH/);
  // 26 checks of alice and svc_billing, 12 of carol, svc-deploy and their controls.
  assert.equal(out.checks.length, 38, out.checks.map((c: { name: string }) => c.name).join('\n'));
  assert.ok(out.checks.every((c: { ok: boolean }) => c.ok), JSON.stringify(out.checks.filter((c: { ok: boolean }) => !c.ok)));
  assert.ok(out.checks.some((c: { name: string }) => c.name.startsWith('control')), 'an unrelated user keeps working');
  assert.ok((out.artifacts['verified-expired'] ?? 0) >= 1, 'the non-revocable JWT access token is shown and proved expired');

  // carol, across Okta, AWS and GitHub.
  for (const name of [
    "carol's Okta refresh token (crm) at the token endpoint", "carol's Okta refresh token (mail) at the token endpoint", "the attacker's Okta factor gone, carol's own kept",
    "carol's SSWS API token (GET /api/v1/users/me)", "carol's leaked AWS access key (STS GetCallerIdentity)", "carol's fine-grained PAT (GitHub GET /user)",
    "carol's leaked classic token (GitHub GET /user)", "svc-deploy's AWS access key (STS GetCallerIdentity)", "svc-deploy's deploy key on acme/infra",
    "control: bob's Okta refresh token still refreshes", "control: bob's AWS access key still works", "control: bob's GitHub token still works",
  ]) assert.ok(out.checks.some((c: { name: string }) => c.name === name), `the drill checks ${name}`);
  const carol = out.saas.carol;
  assert.deepEqual([carol.attackerFactor.tier, carol.attackerFactor.action, carol.attackerFactor.status], ['immediate', 'revoke', 'verified-dead'], "the factor enrolled after the compromise is the attacker's: removed at once");
  assert.deepEqual([carol.ownFactor.tier, carol.ownFactor.action], ['post-incident-validation', 'validate'], 'the factor from before the compromise is validated with carol, not removed');
  assert.equal(carol.ownFactor.status, 'still-live');
  // The STS session is residual exposure: never reported dead or expired, accepted by the IR lead with a reason until its Expiration.
  assert.equal(carol.stsSession.action, 'await-expiry');
  assert.equal(carol.stsSession.status, 'residual');
  assert.ok(!['verified-dead', 'verified-expired'].includes(carol.stsSession.status));
  const [residual] = out.saas.residual;
  assert.equal(residual.artifactId, carol.stsSession.id);
  assert.equal(residual.stillWorks, true, 'moto still accepts the session: shown, not hidden');
  assert.equal(residual.exception.grantedBy, 'irene');
  assert.match(residual.exception.reason, /AWSRevokeOlderSessions/);
  assert.equal(carol.exceptions.length, 2, 'exceptions only for the validated factor and the STS session');
  for (const p of carol.proofs.filter((x: { status: string }) => x.status === 'verified-dead')) assert.equal(p.strength, p.required, `${p.id} (${p.kind}) proved as strongly as the policy requires`);
  assert.ok(carol.proofs.some((p: { connector: string; kind: string; strength: string }) => p.connector === 'aws-iam:lab' && p.kind === 'api-key' && p.strength === 'replay'), 'the leaked AWS key is proved dead by replay');
  assert.deepEqual(out.saas.svcDeploy.actions.map((a: { action: string }) => a.action), ['revoke', 'revoke'], 'rotate-then-revoke is not implemented for these yet');
  assert.deepEqual(out.saas.svcDeploy.counts, { 'verified-dead': 2 });
  assert.deepEqual(out.saas.simulatorViolations, [], "the simulators saw nothing outside Okta's and GitHub's descriptions");

  // The incidents stay in the data directory: list, show and export work on them afterwards.
  const list = await cli(['--data-dir', data, '--json', 'incident', 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(list.json().map((i: { id: string }) => i.id).sort(), [...out.incidentIds].sort());
  const exported = await cli(['--data-dir', data, '--json', 'evidence', 'export', out.incidentId, '--out', join(data, 'again.json')]);
  assert.equal(exported.code, 0, exported.stderr);
  const verified = await cli(['evidence', 'verify', join(data, 'again.json')]);
  assert.equal(verified.code, 0, verified.stderr);
});
