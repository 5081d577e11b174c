import { execFileSync } from 'node:child_process';
/**
 * The CLI as a user meets it: every bad input gets a coded error naming what is wrong and a
 * non-zero exit; secrets never appear in output.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startLabIdp, type LabIdp } from '../../lab/idp/start.ts';
import { DRILL_RUNBOOK as RUNBOOK, drillConfig } from '../../lab/drill/run-drill.ts';
import { cli } from '../support/cli.ts';
import { tempDir } from '../support/databases.ts';

describe('sever CLI', () => {
  let lab: LabIdp;
  let dir: string;
  let g: string[];
  before(async () => {
    lab = await startLabIdp();
    dir = tempDir('sever-cli-');
    writeFileSync(join(dir, 'sever.yaml'), stringify(drillConfig(lab, dir)));
    g = ['--config', join(dir, 'sever.yaml'), '--data-dir', join(dir, 'data')];
  });
  after(async () => lab?.close());

  it('names a missing configuration file (exit 2)', async () => {
    const r = await cli(['--config', join(dir, 'nope.yaml'), '--data-dir', join(dir, 'd2'), 'incident', 'list']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ERR_CONFIG_NOT_FOUND: .*nope\.yaml/);
  });

  it('names the bad field of an invalid configuration (exit 2)', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, stringify({ version: 1, connectors: { 'keycloak:lab': { settings: { baseUrl: 'not a url', realm: 'lab' } } }, runbook: { version: 1, roles: {} } }));
    const r = await cli(['--config', bad, '--data-dir', join(dir, 'd3'), '--json', 'incident', 'list']);
    assert.equal(r.code, 2);
    const e = r.json().error;
    assert.equal(e.code, 'ERR_CONFIG_INVALID');
    assert.match(e.message, /baseUrl/);
  });

  it('rejects an unknown connector kind and a bad connector name', async () => {
    const bad = join(dir, 'bad2.yaml');
    writeFileSync(bad, stringify({ version: 1, connectors: { 'vault:x': { settings: {} } }, runbook: RUNBOOK }));
    const r = await cli(['--config', bad, '--data-dir', join(dir, 'd4'), 'incident', 'list']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ERR_CONNECTOR_UNKNOWN: connectors\.vault:x: unknown connector kind vault/);
    writeFileSync(bad, stringify({ version: 1, connectors: { keycloak: { settings: {} } }, runbook: RUNBOOK }));
    const r2 = await cli(['--config', bad, '--data-dir', join(dir, 'd4'), 'incident', 'list']);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /kind:instance/);
  });

  it('refuses bad arguments with the option named', async () => {
    const t = await cli([...g, 'incident', 'open', '--subject', 'alice', '--subject-type', 'robot']);
    assert.equal(t.code, 2);
    assert.match(t.stderr, /--subject-type robot: expected one of human, service-account, workload, ai-agent/);
    const i = await cli([...g, 'incident', 'open', '--subject', 'alice', '--id', 'keycloak:lab']);
    assert.equal(i.code, 2);
    assert.match(i.stderr, /--id keycloak:lab: expected connector=identifier/);
    const u = await cli([...g, 'incident', 'open', '--subject', 'alice', '--id', 'okta:prod=alice', '--as', 'ida']);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /ERR_CONNECTOR_UNKNOWN: subject identifier for okta:prod/);
    const m = await cli([...g, 'incident', 'open']);
    assert.equal(m.code, 2);
    assert.match(m.stderr, /--subject/);
    const n = await cli([...g, 'incident', 'show', 'inc_missing']);
    assert.equal(n.code, 1);
    assert.match(n.stderr, /ERR_INCIDENT_NOT_FOUND: no incident inc_missing/);
  });

  it('adds a leaked token by value, keeps only its hash in evidence, contains it, and refuses bad add-artifact input', async () => {
    const login = await lab.login('carol', 'app', { offline: true });
    const opened = await cli([...g, '--json', 'incident', 'open', '--subject', 'carol', '--as', 'ida']);
    const id = opened.json().id;
    const leak = join(dir, 'leak.txt');
    writeFileSync(leak, `${login.refreshToken}\n`);
    const none = await cli([...g, 'incident', 'add-artifact', id, '--connector', 'keycloak:lab', '--kind', 'refresh-token']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /exactly one of --value-file or --ref/);
    const kind = await cli([...g, 'incident', 'add-artifact', id, '--connector', 'keycloak:lab', '--kind', 'ssh-certificate', '--value-file', leak, '--as', 'ida']);
    assert.equal(kind.code, 2);
    assert.match(kind.stderr, /connector keycloak:lab handles/);
    const missing = await cli([...g, 'incident', 'add-artifact', id, '--connector', 'keycloak:lab', '--kind', 'refresh-token', '--value-file', join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--value-file .*nope: cannot read \(ENOENT\)/);
    const badAttr = await cli([...g, 'incident', 'add-artifact', id, '--connector', 'keycloak:lab', '--kind', 'refresh-token', '--value-file', leak, '--attribute', 'clientId']);
    assert.equal(badAttr.code, 2);
    assert.match(badAttr.stderr, /--attribute clientId: expected name=value/);
    const twice = await cli([...g, 'incident', 'add-artifact', id, '--connector', 'keycloak:lab', '--kind', 'refresh-token', '--value-file', leak, '--attribute', 'clientId=app', '--attribute', 'clientId=crm']);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /--attribute clientId: given twice/);
    // The owning client lets verification replay the leaked refresh token as that client.
    const added = await cli([...g, '--json', 'incident', 'add-artifact', id, '--connector', 'keycloak:lab', '--kind', 'refresh-token', '--value-file', leak, '--label', 'found by the secret scanner', '--attribute', 'clientId=app', '--as', 'ida']);
    assert.equal(added.code, 0, added.stderr);
    const contained = await cli([...g, '--json', 'incident', 'contain', id, '--as', 'eddie']);
    assert.equal(contained.code, 0, contained.stderr);
    assert.equal(contained.json().byStatus['verified-dead'], 1);
    const exported = await cli([...g, '--json', 'evidence', 'export', id]);
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(exported.json().path, 'utf8');
    assert.ok(!text.includes(login.refreshToken!), 'the token value never reaches the evidence');
    const entries = JSON.parse(text).entries as Array<{ type: string; payload: any }>;
    assert.equal(entries.find((e) => e.type === 'artifact.added')?.payload.attributes.clientId, 'app');
    const paths = entries.filter((e) => e.type === 'verify.observation').flatMap((e) => e.payload.observations).flatMap((o: any) => o.checks ?? []).map((c: any) => c.path);
    assert.ok(paths.includes('refresh-replay'), `verified by replaying the token as its client: ${paths.join(', ')}`);
    const shown = await cli([...g, 'incident', 'show', id]);
    assert.ok(!shown.stdout.includes(login.refreshToken!) && !shown.stdout.includes(lab.adminToken) && !shown.stderr.includes(lab.adminToken));
  });

  it('refuses to close without sign-offs, listing each, with exit 1', async () => {
    const opened = await cli([...g, '--json', 'incident', 'open', '--subject', 'nobody', '--as', 'ida']);
    const id = opened.json().id;
    await cli([...g, 'incident', 'discover', id, '--as', 'ida']);
    await cli([...g, 'incident', 'plan', id, '--as', 'ida']);
    const badTier = await cli([...g, 'incident', 'contain', id, '--as', 'eddie', '--tier', 'urgent']);
    assert.equal(badTier.code, 2);
    assert.match(badTier.stderr, /--tier urgent: expected one of immediate, scheduled-rotation, post-incident-validation/);
    assert.equal((await cli([...g, 'incident', 'contain', id, '--as', 'eddie'])).code, 0, 'nothing to contain: complete');
    // Each person's own key, made by ssh-keygen for the runbook (lab/drill/people.ts).
    const key = (who: string) => join(dir, 'people', `id_${who}`);
    const unsigned = await cli([...g, '--json', 'incident', 'close', id, '--as', 'irene']);
    assert.equal(unsigned.code, 2, 'a closure by a typed name is bad input: it must be signed');
    assert.match(unsigned.json().error.message, /must be signed with your own SSH key/);
    const r = await cli([...g, '--json', 'incident', 'close', id, '--as', 'irene', '--key', key('irene')]);
    assert.equal(r.code, 1);
    const missing = r.json().error.details.missing.map((m: { code: string }) => m.code);
    assert.ok(missing.includes('MISSING_SIGNOFF'));
    const s = await cli([...g, 'incident', 'signoff', id, '--role', 'ir-lead', '--as', 'mallory', '--key', key('irene')]);
    assert.equal(s.code, 1);
    assert.match(s.stderr, /ERR_ATTESTATION_INVALID.*mallory has no registered SSH key/s);
    const other = await cli([...g, 'incident', 'signoff', id, '--role', 'ir-lead', '--as', 'irene', '--key', key('ida')]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /not one of irene's registered keys/);
    const notHers = await cli([...g, 'incident', 'signoff', id, '--role', 'ir-lead', '--as', 'ida', '--key', key('ida')]);
    assert.equal(notHers.code, 1);
    assert.match(notHers.stderr, /ERR_SIGNOFF_REFUSED/);
    // Signed elsewhere: the statement printed to a file, signed with OpenSSH, submitted with its signature.
    const file = join(dir, 'statement.json');
    assert.equal((await cli([...g, 'incident', 'statement', id, '--action', 'signoff', '--role', 'identity-engineering', '--as', 'ida', '--out', file])).code, 0);
    execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-n', 'sever-attestation', '-f', key('ida'), file]);
    const offline = await cli([...g, '--json', 'incident', 'signoff', id, '--role', 'identity-engineering', '--as', 'ida', '--statement', file, '--signature', `${file}.sig`]);
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.json().keyFingerprint, /^SHA256:/);
    const shown = (await cli([...g, '--json', 'incident', 'show', id])).json();
    assert.deepEqual(shown.signoffs.map((x: { person: string }) => x.person), ['ida']);
    // The same signed statement cannot be replayed as another role.
    const replay = await cli([...g, 'incident', 'signoff', id, '--role', 'ir-lead', '--as', 'ida', '--statement', file, '--signature', `${file}.sig`]);
    assert.equal(replay.code, 1);
  });

  it('verifies bundles offline: garbage is unreadable, exit 1', async () => {
    const f = join(dir, 'garbage.json');
    writeFileSync(f, '{not json');
    const r = await cli(['evidence', 'verify', f]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ERR_BUNDLE_UNREADABLE/);
    const missing = await cli(['evidence', 'verify', join(dir, 'absent.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ERR_BUNDLE_UNREADABLE/);
  });
});
