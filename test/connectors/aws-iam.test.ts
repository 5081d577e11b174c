/**
 * The aws-iam connector against a real, independent IAM/STS implementation: a private
 * `moto_server` with credential checking ON (lab/aws/start.ts), so a deleted key is refused by STS
 * as on AWS. The shared conformance suite, then what only AWS-shaped credentials show: replaying a
 * leaked key, no collateral on the user's other key, the unavailable replay when the secret is not
 * held, moto's documented gaps (an Inactive key and an expired session still authenticate),
 * throttling, and discovery scoped to the subject. One moto_server serves the whole file; every
 * fixture works on its own IAM user.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateAccessKeyCommand, CreateLoginProfileCommand, CreateRoleCommand, CreateUserCommand, CreateVirtualMFADeviceCommand, EnableMFADeviceCommand,
  ListAccessKeysCommand, ListUserTagsCommand, ListVirtualMFADevicesCommand, PutUserPolicyCommand, UpdateAccessKeyCommand, UploadSigningCertificateCommand, UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startLabAws, type LabAws, type LabCredentials } from '../../lab/aws/start.ts';
import { awsIamModule, awsIamSettings } from '../../src/connectors/aws-iam/index.ts';
import { keyIdIn, withProfile } from '../../src/connectors/aws-iam/deliver.ts';
import { parseLeakedValue } from '../../src/connectors/aws-iam/leaked-value.ts';
import { ADOPTION_KEY, REPLAY_ACCESS_KEY, REPLAY_SESSION, RELIST_ACCESS_KEYS, RELIST_SIGNING_CERTS, ROTATE_KEY } from '../../src/connectors/aws-iam/manifest.ts';
import type { Connector, ConnectorDeps } from '../../src/connectors/contract.ts';
import { frozenClock, systemClock, type Clock } from '../../src/core/clock.ts';
import type { ArtifactHandle } from '../../src/core/model.ts';
import { DEFAULT_POLICY, requiredProof } from '../../src/core/policy.ts';
import { gradeProof, whatWouldProve } from '../../src/core/proof.ts';
import { assertCoded, runConnectorConformance, toHandle } from '../conformance/connector-conformance.ts';

const NAME = 'aws-iam:lab';
// Static test material: moto checks that a signing certificate is X.509 and an SSH key is a public key.
const CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATWgAwIBAgIUU/0/YFwoMJ+dz3OwYPdH4oIiljowCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRc2V2ZXItbGFiLXNpZ25pbmcwIBcNMjYxMjAyMTMzOTE4WhgP
MjEyNjExMDgxMzM5MThaMBwxGjAYBgNVBAMMEXNldmVyLWxhYi1zaWduaW5nMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtQdS7iR6tD3T7l7D+X2fJjyreZVkYsPl
cXNoZiFY+ol343JBVkVj+5R4YrN0j68cg00WQxEE+6cZ4GZFkSw6d6NTMFEwHQYD
VR0OBBYEFFO4y5HbTmC/uYwzSfnQ4TSgLxoRMB8GA1UdIwQYMBaAFFO4y5HbTmC/
uYwzSfnQ4TSgLxoRMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIh
ANWj3FQb5YSMth5/XAR/O2U/hQ2uMx9AkElGz4HGNlA7AiEA+7MpkSKWAOTBWLRf
10Y1zl0wwNAQxtwHJVJT+Iq0K1U=
-----END CERTIFICATE-----
`;
const SSH_KEY = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDKV2W3gXwBfTdFbKO0g8mZJeaPqCENVGEN+A4URTLd0SkbJ8T+UfJ3wNKMuQdFWIRYwK7U8KRWF9DVVY84xhMtdH+R13LZWd2mI4mSn/nfinNlUOH7XT/HOA9F/Ntw/FWkWWFFM4abVNMYAdJdxdlpqvbsIdAhHgLI9fhxa3DuMCDzOIWhBNbzRjjhRWEpQ6abm8sZWX2Cp7Z569UXn/qGdjpdv2FwLT7UIL4WTYpfqQ6b0P0NH0BBhgJSZ5hqmv4m4wY/kdPQMbVpMKbBtinRA9DS4pekaW6MqXP6NA75rsUZpERJBb4KMMXshE/cxjHAS9CeHZID0Xo2nHssBd1n sever-lab';

let lab: Promise<LabAws> | undefined;
/** One moto_server for the file, started on first use. */
const labAws = () => (lab ??= startLabAws());
after(async () => {
  if (lab) await lab.then((l) => l.close(), () => undefined);
});

let n = 0;
const fresh = (what = 'user') => `${what}-${process.pid}-${++n}`;

