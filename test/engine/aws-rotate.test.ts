/**
 * rotate-then-revoke of an AWS access key through the engine, against moto_server (credential
 * checking on) and a real dependent workload that re-reads its shared-credentials file through the
 * AWS SDK's own loader and calls STS every 50 ms: the engine issues a second key, waits until IAM
 * has seen it used (GetAccessKeyLastUsed), and only then deactivates and deletes the old key, proved
 * dead by replaying it. A workload that never re-reads its file leaves the old key live and the
 * step failed at the adoption deadline.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startLabAws, type LabAws, type LabCredentials } from '../../lab/aws/start.ts';
import { startAwsWorkload, type AwsWorkload } from '../../lab/aws/workload.ts';
import { awsIamModule, awsIamSettings } from '../../src/connectors/aws-iam/index.ts';
import type { Connector } from '../../src/connectors/contract.ts';
import { systemClock } from '../../src/core/clock.ts';
import { DEFAULT_POLICY, type Policy } from '../../src/core/policy.ts';
import { listLedger } from '../../src/store/repo.ts';
import { startHarness, type Harness } from '../support/engine-harness.ts';

const NAME = 'aws-iam:lab';

/** The default policy rotates a workload's rotatable keys first (rule workload-keys-with-rotation). */
const POLICY: Policy = DEFAULT_POLICY;

