import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/databases.ts';

test('the drill contains two people and two service accounts on real servers and provider simulators end to end and leaves the incidents for later commands', { timeout: 300_000 }, async () => {
  const data = join(tempDir('sever-drill-'), 'data');
  const r = await cli(['--data-dir', data, '--json', 'drill']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = r.json();
  assert.deepEqual(out.states, ['remediated', 'remediated', 'remediated', 'remediated']);
  for (const peer of ['agent token 1 at the calendar tool', "SSH login with alice's certificate", "alice's SSH shell opened before the revocation", "alice's web session and remember-me cookie", 'svc_billing login with the old password', "svc_billing's live connection", "svc_billing's workload, rotated before the old password died"]) {
    assert.ok(out.checks.some((c: { name: string }) => c.name === peer), `the drill checks ${peer}`);
  }
  assert.match(out.servers.ssh, /OpenSSH/);
  // 26 checks of alice and svc_billing, 14 of carol (Okta, AWS, GitHub), svc-deploy (its old credentials and its two workloads) and their controls, 10 of carol in Google, Entra and Slack with their controls.
  assert.equal(out.checks.length, 50, out.checks.map((c: { name: string }) => c.name).join('\n'));
  assert.ok(out.checks.every((c: { ok: boolean }) => c.ok), JSON.stringify(out.checks.filter((c: { ok: boolean }) => !c.ok)));
  assert.ok(out.checks.some((c: { name: string }) => c.name.startsWith('control')), 'an unrelated user keeps working');
  assert.ok((out.artifacts['verified-expired'] ?? 0) >= 1, 'the non-revocable JWT access token is shown and proved expired');

  // carol, across Okta, AWS, GitHub, Google Workspace, Entra ID and Slack.
  for (const name of [
    "carol's Okta refresh token (crm) at the token endpoint", "carol's Okta refresh token (mail) at the token endpoint", "the attacker's Okta factor gone, carol's own kept",
    "carol's SSWS API token (GET /api/v1/users/me)", "carol's leaked AWS access key (STS GetCallerIdentity)", "carol's fine-grained PAT (GitHub GET /user)",
    "carol's leaked classic token (GitHub GET /user)", "svc-deploy's AWS access key (STS GetCallerIdentity)", "svc-deploy's deploy key on acme/infra",
    "svc-deploy's deploy job, moved to its rotated AWS key without one failed call (STS GetCallerIdentity)",
    "svc-deploy's deployer, moved to its rotated deploy key on acme/infra without one failed fetch",
    "control: bob's Okta refresh token still refreshes", "control: bob's AWS access key still works", "control: bob's GitHub token still works",
    "carol's Google OAuth token for the third-party client MailSync Pro", "the attacker's Google app-specific password", "control: bob's Google token for MailSync Pro and his app password kept",
    "carol's stolen Entra refresh token at the token endpoint", "carol's Entra sign-in sessions (signInSessionsValidFromDateTime)", "the attacker's Entra authentication method gone, carol's own kept",
    "carol's delegated permission grant to Mail Sync (attacker)", "control: bob's Entra refresh token still refreshes",
    "carol's stolen Slack browser session (xoxc with its d cookie, auth.test)", "control: bob's Slack browser session and user token still work",
  ]) assert.ok(out.checks.some((c: { name: string }) => c.name === name), `the drill checks ${name}`);
  const carol = out.saas.carol;
  assert.deepEqual([carol.attackerFactor.tier, carol.attackerFactor.action, carol.attackerFactor.status], ['immediate', 'revoke', 'verified-dead'], "the factor enrolled after the compromise is the attacker's: removed at once");
  assert.deepEqual([carol.ownFactor.tier, carol.ownFactor.action], ['post-incident-validation', 'validate'], 'the factor from before the compromise is validated with carol, not removed');
  assert.equal(carol.ownFactor.status, 'still-live');
  assert.deepEqual([carol.entraAttackerMethod.tier, carol.entraAttackerMethod.action, carol.entraAttackerMethod.status], ['immediate', 'revoke', 'verified-dead'], 'the Entra method registered after the compromise is removed at once');
  assert.deepEqual([carol.entraOwnMethod.tier, carol.entraOwnMethod.action, carol.entraOwnMethod.status], ['post-incident-validation', 'validate', 'still-live'], 'her own older Entra method is validated, not removed');
  // Google's sign-in sessions: signOut is acknowledged, nothing can show them dead: unproven, never verified-dead, accepted by the IR lead.
  assert.equal(carol.googleSessions.status, 'unproven');
  // The STS session is residual exposure: never reported dead or expired, accepted by the IR lead with a reason until its Expiration.
  assert.equal(carol.stsSession.action, 'await-expiry');
  assert.equal(carol.stsSession.status, 'residual');
  assert.ok(!['verified-dead', 'verified-expired'].includes(carol.stsSession.status));
  const [residual, google] = out.saas.residual;
  assert.equal(residual.artifactId, carol.stsSession.id);
  assert.equal(residual.stillWorks, true, 'moto still accepts the session: shown, not hidden');
  assert.equal(residual.exception.grantedBy, 'irene');
  assert.match(residual.exception.reason, /AWSRevokeOlderSessions/);
  assert.equal(google.artifactId, carol.googleSessions.id);
  assert.equal(google.exception.grantedBy, 'irene');
  assert.equal(carol.exceptions.length, 4, 'exceptions only for the two validated factors, the STS session and the Google sessions');
  const rank = { 'self-report': 0, relist: 1, replay: 2 } as Record<string, number>;
  for (const p of carol.proofs.filter((x: { status: string }) => x.status === 'verified-dead')) assert.ok(rank[p.strength]! >= rank[p.required]!, `${p.id} (${p.kind}) proved at least as strongly as the policy requires (${p.strength} / ${p.required})`);
  const proof = (connector: string, kind: string) => carol.proofs.find((p: { connector: string; kind: string }) => p.connector === connector && p.kind === kind);
  assert.equal(proof('aws-iam:lab', 'api-key').strength, 'replay', 'the leaked AWS key is proved dead by replay');
  assert.deepEqual([proof('entra:lab', 'idp-session').status, proof('entra:lab', 'idp-session').strength], ['verified-dead', 'replay'], 'the Entra sessions are proved dead by the stolen refresh token, not only by signInSessionsValidFromDateTime');
  assert.deepEqual([proof('slack:lab', 'app-session').status, proof('slack:lab', 'app-session').strength], ['verified-dead', 'replay'], 'the stolen Slack session is proved dead by auth.test with its xoxc token and d cookie');
  for (const kind of ['oauth-grant', 'app-password']) assert.equal(proof('google-workspace:lab', kind).status, 'verified-dead', `Google ${kind} re-listed gone`);
  // svc-deploy: both credentials rotated first (the default policy's workload-keys-with-rotation), the old ones revoked only once each workload used its new one.
  const deploy = out.saas.svcDeploy;
  assert.deepEqual(deploy.actions.map((a: { connector: string; tier: string; action: string; status: string }) => [a.connector, a.tier, a.action, a.status]).sort(), [
    ['aws-iam:lab', 'scheduled-rotation', 'rotate-then-revoke', 'verified-dead'], ['github:lab', 'scheduled-rotation', 'rotate-then-revoke', 'verified-dead'],
  ]);
  assert.deepEqual(deploy.counts, { 'verified-dead': 2 });
  assert.equal(deploy.order.length, 2);
  for (const o of deploy.order) assert.ok(o.rotated >= 0 && o.rotated < o.adopted && o.adopted < o.revoked, `${o.artifactId}: rotated ${o.rotated} < adopted ${o.adopted} < revoked ${o.revoked} in the evidence`);
  assert.equal(deploy.workloads.aws.failed, 0, 'the deploy job never failed a call');
  assert.equal(deploy.workloads.deployer.failed, 0, 'the deployer never failed a fetch');
  assert.deepEqual(out.saas.simulatorViolations, [], "the simulators saw nothing outside the providers' descriptions and the labs' checks");

  // The incidents stay in the data directory: list, show and export work on them afterwards.
  const list = await cli(['--data-dir', data, '--json', 'incident', 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(list.json().map((i: { id: string }) => i.id).sort(), [...out.incidentIds].sort());
  const exported = await cli(['--data-dir', data, '--json', 'evidence', 'export', out.incidentId, '--out', join(data, 'again.json')]);
  assert.equal(exported.code, 0, exported.stderr);
  const verified = await cli(['evidence', 'verify', join(data, 'again.json')]);
  assert.equal(verified.code, 0, verified.stderr);
});