function connectorFor(o: { endpoint: string; credentials: LabCredentials; clock?: Clock; rotation?: { deliverTo: string; profile?: string } }): Connector {
  const refs: Record<string, string> = { 'env:AWS_KEY_ID': o.credentials.accessKeyId, 'env:AWS_SECRET': o.credentials.secretAccessKey };
  const deps: ConnectorDeps = { clock: o.clock ?? systemClock, fetch: globalThis.fetch, resolveSecret: async (ref) => refs[ref]! };
  return awsIamModule.create(NAME, awsIamSettings.parse({
    endpoint: o.endpoint, region: 'us-east-1', accessKeyIdRef: 'env:AWS_KEY_ID', secretAccessKeyRef: 'env:AWS_SECRET', timeoutMs: 3_000, ...(o.rotation ? { rotation: o.rotation } : {}),
  }), deps);
}
const connectorOf = (l: LabAws, clock?: Clock) => connectorFor({ endpoint: l.endpoint, credentials: l.admin, ...(clock ? { clock } : {}) });

const keyValue = (k: LabCredentials) => `${k.accessKeyId}:${k.secretAccessKey}`;

/** An IAM user with one access key (its secret returned, as a leak would give it). */
async function userWithKey(l: LabAws, user = fresh()): Promise<{ user: string; key: LabCredentials }> {
  const iam = l.iam();
  try {
    await iam.send(new CreateUserCommand({ UserName: user }));
    return { user, key: await newKey(l, user) };
  } finally {
    iam.destroy();
  }
}

async function newKey(l: LabAws, user: string): Promise<LabCredentials> {
  const iam = l.iam();
  try {
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
    return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
  } finally {
    iam.destroy();
  }
}

/** One of every standing credential IAM has for a user; answers the access key (with its secret). */
async function everyCredential(l: LabAws, user: string): Promise<LabCredentials> {
  const key = await newKey(l, user);
  const iam = l.iam();
  try {
    await iam.send(new UploadSigningCertificateCommand({ UserName: user, CertificateBody: CERT }));
    await iam.send(new CreateLoginProfileCommand({ UserName: user, Password: 'Leaked-Console-Pw-1' }));
    const mfa = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: fresh(`${user}-phone`) }))).VirtualMFADevice!;
    await iam.send(new EnableMFADeviceCommand({ UserName: user, SerialNumber: mfa.SerialNumber, AuthenticationCode1: '123456', AuthenticationCode2: '654321' }));
    await iam.send(new UploadSSHPublicKeyCommand({ UserName: user, SSHPublicKeyBody: SSH_KEY }));
  } finally {
    iam.destroy();
  }
  return key;
}