describe('rotate-then-revoke of an AWS access key through the engine (PGlite store, moto_server)', { timeout: 120_000 }, () => {
  let l: LabAws;
  let dir: string;
  const open: Array<{ h?: Harness; w: AwsWorkload }> = [];
  before(async () => {
    l = await startLabAws();
    dir = mkdtempSync(join(tmpdir(), 'sever-aws-rtr-'));
  });
  after(async () => {
    for (const { h, w } of open) {
      await w.stop();
      await h?.close();
    }
    await l?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stsAccepts = async (k: LabCredentials) => {
    const sts = l.sts(k);
    try {
      await sts.send(new GetCallerIdentityCommand({}));
      return true;
    } catch (e) {
      assert.equal((e as Error).name, 'InvalidClientTokenId');
      return false;
    } finally {
      sts.destroy();
    }
  };

  async function setup(user: string, rereads: boolean, adoptionDeadlineMs: number) {
    const iam = l.iam();
    await iam.send(new CreateUserCommand({ UserName: user }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: user })).finally(() => iam.destroy())).AccessKey!;
    const old = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    const file = join(dir, `${user}.credentials`);
    writeFileSync(file, `[default]\naws_access_key_id = ${old.accessKeyId}\naws_secret_access_key = ${old.secretAccessKey}\n`, { mode: 0o600 });
    const refs: Record<string, string> = { 'env:ID': l.admin.accessKeyId, 'env:SECRET': l.admin.secretAccessKey };
    const base = awsIamModule.create(NAME, awsIamSettings.parse({ endpoint: l.endpoint, accessKeyIdRef: 'env:ID', secretAccessKeyRef: 'env:SECRET', timeoutMs: 3_000, rotation: { deliverTo: `file:${file}` } }), {
      clock: systemClock, fetch: globalThis.fetch, resolveSecret: async (ref) => refs[ref]!,
    });
    const connector: Connector = { ...base, manifest: { ...base.manifest, adoptionPolicy: { pollIntervalMs: 100, deadlineMs: adoptionDeadlineMs }, verifyPolicy: { pollIntervalMs: 100, deadlineMs: 10_000 } } };
    const h = await startHarness('pglite', [connector], systemClock, {}, POLICY);
    const w = await startAwsWorkload({ endpoint: l.endpoint, credentialFile: file, everyMs: 50, rereads });
    open.push({ h, w });
    await w.waitForKey(old.accessKeyId, 10_000);
    const id = await h.engine.openIncident({ subject: { type: 'workload', handle: user, identifiers: { [NAME]: user } }, actor: 'ida' });
    await h.engine.discover(id, 'ida');
    // The leaked key, as the responder has it: its death is then proved by a refused replay.
    const key = (await h.engine.show(id)).artifacts.find((x) => x.kind === 'api-key')!;
    await h.engine.amendArtifact(id, { artifactId: key.id, value: `${old.accessKeyId}:${old.secretAccessKey}`, actor: 'ida' });
    const p = await h.engine.plan(id, 'ida');
    return { h, w, id, p, old, file, artifactId: key.id };
  }

  type Entry = { seq: number; type: string; payload: any };

  it('moves the workload to a new key first, then kills the old one; the workload never fails, and the evidence shows the order', async () => {
    const user = `svc-rtr-${process.pid}`;
    const { h, w, id, p, old, artifactId } = await setup(user, true, 20_000);
    const item = p.items.find((i) => i.artifactId === artifactId)!;
    assert.deepEqual([item.tier, item.action], ['scheduled-rotation', 'rotate-then-revoke']);

    const s = await h.engine.contain(id, 'eddie');
    assert.deepEqual(s.byStatus, { 'verified-dead': 1 });
    assert.equal(await stsAccepts(old), false, 'the old key is refused by STS');
    const now = w.keyId();
    assert.ok(now && now !== old.accessKeyId, `the workload runs on the new key (${now})`);
    const ok = w.stats().ok;
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(w.stats().ok > ok, 'the workload keeps working');
    assert.equal(w.stats().failed, 0, `not one call of the workload failed (${w.stats().lastError ?? ''})`);

    const entries = (await listLedger(h.conn.db, id)) as Entry[];
    const seqOf = (type: string, has: (x: any) => boolean) => entries.find((e) => e.type === type && has(e.payload))?.seq ?? -1;
    const rotated = seqOf('rotate.response', (x) => x.responses.some((r: any) => r.artifactId === artifactId && r.status === 'rotated'));
    const adopted = seqOf('rotate.adoption', (x) => x.observations.some((o: any) => o.artifactId === artifactId && o.adopted === true));
    const revoked = seqOf('revoke.response', (x) => x.responses.some((r: any) => r.artifactId === artifactId));
    assert.ok(rotated >= 0 && rotated < adopted && adopted < revoked, `rotated ${rotated} < adopted ${adopted} < revoked ${revoked}`);
    const adoption = entries.find((e) => e.seq === adopted)!.payload.observations.find((o: any) => o.artifactId === artifactId);
    assert.equal(JSON.stringify(adoption).includes(now), true, 'the adoption evidence names the new key IAM saw used');
    const view = await h.engine.show(id);
    assert.equal(view.artifacts.find((a) => a.id === artifactId)?.status, 'verified-dead');
    assert.ok(!JSON.stringify(entries).includes(old.secretAccessKey), 'no secret in the evidence');
  });

  it('a workload that never re-reads its file: the step fails at the adoption deadline with the old key still live; once it does, containing again reuses the same new key', async () => {
    const user = `svc-stuck-${process.pid}`;
    const { h, w, id, old, file, artifactId } = await setup(user, false, 1_500);
    const s = await h.engine.contain(id, 'eddie');
    assert.equal(s.byStatus.failed, 1, JSON.stringify(s.byStatus));
    assert.equal(await stsAccepts(old), true, 'the old key was not killed under the workload');
    assert.equal(w.keyId(), old.accessKeyId);
    assert.equal(w.stats().failed, 0, 'and the workload kept working on it');
    const entries = (await listLedger(h.conn.db, id)) as Entry[];
    const err = entries.filter((e) => e.type === 'revoke.error').flatMap((e) => e.payload.errors).find((x: any) => x.artifactId === artifactId);
    assert.equal(err?.error.code, 'ERR_ROTATION_NOT_ADOPTED');
    assert.equal(err.error.details.checks[0].observed.newKeyLastUsedAt, null, 'the evidence shows IAM never saw the new key used');
    assert.ok(Date.parse(err.error.details.checks[0].observed.oldKeyLastUsedAt) > 0, '…while the old one was');

    // The owning team fixes the workload (it now re-reads its file); containing again waits anew.
    await w.stop();
    const fixed = await startAwsWorkload({ endpoint: l.endpoint, credentialFile: file, everyMs: 50 });
    open.push({ w: fixed });
    const again = await h.engine.contain(id, 'eddie');
    assert.equal(again.byStatus['verified-dead'], 1, JSON.stringify(again.byStatus));
    assert.equal(await stsAccepts(old), false);
    const later = (await listLedger(h.conn.db, id)) as Entry[];
    const first = later.find((e) => e.type === 'rotate.response' && e.payload.responses.some((r: any) => r.artifactId === artifactId && r.status === 'rotated'));
    const second = later.find((e) => e.type === 'rotate.response' && e.payload.responses.some((r: any) => r.artifactId === artifactId && r.status === 'already_rotated'));
    assert.ok(first && second, 'the second run found the key the first had made');
    assert.equal(fixed.keyId(), first.payload.responses.find((r: any) => r.artifactId === artifactId).response.body.newAccessKeyId, 'the same new key, not a second one');
    assert.equal(fixed.stats().failed, 0);
  });
});