/** STS session credentials of a role, assumed by the admin (as an attacker holding them would). */
async function sessionOf(l: LabAws, durationSeconds = 900): Promise<{ value: string; expiresAt: string; credentials: LabCredentials }> {
  const iam = l.iam();
  const sts = l.sts(l.admin);
  try {
    const role = fresh('role');
    await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] }) }));
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::123456789012:role/${role}`, RoleSessionName: 'attacker', DurationSeconds: durationSeconds }))).Credentials!;
    const credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    return { value: `${c.AccessKeyId}:${c.SecretAccessKey}:${c.SessionToken}`, expiresAt: c.Expiration!.toISOString(), credentials };
  } finally {
    iam.destroy();
    sts.destroy();
  }
}

/** What `incident add-artifact --kind access-token --value-file … --expires-at …` hands the connector. */
const sessionHandle = (value: string, expiresAt: string, subjectId: string): ArtifactHandle => ({
  kind: 'access-token', externalId: 'sha256:session', label: 'leaked STS session', attributes: {}, revocable: false, secret: value, expiresAt, subjectId,
});

async function stsAccepts(l: LabAws, k: LabCredentials): Promise<boolean> {
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
}

runConnectorConformance({
  name: NAME,
  async setup() {
    const l = await labAws();
    const connector = connectorOf(l);
    const user = fresh();
    let created = false;
    return {
      connector,
      subject: { id: user, handle: user },
      async makeArtifacts() {
        if (!created) {
          const iam = l.iam();
          await iam.send(new CreateUserCommand({ UserName: user })).finally(() => iam.destroy());
          created = true;
        }
        const key = await everyCredential(l, user);
        const found = await connector.discover({ id: user, handle: user });
        // The leaked secret is what `incident amend --value-file` would give the key's artifact.
        return found.map((d) => toHandle(d.attributes?.accessKeyId === key.accessKeyId ? { ...d, secret: keyValue(key) } : d, user));
      },
      async makeNonRevocable() {
        const s = await sessionOf(l);
        return sessionHandle(s.value, s.expiresAt, user);
      },
      unreachable: () => connectorFor({ endpoint: 'http://127.0.0.1:1', credentials: l.admin }),
      badCredentials: () => connectorFor({ endpoint: l.endpoint, credentials: { accessKeyId: l.admin.accessKeyId, secretAccessKey: 'not-the-secret' } }),
      async teardown() {},
    };
  },
});

describe('aws-iam against moto_server (credential checking on)', () => {
  let l: LabAws;
  let c: Connector;
  before(async () => {
    l = await labAws();
    c = connectorOf(l);
  });

  it('a deleted key is refused by STS GetCallerIdentity (replay dead) while the user\'s other key still works', async () => {
    const { user, key: leaked } = await userWithKey(l);
    const other = await newKey(l, user);
    const found = await c.discover({ id: user, handle: user });
    const a = toHandle({ ...found.find((x) => x.attributes?.accessKeyId === leaked.accessKeyId)!, secret: keyValue(leaked) }, user);
    const before = await c.verify(a);
    assert.equal(before.verdict, 'live');
    assert.deepEqual(before.checks.map((x) => [x.path, x.result]), [[REPLAY_ACCESS_KEY, 'live'], [RELIST_ACCESS_KEYS, 'live']]);

    const out = await c.revoke(a);
    assert.equal(out.status, 'revoked');
    assert.deepEqual(out.response.body, { deactivated: true, deleted: true });
    const v = await c.verify(a);
    assert.equal(v.verdict, 'dead');
    assert.deepEqual(v.checks.map((x) => [x.path, x.result]), [[REPLAY_ACCESS_KEY, 'dead'], [RELIST_ACCESS_KEYS, 'dead']]);
    assert.equal(v.checks[0]!.observed.code, 'InvalidClientTokenId');
    assert.equal(v.unavailable, undefined);
    assert.ok(!JSON.stringify([out, v]).includes(leaked.secretAccessKey), 'the secret is in no outcome or observation');
    assert.equal(gradeProof(v.checks.map((x) => ({ ...x, strength: x.path === REPLAY_ACCESS_KEY ? 'replay' as const : 'relist' as const })), 'replay').verdict, 'dead');

    // No collateral: the other key of the same user still authenticates, and Sever still lists it.
    assert.equal(await stsAccepts(l, other), true);
    assert.equal(await stsAccepts(l, leaked), false);
    const after = await c.discover({ id: user, handle: user });
    assert.deepEqual(after.filter((x) => x.attributes?.credentialType === 'access-key').map((x) => x.attributes?.accessKeyId), [other.accessKeyId]);
  });

  it('a key given only as a leaked value (add-artifact: no discovery attributes) is revoked and replayed through its own id', async () => {
    const { user, key } = await userWithKey(l);
    const a: ArtifactHandle = { kind: 'api-key', externalId: 'sha256:leak', label: 'key found by a scanner', attributes: {}, revocable: true, secret: `${keyValue(key)}\n`, subjectId: user };
    assert.equal((await c.verify(a)).verdict, 'live');
    assert.equal((await c.revoke(a)).status, 'revoked');
    const v = await c.verify(a);
    assert.deepEqual([v.verdict, v.checks.map((x) => x.result)], ['dead', ['dead', 'dead']]);

    // Another user's key given to this subject's incident: IAM would answer NoSuchEntity (a false
    // "already revoked"); the owner is looked up and named instead, and the key is left alone.
    const { user: owner, key: foreign } = await userWithKey(l);
    const misfiled: ArtifactHandle = { ...a, externalId: 'sha256:foreign', secret: keyValue(foreign) };
    await assert.rejects(c.revoke(misfiled), (e) => (assertCoded(e, { code: 'ERR_INPUT_INVALID', retryable: false }), e.message.includes(`belongs to IAM user ${owner}`)));
    assert.equal(await stsAccepts(l, foreign), true);
    const fixed = { ...misfiled, attributes: { userName: owner } };
    assert.equal((await c.revoke(fixed)).status, 'revoked', 'with --attribute userName=<owner> it is revoked');
    assert.equal((await c.verify(fixed)).verdict, 'dead');
  });

  it('without the leaked secret the replay is named unavailable with how to give it, and the death is unproven under the default policy', async () => {
    const { user, key } = await userWithKey(l);
    const a = toHandle((await c.discover({ id: user, handle: user }))[0]!, user);
    assert.equal(a.secret, undefined);
    const before = await c.verify(a);
    assert.equal(before.verdict, 'live', 'the re-list still sees it');
    assert.equal(before.unavailable?.[0]?.path, REPLAY_ACCESS_KEY);
    assert.match(before.unavailable![0]!.why, /incident amend <incident> --artifact <artifactId> --value-file <file holding AccessKeyId:SecretAccessKey>/);

    await c.revoke(a);
    const v = await c.verify(a);
    assert.equal(v.verdict, 'dead');
    assert.deepEqual(v.checks.map((x) => x.path), [RELIST_ACCESS_KEYS], 'only the re-list ran');
    const grade = gradeProof(v.checks.map((x) => ({ ...x, strength: 'relist' as const })), requiredProof(DEFAULT_POLICY, { artifact: { kind: 'api-key', connector: NAME, attributes: a.attributes }, subjectType: 'human' }).requires,
      v.unavailable!.map((u) => ({ ...u, strength: 'replay' as const })));
    assert.equal(grade.verdict, 'unproven');
    assert.match(whatWouldProve(grade), /incident amend/);

    // The secret arrives later (incident amend --value-file): the replay runs and proves it.
    const amended = await c.verify({ ...a, secret: keyValue(key) });
    assert.deepEqual([amended.verdict, amended.checks.map((x) => [x.path, x.result]), amended.unavailable], ['dead', [[REPLAY_ACCESS_KEY, 'dead'], [RELIST_ACCESS_KEYS, 'dead']], undefined]);
  });

  it('a wrong or malformed held value is never read as proof: SignatureDoesNotMatch means the value is wrong, not that the key is dead', async () => {
    const { user, key } = await userWithKey(l);
    const d = toHandle((await c.discover({ id: user, handle: user }))[0]!, user);
    const wrong = await c.verify({ ...d, secret: `${key.accessKeyId}:not-the-secret-at-all` });
    assert.equal(wrong.verdict, 'live');
    assert.deepEqual(wrong.checks.map((x) => x.path), [RELIST_ACCESS_KEYS]);
    assert.match(wrong.unavailable![0]!.why, /SignatureDoesNotMatch.*held value is wrong/);
    const garbled = await c.verify({ ...d, secret: 'just-a-password' });
    assert.match(garbled.unavailable![0]!.why, /not AccessKeyId:SecretAccessKey/);
    assert.ok(!garbled.unavailable![0]!.why.includes('just-a-password'), 'the reason does not echo the value');
    const otherKey = await newKey(l, user);
    const mismatch = await c.verify({ ...d, secret: keyValue(otherKey) });
    assert.match(mismatch.unavailable![0]!.why, new RegExp(`is for access key ${otherKey.accessKeyId}, not ${key.accessKeyId}`));
  });

  it('GAP (moto): an Inactive key still authenticates at moto, so the replay reports it live, and only the delete kills it', async () => {
    const { user, key } = await userWithKey(l);
    const iam = l.iam();
    await iam.send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: key.accessKeyId, Status: 'Inactive' })).finally(() => iam.destroy());
    const a = toHandle({ ...(await c.discover({ id: user, handle: user }))[0]!, secret: keyValue(key) }, user);
    assert.equal(a.attributes.status, 'Inactive');
    const v = await c.verify(a);
    // What moto really does: GetCallerIdentity with the Inactive key answers. Sever reports what it sees (live), never "dead because Inactive".
    assert.equal(v.verdict, 'live');
    assert.deepEqual(v.checks.map((x) => [x.path, x.result]), [[REPLAY_ACCESS_KEY, 'live'], [RELIST_ACCESS_KEYS, 'live']]);
    assert.equal(v.checks[1]!.observed.status, 'Inactive');
    assert.equal((await c.revoke(a)).status, 'revoked', 'deactivate-then-delete');
    assert.equal((await c.verify(a)).verdict, 'dead');
  });

  it('a second revoke of every kind answers already_revoked (NoSuchEntity), and the virtual MFA device itself is deleted', async () => {
    const { user } = await userWithKey(l);
    await everyCredential(l, user);
    const all = (await c.discover({ id: user, handle: user })).map((d) => toHandle(d, user));
    assert.deepEqual([...new Set(all.map((a) => a.kind))].sort(), ['api-key', 'directory-account', 'mfa-factor', 'ssh-public-key']);
    for (const a of all) {
      assert.equal((await c.revoke(a)).status, 'revoked', a.externalId);
      const second = await c.revoke(a);
      assert.equal(second.status, 'already_revoked', a.externalId);
      assert.equal((await c.verify(a)).verdict, 'dead', a.externalId);
    }
    assert.deepEqual(await c.discover({ id: user, handle: user }), []);
    const iam = l.iam();
    const left = (await iam.send(new ListVirtualMFADevicesCommand({})).finally(() => iam.destroy())).VirtualMFADevices ?? [];
    assert.ok(!left.some((m) => m.SerialNumber?.includes(`mfa/${user}-phone`)), 'the virtual device is deleted, not only detached');
  });

  it('a signing certificate is proved by the re-list alone (no replay path exists), and names no unavailable path', async () => {
    const { user } = await userWithKey(l);
    await everyCredential(l, user);
    const cert = toHandle((await c.discover({ id: user, handle: user })).find((x) => x.attributes?.credentialType === 'signing-certificate')!, user);
    assert.equal((await c.revoke(cert)).status, 'revoked');
    const v = await c.verify(cert);
    assert.deepEqual([v.verdict, v.checks.map((x) => [x.path, x.result]), v.unavailable], ['dead', [[RELIST_SIGNING_CERTS, 'dead']], undefined]);
  });

  it('the default policy asks relist (not replay) of the credentials no API can replay: signing certificates and the console login', () => {
    const need = (kind: 'api-key' | 'directory-account', attributes: Record<string, string>) =>
      requiredProof(DEFAULT_POLICY, { artifact: { kind, connector: NAME, attributes }, subjectType: 'human' }).requires;
    assert.equal(need('api-key', { credentialType: 'access-key' }), 'replay', 'an access key is replayed');
    assert.equal(need('api-key', { credentialType: 'signing-certificate' }), 'relist', 'proof rule aws-signing-certificates (to be added to DEFAULT_PROOF by the lead)');
    assert.equal(need('directory-account', { credentialType: 'login-profile' }), 'relist', 'proof rule aws-console-login (to be added to DEFAULT_PROOF by the lead)');
  });

  it('STS session credentials cannot be revoked (ERR_NOT_REVOCABLE), survive the deletion of the key that minted them, and are replayed', async () => {
    const { user, key } = await userWithKey(l);
    const iam = l.iam();
    await iam.send(new PutUserPolicyCommand({ UserName: user, PolicyName: 'assume', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
    const role = fresh('role');
    await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] }) }));
    iam.destroy();
    const sts = l.sts(key);
    const s = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::123456789012:role/${role}`, RoleSessionName: 'attacker', DurationSeconds: 900 })).finally(() => sts.destroy())).Credentials!;
    const session = sessionHandle(`${s.AccessKeyId}:${s.SecretAccessKey}:${s.SessionToken}`, s.Expiration!.toISOString(), user);

    await assert.rejects(c.revoke(session), (e) => (assertCoded(e, { code: 'ERR_NOT_REVOCABLE', retryable: false }), /AWSRevokeOlderSessions/.test((e as Error).message)));
    const keyHandle = toHandle({ ...(await c.discover({ id: user, handle: user }))[0]!, secret: keyValue(key) }, user);
    await c.revoke(keyHandle);
    assert.equal((await c.verify(keyHandle)).verdict, 'dead', 'the key is dead');
    const v = await c.verify(session);
    assert.deepEqual([v.verdict, v.checks.map((x) => [x.path, x.result])], ['live', [[REPLAY_SESSION, 'live']]], 'its session is not: the residue the manifest names');
    assert.ok(!JSON.stringify(v).includes(s.SecretAccessKey!) && !JSON.stringify(v).includes(s.SessionToken!));
    const none = await c.verify({ ...session, secret: undefined } as ArtifactHandle);
    assert.match(none.unavailable![0]!.why, /AccessKeyId:SecretAccessKey:SessionToken/);
  });

  it('GAP (moto): an expired STS session still authenticates at moto, so it is never reported expired from moto\'s answer', async () => {
    const s = await sessionOf(l, 1);
    await new Promise((r) => setTimeout(r, 1_500));
    const h = sessionHandle(s.value, s.expiresAt, 'nobody');
    assert.ok(Date.parse(s.expiresAt) < Date.now(), 'past its Expiration');
    assert.equal(await stsAccepts(l, s.credentials), true, 'moto does not enforce session expiry');
    const v = await c.verify(h);
    assert.equal(v.verdict, 'live', 'accepted past its expiry: live, never `expired`');
    assert.equal(v.checks[0]!.observed.pastExpiry, true);
    // With a clock past expiry too, the answer still decides: `expired` needs a refusal.
    const later = connectorOf(l, frozenClock(Date.parse(s.expiresAt) + 3_600_000));
    assert.equal((await later.verify(h)).verdict, 'live');
  });

  it('discovery is repeatable and scoped to the subject; a user that does not exist has nothing', async () => {
    const { user: alice } = await userWithKey(l);
    const { user: bob, key: bobKey } = await userWithKey(l);
    await everyCredential(l, alice);
    await everyCredential(l, bob);
    const first = await c.discover({ id: alice, handle: alice });
    const second = await c.discover({ id: alice, handle: alice });
    assert.deepEqual(second, first);
    assert.equal(first.length, 6, 'two access keys, a certificate, the login profile, an MFA device, an SSH key');
    assert.ok(first.every((a) => a.attributes?.userName === alice));
    assert.ok(!JSON.stringify(first).includes(bob) && !JSON.stringify(first).includes(bobKey.accessKeyId), 'nothing of bob');
    assert.deepEqual(await c.discover({ id: fresh('ghost'), handle: 'ghost' }), []);
  });
});

describe('aws-iam rotation of an access key a workload uses (moto_server)', () => {
  let l: LabAws;
  let dir: string;
  before(async () => {
    l = await labAws();
    dir = mkdtempSync(join(tmpdir(), 'sever-aws-rotate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A workload's IAM user and key, its credentials file (with another profile beside it), and a rotating connector. */
  async function workload() {
    const { user, key } = await userWithKey(l);
    const file = join(dir, `${user}.credentials`);
    writeFileSync(file, `[other]\naws_access_key_id = AKIAOTHERPROFILE0001\naws_secret_access_key = keep-me\n\n[default]\nregion = us-east-1\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`, { mode: 0o600 });
    const c = connectorFor({ endpoint: l.endpoint, credentials: l.admin, rotation: { deliverTo: `file:${file}` } });
    const found = await c.discover({ id: user, handle: user });
    const a = toHandle({ ...found.find((x) => x.attributes?.accessKeyId === key.accessKeyId)!, secret: keyValue(key) }, user);
    return { user, key, file, c, a };
  }
  /** What the workload's SDK reads from the file now (the SDK's own shared-credentials loader). */
  const readBySdk = async (file: string, profile = 'default') => {
    const k = await fromIni({ filepath: file, configFilepath: `${file}.none`, profile, ignoreCache: true })();
    return { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey };
  };
  const keysOf = async (user: string) => {
    const iam = l.iam();
    try {
      return ((await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? []).map((k) => k.AccessKeyId!).sort();
    } finally {
      iam.destroy();
    }
  };

  it('issues a second key for the user, delivers it as a 0600 shared-credentials file the SDK reads (other profiles kept), and leaves the old key working', async () => {
    const { user, key, file, c, a } = await workload();
    assert.equal(a.attributes.rotatable, true, 'with rotation configured, access keys are rotatable');
    const out = await c.rotate!(a);
    assert.equal(out.status, 'rotated');
    assert.equal(out.method, ROTATE_KEY);
    const fresh = String((out.response.body as Record<string, unknown>).newAccessKeyId);
    assert.notEqual(fresh, key.accessKeyId);
    assert.deepEqual(await keysOf(user), [key.accessKeyId, fresh].sort());
    const delivered = await readBySdk(file);
    assert.equal(delivered.accessKeyId, fresh);
    assert.equal(await stsAccepts(l, delivered), true, 'the delivered secret authenticates');
    assert.equal(await stsAccepts(l, key), true, 'the old key still works until adoption');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal((await readBySdk(file, 'other')).secretAccessKey, 'keep-me', 'the other profile is untouched');
    assert.match(readFileSync(file, 'utf8'), /region = us-east-1/, "the profile's other settings are kept");
    assert.ok(!JSON.stringify(out).includes(delivered.secretAccessKey), 'the new secret is in no outcome');

    const again = await c.rotate!(a);
    assert.deepEqual([again.status, (again.response.body as Record<string, unknown>).newAccessKeyId], ['already_rotated', fresh]);
    assert.deepEqual(await keysOf(user), [key.accessKeyId, fresh].sort(), 'no third key, nothing replaced');
    const rediscovered = await c.discover({ id: user, handle: user });
    assert.equal(rediscovered.find((x) => x.attributes?.accessKeyId === fresh)?.attributes?.rotationOf, key.accessKeyId, "discovery names the key as Sever's rotation of the old one");
  });

  it('adoption is IAM\'s record of the new key being used: not adopted until the workload calls with it, then adopted', async () => {
    const { file, c, a } = await workload();
    const before = await c.adoption!(a);
    assert.deepEqual([before.adopted, before.checks[0]!.observed.newAccessKeyId], [false, null], 'nothing rotated yet');
    await c.rotate!(a);
    const waiting = await c.adoption!(a);
    assert.equal(waiting.adopted, false);
    assert.equal(waiting.checks[0]!.path, ADOPTION_KEY);
    assert.equal(waiting.checks[0]!.observed.newKeyLastUsedAt, null);
    assert.equal(await stsAccepts(l, await readBySdk(file)), true, 'the workload calls with the new key');
    const seen = await c.adoption!(a);
    assert.equal(seen.adopted, true);
    assert.equal(seen.checks[0]!.observed.newKeyService, 'sts');
    assert.ok(Date.parse(String(seen.checks[0]!.observed.newKeyLastUsedAt)) > 0);
  });

  it('a lost delivery: the key made by the lost call is deleted (its secret is gone with the call) and a new one delivered; a used one is never deleted', async () => {
    const { user, key, file, c, a } = await workload();
    const original = readFileSync(file, 'utf8');
    const first = String(((await c.rotate!(a)).response.body as Record<string, unknown>).newAccessKeyId);
    writeFileSync(file, original, { mode: 0o600 }); // the delivery never happened, as far as the workload knows
    const out = await c.rotate!(a);
    const body = out.response.body as Record<string, unknown>;
    assert.equal(out.status, 'rotated');
    assert.equal(body.replacedUndelivered, first);
    assert.notEqual(body.newAccessKeyId, first);
    assert.deepEqual(await keysOf(user), [key.accessKeyId, String(body.newAccessKeyId)].sort(), 'the undelivered key is gone; still two keys');
    assert.equal((await readBySdk(file)).accessKeyId, body.newAccessKeyId);

    // The delivered key is used by someone, then the file loses it again: Sever does not delete a used key.
    assert.equal(await stsAccepts(l, await readBySdk(file)), true);
    writeFileSync(file, original, { mode: 0o600 });
    const e = await c.rotate!(a).catch((x: unknown) => x);
    assertCoded(e, { code: 'ERR_PROVIDER_REJECTED', retryable: false });
    assert.match(e.message, /IAM saw it used at .*someone holds it/);
    assert.deepEqual(await keysOf(user), [key.accessKeyId, String(body.newAccessKeyId)].sort(), 'nothing deleted');
  });

  it('a user that already has a second key is refused, naming IAM\'s limit of two and both keys; nothing is created or deleted', async () => {
    const { user, key, c, a } = await workload();
    const second = await newKey(l, user);
    const e = await c.rotate!(a).catch((x: unknown) => x);
    assertCoded(e, { code: 'ERR_PROVIDER_REJECTED', retryable: false });
    assert.equal(e.details.limit, 'AccessKeysPerUser=2');
    assert.deepEqual(e.details.accessKeys, [key.accessKeyId, second.accessKeyId]);
    assert.match(e.message, new RegExp(`already has two access keys \\(${key.accessKeyId} and ${second.accessKeyId} \\(Active`));
    assert.deepEqual(await keysOf(user), [key.accessKeyId, second.accessKeyId].sort());
    const iam = l.iam();
    const tags = (await iam.send(new ListUserTagsCommand({ UserName: user })).finally(() => iam.destroy())).Tags ?? [];
    assert.deepEqual(tags, [], 'no rotation mark left behind');
  });

  it('GAP (moto): moto records a key as used as soon as a request names it, even one whose signature it refuses, so one refused request reads as adoption there', async () => {
    const { file, c, a } = await workload();
    await c.rotate!(a);
    const { accessKeyId } = await readBySdk(file);
    const sts = l.sts({ accessKeyId, secretAccessKey: 'not-the-secret' });
    await assert.rejects(sts.send(new GetCallerIdentityCommand({})).finally(() => sts.destroy()), (x: Error) => x.name === 'SignatureDoesNotMatch');
    const obs = await c.adoption!(a);
    assert.equal(obs.adopted, true, 'what moto really does: a refused request marks the key used, so adoption at moto can be fooled by one');
  });

  it('only access keys rotate; without rotation settings the key is not rotatable and rotate is a configuration error', async () => {
    const { user, a } = await workload();
    const plain = connectorOf(l);
    assert.equal((await plain.discover({ id: user, handle: user }))[0]!.attributes?.rotatable, undefined);
    assertCoded(await plain.rotate!(a).catch((x: unknown) => x), { code: 'ERR_CONNECTOR_CONFIG', retryable: false });
    const cert = { ...a, attributes: { ...a.attributes, credentialType: 'signing-certificate', certificateId: 'X' } };
    const rotating = connectorFor({ endpoint: l.endpoint, credentials: l.admin, rotation: { deliverTo: `file:${join(dir, 'unused')}` } });
    assertCoded(await rotating.rotate!(cert).catch((x: unknown) => x), { code: 'ERR_INPUT_INVALID' });
  });
});

describe('aws-iam shared-credentials file', () => {
  it('replaces one profile\'s keys, keeps its other settings and every other profile, and appends a missing profile', () => {
    const text = '# managed by hand\n[default]\naws_access_key_id = AKIAOLD0000000000001\naws_secret_access_key = old\nregion = eu-west-1\n\n[ci]\naws_access_key_id = AKIACI00000000000001\naws_secret_access_key = ci\n';
    const out = withProfile(text, 'default', { accessKeyId: 'AKIANEW0000000000001', secretAccessKey: 'new' });
    assert.equal(keyIdIn(out, 'default'), 'AKIANEW0000000000001');
    assert.equal(keyIdIn(out, 'ci'), 'AKIACI00000000000001');
    assert.match(out, /^# managed by hand\n\[default\]\naws_access_key_id = AKIANEW0000000000001\naws_secret_access_key = new\nregion = eu-west-1\n/);
    assert.ok(!out.includes('= old'));
    const added = withProfile('', 'worker', { accessKeyId: 'AKIANEW0000000000002', secretAccessKey: 's' });
    assert.equal(added, '[worker]\naws_access_key_id = AKIANEW0000000000002\naws_secret_access_key = s\n');
    assert.equal(keyIdIn(withProfile(text, 'worker', { accessKeyId: 'AKIANEW0000000000003', secretAccessKey: 's' }), 'default'), 'AKIAOLD0000000000001');
  });
});

describe('aws-iam leaked values', () => {
  it('takes AccessKeyId:Secret, AccessKeyId:Secret:SessionToken and the JSON the AWS CLI prints; refuses anything else without echoing it', () => {
    assert.deepEqual(parseLeakedValue(' AKIAEXAMPLE000000001:s3cr/t+x \n'), { credential: { accessKeyId: 'AKIAEXAMPLE000000001', secretAccessKey: 's3cr/t+x' } });
    assert.deepEqual(parseLeakedValue('ASIAEXAMPLE000000001:s:tok'), { credential: { accessKeyId: 'ASIAEXAMPLE000000001', secretAccessKey: 's', sessionToken: 'tok' } });
    const cli = JSON.stringify({ Credentials: { AccessKeyId: 'ASIAEXAMPLE000000001', SecretAccessKey: 's', SessionToken: 'tok', Expiration: '2026-12-02T14:00:00Z' } });
    assert.deepEqual(parseLeakedValue(cli), { credential: { accessKeyId: 'ASIAEXAMPLE000000001', secretAccessKey: 's', sessionToken: 'tok' } });
    for (const bad of ['hunter2', 'notakey:secret', '{"x":1}', 'AKIAEXAMPLE000000001:']) {
      const r = parseLeakedValue(bad);
      assert.ok('problem' in r && !r.problem.includes(bad), bad);
    }
  });
});

describe('aws-iam error mapping', () => {
  let server: Server;
  let endpoint: string;
  let answer: { status: number; body: string; headers?: Record<string, string> };
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(answer.status, { 'content-type': 'text/xml', ...answer.headers }).end(answer.body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const errorXml = (code: string) => `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${code}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`;
  const key: ArtifactHandle = { kind: 'api-key', externalId: 'access-key:AKIAEXAMPLE000000001', label: 'k', revocable: true, subjectId: 'alice', attributes: { credentialType: 'access-key', accessKeyId: 'AKIAEXAMPLE000000001', userName: 'alice' }, secret: 'AKIAEXAMPLE000000001:secret' };
  const c = () => connectorFor({ endpoint, credentials: { accessKeyId: 'AKIAADMIN00000000001', secretAccessKey: 'x' } });

  it('400 Throttling is ERR_PROVIDER_RATE_LIMITED, retryable, with Retry-After when given; also on the replay path', async () => {
    answer = { status: 400, body: errorXml('Throttling'), headers: { 'retry-after': '2' } };
    const e = await c().discover({ id: 'alice', handle: 'alice' }).catch((x: unknown) => x);
    assertCoded(e, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
    assert.equal(e.retryAfterMs, 2_000);
    answer = { status: 400, body: errorXml('Throttling') };
    const r = await c().verify(key).catch((x: unknown) => x);
    assertCoded(r, { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
    assert.equal(r.retryAfterMs, undefined);
    assert.ok(!JSON.stringify(r).includes('secret'));
  });

  it('429 and 503 are retryable; an unknown 4xx of Sever\'s own call is rejected, not retryable', async () => {
    answer = { status: 429, body: '' };
    assertCoded(await c().revoke(key).catch((x: unknown) => x), { code: 'ERR_PROVIDER_RATE_LIMITED', retryable: true });
    answer = { status: 503, body: errorXml('ServiceUnavailable') };
    assertCoded(await c().revoke(key).catch((x: unknown) => x), { code: 'ERR_PROVIDER_UNAVAILABLE', retryable: true });
    answer = { status: 403, body: errorXml('AccessDenied') };
    const denied = await c().revoke(key).catch((x: unknown) => x);
    assertCoded(denied, { code: 'ERR_PROVIDER_REJECTED', retryable: false });
    assert.match(denied.message, /lack a permission/);
  });
});
