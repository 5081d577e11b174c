/**
 * The drill's SaaS planes: the Okta simulator, the GitHub simulator (each validating every request
 * and response against the provider's own description), a private moto_server (IAM and STS,
 * credential checking on), and the Google Workspace, Entra and Slack simulators (one file each:
 * google-plane.ts, entra-plane.ts, slack-plane.ts). Seeds two compromises there and proves from
 * outside, with the attacker's copies through the providers' own SDKs, that they no longer work:
 *   carol (a person, handle carol@lab.test): an Okta session with refresh tokens of two clients,
 *     an MFA factor the attacker enrolled after the compromise beside her own older one, her SSWS
 *     API token; an AWS access key (its secret leaked) and an STS session minted from it; a GitHub
 *     fine-grained PAT with org access and a leaked classic token; a Google sign-in, her OAuth
 *     token of a third-party client and an app-specific password; an Entra refresh token, an
 *     attacker-registered authentication method and a delegated permission grant; a Slack browser
 *     session (xoxc with its d cookie);
 *   svc-deploy (a service account): the AWS access key of a deploy job and a GitHub deploy key,
 *     each used by a running workload (a deploy job calling STS with the key in its shared-credentials
 *     file, a deployer fetching infra with the private key in its key file): both are rotated first
 *     (the new credentials delivered to those files) and the old ones revoked once each provider has
 *     seen the workload use its new one.
 * bob is the control in each plane.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import okta from '@okta/okta-sdk-nodejs';
import { Octokit } from '@octokit/rest';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startLabOkta, type LabOkta } from '../okta/start.ts';
import { startGithubLab, type GithubLab } from '../github/start.ts';
import { startLabAws, type LabAws, type LabCredentials } from '../aws/start.ts';
import { startAwsWorkload, type AwsWorkload } from '../aws/workload.ts';
import { startDeployKeyWorkload, type DeployKeyWorkload } from '../github/workload.ts';
import { generateEd25519 } from '../../src/connectors/github/ssh-key.ts';
import type { LabGoogle } from '../google/start.ts';
import type { LabEntra } from '../entra/start.ts';
import type { LabSlack } from '../slack/start.ts';
import type { Check } from './outside-checks.ts';
import { googleChecks, googleConnector, googleSessionFact, googleViolations, seedGoogle, startGoogle, type GoogleCompromise } from './google-plane.ts';
import { CAROL_ENTRA, entraChecks, entraConnector, entraViolations, seedEntra, startEntra, type EntraCompromise } from './entra-plane.ts';
import { seedSlack, slackChecks, slackConnector, slackViolations, startSlack, type SlackCompromise } from './slack-plane.ts';

export { CAROL_ENTRA };

export const CAROL = 'carol@lab.test';
export const CAROL_GITHUB = 'carol-gh';
export const CAROL_IAM = 'carol';
export const SVC_DEPLOY = 'svc-deploy';
/** Okta OAuth clients carol holds refresh tokens of. */
export const OKTA_CLIENTS = ['crm', 'mail'] as const;
const DEPLOY_REPO = 'infra';
const DEPLOY_KEY_TITLE = 'deploy job';

/** Where svc-deploy's workloads read their credentials, and where the rotations deliver the new ones. */
export const svcDeployFiles = (dir: string) => ({ awsCredentials: join(dir, 'svc-deploy-aws-credentials'), deployKey: join(dir, 'svc-deploy-deploy-key') });

export interface SaasPeers {
  okta: LabOkta;
  github: GithubLab;
  aws: LabAws;
  google: LabGoogle;
  entra: LabEntra;
  slack: LabSlack;
}

export async function startSaasPeers(): Promise<SaasPeers> {
  const all = await Promise.allSettled([startLabOkta(), startGithubLab({ revokeDelayMs: 300 }), startLabAws(), startGoogle(), startEntra(), startSlack()] as const);
  const [o, g, a, go, e, s] = all;
  if (o.status === 'fulfilled' && g.status === 'fulfilled' && a.status === 'fulfilled' && go.status === 'fulfilled' && e.status === 'fulfilled' && s.status === 'fulfilled') {
    return { okta: o.value, github: g.value, aws: a.value, google: go.value, entra: e.value, slack: s.value };
  }
  for (const r of all) if (r.status === 'fulfilled') await r.value.close().catch(() => undefined);
  throw new Error(all.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as Error).message).join('; '));
}

export async function closeSaasPeers(p: SaasPeers | undefined): Promise<void> {
  if (!p) return;
  await Promise.all([p.okta, p.github, p.aws, p.google, p.entra, p.slack].map((x) => x.close().catch(() => undefined)));
}

/**
 * sever.yaml connector instances for the SaaS planes; `secret` writes a credential file and answers
 * its reference; `dir` holds svc-deploy's workload files (the rotations' deliveries).
 */
export function saasConnectors(p: SaasPeers, secret: (name: string, value: string) => string, dir: string): Record<string, unknown> {
  const files = svcDeployFiles(dir);
  return {
    'okta:lab': {
      settings: {
        orgUrl: p.okta.baseUrl, apiTokenRef: secret('okta-api-token', p.okta.adminToken), timeoutMs: 5_000,
        clientSecrets: Object.fromEntries(OKTA_CLIENTS.map((c) => [c, secret(`okta-${c}-secret`, p.okta.state.client(c).clientSecret)])),
      },
      // A factor planned `validate` is observed until this deadline (it stays: it is the user's own).
      verify: { pollIntervalMs: 250, deadlineMs: 3_000 },
    },
    'github:lab': {
      settings: {
        baseUrl: p.github.baseUrl, org: p.github.org, tokenRef: secret('github-owner-token', p.github.adminToken), timeoutMs: 5_000,
        // svc-deploy's deploy key: rotated first, its new private key written where the deployer reads it.
        rotation: { deployKeys: [{ repo: DEPLOY_REPO, title: DEPLOY_KEY_TITLE, deliverTo: `file:${files.deployKey}` }] },
      },
      verify: { pollIntervalMs: 250, deadlineMs: 15_000 },
      adoption: { pollIntervalMs: 500, deadlineMs: 60_000 },
    },
    'aws-iam:lab': {
      settings: {
        endpoint: p.aws.endpoint, region: 'us-east-1', timeoutMs: 5_000,
        accessKeyIdRef: secret('aws-admin-key-id', p.aws.admin.accessKeyId), secretAccessKeyRef: secret('aws-admin-secret', p.aws.admin.secretAccessKey),
        // Access keys are rotatable: the default policy rotates a service account's key first (carol's, a person's, is revoked),
        // delivering the new key to the deploy job's shared-credentials file.
        rotation: { deliverTo: `file:${files.awsCredentials}` },
      },
      // An STS session awaits expiry; without a provable expiry its replay is watched this long, then it stays residual.
      verify: { pollIntervalMs: 500, deadlineMs: 3_000 },
      adoption: { pollIntervalMs: 500, deadlineMs: 60_000 },
    },
    ...googleConnector(p.google, secret),
    ...entraConnector(p.entra, secret),
    ...slackConnector(p.slack, secret),
  };
}

/** What the attacker holds (and the responder has found), and the controls. */
export interface SaasCompromise {
  okta: {
    userId: string;
    refreshTokens: Array<{ id: string; clientId: string; value: string }>;
    attackerFactor: { id: string; created: string };
    ownFactor: { id: string; created: string };
    apiToken: { id: string; value: string };
    bobRefresh: { clientId: string; value: string };
  };
  aws: {
    carolKey: LabCredentials;
    session: LabCredentials & { sessionToken: string; expiration: string; roleArn: string };
    deployKey: LabCredentials;
    bobKey: LabCredentials;
  };
  github: {
    pat: { id: number; value: string };
    classic: string;
    /** svc-deploy's deploy key and the private half its deployer fetches with (the attacker's copy too). */
    deployKey: { repo: string; id: number; publicKey: string; privateKey: string };
    bobToken: string;
  };
  google: GoogleCompromise;
  entra: EntraCompromise;
  slack: SlackCompromise;
}

async function iamUserWithKey(aws: LabAws, user: string): Promise<LabCredentials> {
  const iam = aws.iam();
  try {
    await iam.send(new CreateUserCommand({ UserName: user }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey!;
    return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
  } finally {
    iam.destroy();
  }
}

/** Seeds both compromises and the controls; `compromisedAt` is when carol's compromise began. */
export async function seedSaas(p: SaasPeers, compromisedAt: number): Promise<SaasCompromise> {
  // Okta: carol's own push factor from a month ago; the attacker's TOTP enrolled after the compromise began.
  const s = p.okta.state;
  const carol = s.user(CAROL);
  const ownFactor = s.enroll(carol.id, 'push', Date.now() - 30 * 86_400_000);
  const session = s.signIn(carol.id, compromisedAt + 60_000);
  const attackerFactor = s.enroll(carol.id, 'token:software:totp', compromisedAt + 120_000);
  const refreshTokens = OKTA_CLIENTS.map((clientId) => {
    const t = s.authorize({ userId: carol.id, clientId, sessionId: session.id, refreshTokens: 1, accessTokens: 1 }).refreshTokens[0]!;
    return { id: t.id, clientId, value: t.value };
  });
  const apiToken = s.apiToken(carol.id, 'carol-automation');
  const bob = s.user('bob@lab.test');
  const bobSession = s.signIn(bob.id);
  const bobRt = s.authorize({ userId: bob.id, clientId: 'crm', sessionId: bobSession.id }).refreshTokens[0]!;

  // AWS: carol's key (its secret leaked in a paste), a role she may assume and the session the attacker minted with it.
  const carolKey = await iamUserWithKey(p.aws, CAROL_IAM);
  const deployKey = await iamUserWithKey(p.aws, SVC_DEPLOY);
  const bobKey = await iamUserWithKey(p.aws, 'bob');
  const iam = p.aws.iam();
  const roleName = 'carol-admin';
  try {
    await iam.send(new PutUserPolicyCommand({ UserName: CAROL_IAM, PolicyName: 'assume', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] }) }));
  } finally {
    iam.destroy();
  }
  const roleArn = `arn:aws:iam::123456789012:role/${roleName}`;
  const sts = p.aws.sts(carolKey);
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'attacker', DurationSeconds: 900 })).finally(() => sts.destroy())).Credentials!;
  const awsSession = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken!, expiration: c.Expiration!.toISOString(), roleArn };

  // GitHub: carol's fine-grained PAT with access to the org, a classic token of hers leaked by value; the deploy job's key.
  const g = p.github.state;
  const pat = g.fineGrainedPat(CAROL_GITHUB, 'laptop');
  const classic = g.token(CAROL_GITHUB, 'classic', { name: 'old ci token' });
  const dkPair = generateEd25519(`${SVC_DEPLOY} deploy job`);
  const dk = g.deployKey(DEPLOY_REPO, SVC_DEPLOY, false, { publicKey: dkPair.publicKey, title: DEPLOY_KEY_TITLE });
  g.deployKey('website', 'bob', true);
  const bobPat = g.fineGrainedPat('bob', 'bob laptop');

  return {
    okta: {
      userId: carol.id, refreshTokens, attackerFactor: { id: attackerFactor.id, created: attackerFactor.created }, ownFactor: { id: ownFactor.id, created: ownFactor.created },
      apiToken: { id: apiToken.id, value: apiToken.value }, bobRefresh: { clientId: 'crm', value: bobRt.value },
    },
    aws: { carolKey, session: awsSession, deployKey, bobKey },
    github: { pat: { id: pat.grant.id, value: pat.token.value }, classic: classic.value, deployKey: { repo: DEPLOY_REPO, id: dk.id, publicKey: dk.key, privateKey: dkPair.privateKey }, bobToken: bobPat.token.value },
    google: seedGoogle(p.google, CAROL),
    entra: seedEntra(p.entra, compromisedAt),
    slack: seedSlack(p.slack, CAROL),
  };
}

/** svc-deploy's two running workloads, on its credentials from before the incident. */
export interface SvcDeployWorkloads {
  aws: AwsWorkload;
  deployer: DeployKeyWorkload;
  files: ReturnType<typeof svcDeployFiles>;
}

/**
 * Starts svc-deploy's workloads before containment: the deploy job (STS GetCallerIdentity every
 * 100 ms with the key in its shared-credentials file, re-read through the AWS SDK's own loader each
 * call) and the deployer (a fetch of infra every 100 ms with the private key in its key file,
 * re-read each time). Both files hold the leaked credentials at first; resolves once each has
 * worked with them.
 */
export async function startSvcDeployWorkloads(p: SaasPeers, x: SaasCompromise, dir: string): Promise<SvcDeployWorkloads> {
  const files = svcDeployFiles(dir);
  writeFileSync(files.awsCredentials, `[default]\naws_access_key_id = ${x.aws.deployKey.accessKeyId}\naws_secret_access_key = ${x.aws.deployKey.secretAccessKey}\n`, { mode: 0o600 });
  writeFileSync(files.deployKey, x.github.deployKey.privateKey, { mode: 0o600 });
  const aws = await startAwsWorkload({ endpoint: p.aws.endpoint, credentialFile: files.awsCredentials, everyMs: 100 });
  let deployer: DeployKeyWorkload | undefined;
  try {
    await aws.waitForKey(x.aws.deployKey.accessKeyId, 15_000);
    deployer = await startDeployKeyWorkload({ state: p.github.state, repo: x.github.deployKey.repo, keyFile: files.deployKey, everyMs: 100 });
    if (deployer.publicKey() !== x.github.deployKey.publicKey) throw new Error(`the deployer could not fetch ${x.github.deployKey.repo} with the deploy key: ${deployer.stats().lastError ?? 'no error'}`);
    return { aws, deployer, files };
  } catch (e) {
    await aws.stop();
    await deployer?.stop();
    throw e;
  }
}

export async function stopSvcDeployWorkloads(w: SvcDeployWorkloads | undefined): Promise<void> {
  if (!w) return;
  await Promise.all([w.aws.stop(), w.deployer.stop()].map((s) => s.catch(() => undefined)));
}

/** Each svc-deploy artifact's rotated, adopted and revoked entries in its evidence (seq numbers; -1: none). */
export function rotationOrder(entries: ReadonlyArray<{ seq: number; type: string; payload: unknown }>, artifactIds: string[]): Array<{ artifactId: string; rotated: number; adopted: number; revoked: number }> {
  const seqOf = (type: string, has: (x: any) => boolean) => entries.find((e) => e.type === type && has(e.payload))?.seq ?? -1;
  return artifactIds.map((artifactId) => ({
    artifactId,
    rotated: seqOf('rotate.response', (x) => x.responses.some((r: any) => r.artifactId === artifactId && r.status === 'rotated')),
    adopted: seqOf('rotate.adoption', (x) => x.observations.some((o: any) => o.artifactId === artifactId && o.adopted === true)),
    revoked: seqOf('revoke.response', (x) => x.responses.some((r: any) => r.artifactId === artifactId)),
  }));
}

/** Resolves true once `count()` grows past its value now, false after `ms`. */
async function grows(count: () => number, ms: number): Promise<boolean> {
  const was = count();
  for (const until = Date.now() + ms; Date.now() < until;) {
    if (count() > was) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return count() > was;
}

/**
 * From outside: svc-deploy's workloads moved to the new credentials and never failed (not one call
 * since they started on the leaked ones, so neither ever held a dead credential), they keep
 * working, and what their files hold now is the new credential and works: STS GetCallerIdentity
 * with the key the SDK's own loader reads from the credentials file, and a fetch with the public
 * half `ssh-keygen -y` reads from the key file.
 */
async function svcDeployWorkloadChecks(p: SaasPeers, x: SaasCompromise, w: SvcDeployWorkloads): Promise<Check[]> {
  const checks: Check[] = [];
  const old = x.aws.deployKey.accessKeyId;
  const awsKept = await grows(() => w.aws.stats().ok, 5_000);
  const a = w.aws.stats();
  const onKey = w.aws.keyId();
  let inFile: string;
  let sts: string;
  try {
    const creds = await fromIni({ filepath: w.files.awsCredentials, configFilepath: `${w.files.awsCredentials}.no-config`, profile: 'default', ignoreCache: true })();
    inFile = creds.accessKeyId;
    sts = await stsAnswer(p, { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey });
  } catch (e) {
    inFile = `unreadable (${(e as Error).message})`;
    sts = 'not tried';
  }
  checks.push({
    name: "svc-deploy's deploy job, moved to its rotated AWS key without one failed call (STS GetCallerIdentity)",
    ok: a.failed === 0 && awsKept && onKey !== undefined && onKey !== old && onKey === inFile && sts.startsWith('accepted'),
    detail: `${a.ok} calls ok, ${a.failed} failed${a.lastError ? ` (last: ${a.lastError})` : ''} since it started on ${old}; ${awsKept ? 'still calling' : 'NO CALL SUCCEEDED IN THE LAST 5 s'}; now on ${onKey ?? 'no key'}, the key its credentials file holds is ${inFile}; STS GetCallerIdentity with that key: ${sts}`,
  });

  const repo = x.github.deployKey.repo;
  const ghKept = await grows(() => w.deployer.stats().ok, 5_000);
  const d = w.deployer.stats();
  let pub: string;
  try {
    pub = execFileSync('ssh-keygen', ['-y', '-f', w.files.deployKey], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split(/\s+/).slice(0, 2).join(' ');
  } catch (e) {
    pub = `unreadable (${(e as Error).message})`;
  }
  const fetched = p.github.state.gitFetch(repo, pub);
  const fresh = p.github.state.deployKeys.find((k) => k.repo === repo && k.key === pub);
  const gone = p.github.state.deployKeys.find((k) => k.id === x.github.deployKey.id);
  const usedBeforeDeleted = fresh?.firstUsedMs != null && gone?.deletedMs != null && fresh.firstUsedMs < gone.deletedMs;
  checks.push({
    name: `svc-deploy's deployer, moved to its rotated deploy key on ${p.github.org}/${repo} without one failed fetch`,
    ok: d.failed === 0 && ghKept && w.deployer.publicKey() === pub && pub !== x.github.deployKey.publicKey && fetched && usedBeforeDeleted,
    detail: `${d.ok} fetches ok, ${d.failed} failed${d.lastError && d.failed ? ` (last: ${d.lastError})` : ''} since it started on key ${x.github.deployKey.id}; ${ghKept ? 'still fetching' : 'NO FETCH SUCCEEDED IN THE LAST 5 s'}; `
      + `its key file now holds ${fresh ? `key ${fresh.id} ("${fresh.title}")` : 'a key GitHub does not know'}${w.deployer.publicKey() === pub ? ', the one it fetches with' : `, NOT the one it fetches with`}; a fetch with it ${fetched ? 'succeeds' : 'is REFUSED'}; `
      + `first used ${fresh?.firstUsedMs != null ? new Date(fresh.firstUsedMs).toISOString() : 'never'}, the old key deleted ${gone?.deletedMs != null ? new Date(gone.deletedMs).toISOString() : 'never'}${usedBeforeDeleted ? ' (after)' : ' (NOT AFTER)'}`,
  });
  return checks;
}

const statusOf = (e: unknown): number | undefined => (typeof (e as { status?: unknown })?.status === 'number' ? (e as { status: number }).status : undefined);

/** Okta's token endpoint, as the attacker refreshes: as the owning client. */
async function oktaRefresh(p: SaasPeers, clientId: string, refreshToken: string): Promise<{ status: number; error?: string }> {
  const c = p.okta.state.client(clientId);
  const res = await fetch(`${p.okta.baseUrl}/oauth2/default/v1/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${c.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  return { status: res.status, ...(body.error ? { error: body.error } : {}) };
}

const oktaSdk = (p: SaasPeers, token: string) => new okta.Client({ orgUrl: p.okta.baseUrl, token, cacheMiddleware: null } as never);

async function stsAnswer(p: SaasPeers, creds: LabCredentials): Promise<string> {
  // Only the credential fields: the SDK reads `expiration` as a Date.
  const sts = p.aws.sts({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) });
  try {
    const r = await sts.send(new GetCallerIdentityCommand({}));
    return `accepted as ${r.Arn}`;
  } catch (e) {
    return (e as Error).name;
  } finally {
    sts.destroy();
  }
}

const QUIET = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

async function githubUser(p: SaasPeers, token: string): Promise<number> {
  try {
    const r = await new Octokit({ baseUrl: p.github.baseUrl, auth: token, request: { retries: 0 }, log: QUIET }).rest.users.getAuthenticated();
    return r.status;
  } catch (e) {
    return statusOf(e) ?? -1;
  }
}

/** From outside, with the attacker's copies, through the providers' own SDKs (the token endpoint by hand: no SDK covers it). */
export async function saasChecks(p: SaasPeers, x: SaasCompromise, w: SvcDeployWorkloads): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

  for (const t of x.okta.refreshTokens) {
    const r = await oktaRefresh(p, t.clientId, t.value);
    add(`carol's Okta refresh token (${t.clientId}) at the token endpoint`, r.status === 400 && r.error === 'invalid_grant', `HTTP ${r.status} ${r.error ?? ''}`.trim());
  }
  const admin = oktaSdk(p, p.okta.adminToken);
  const factors: string[] = [];
  for await (const f of (await admin.userFactorApi.listFactors({ userId: x.okta.userId })) as AsyncIterable<{ id?: string }>) if (f?.id) factors.push(f.id);
  const attackerGone = !factors.includes(x.okta.attackerFactor.id);
  const ownKept = factors.includes(x.okta.ownFactor.id);
  add("the attacker's Okta factor gone, carol's own kept", attackerGone && ownKept,
    `attacker's TOTP (enrolled ${x.okta.attackerFactor.created}) ${attackerGone ? 'gone' : 'STILL ENROLLED'}; carol's push factor (enrolled ${x.okta.ownFactor.created}) ${ownKept ? 'still enrolled' : 'REMOVED'}`);
  let ssws: string;
  try {
    await oktaSdk(p, x.okta.apiToken.value).userApi.getUser({ userId: 'me' });
    ssws = 'accepted';
  } catch (e) {
    ssws = `HTTP ${statusOf(e) ?? (e as Error).message}`;
  }
  add("carol's SSWS API token (GET /api/v1/users/me)", ssws === 'HTTP 401', ssws);

  const carolKey = await stsAnswer(p, x.aws.carolKey);
  add("carol's leaked AWS access key (STS GetCallerIdentity)", carolKey === 'InvalidClientTokenId', carolKey);
  const deployKey = await stsAnswer(p, x.aws.deployKey);
  add("svc-deploy's AWS access key (STS GetCallerIdentity)", deployKey === 'InvalidClientTokenId', deployKey);

  const pat = await githubUser(p, x.github.pat.value);
  add("carol's fine-grained PAT (GitHub GET /user)", pat === 401, `HTTP ${pat}`);
  const classic = await githubUser(p, x.github.classic);
  add("carol's leaked classic token (GitHub GET /user)", classic === 401, `HTTP ${classic}`);
  let deployKeyStatus: number;
  try {
    deployKeyStatus = (await new Octokit({ baseUrl: p.github.baseUrl, auth: p.github.adminToken, request: { retries: 0 }, log: QUIET }).rest.repos.getDeployKey({ owner: p.github.org, repo: x.github.deployKey.repo, key_id: x.github.deployKey.id })).status;
  } catch (e) {
    deployKeyStatus = statusOf(e) ?? -1;
  }
  add(`svc-deploy's deploy key on ${p.github.org}/${x.github.deployKey.repo}`, deployKeyStatus === 404, deployKeyStatus === 404 ? 'gone (HTTP 404)' : `HTTP ${deployKeyStatus}`);
  checks.push(...(await svcDeployWorkloadChecks(p, x, w)));

  const bobRt = await oktaRefresh(p, x.okta.bobRefresh.clientId, x.okta.bobRefresh.value);
  add("control: bob's Okta refresh token still refreshes", bobRt.status === 200, `HTTP ${bobRt.status}`);
  const bobKey = await stsAnswer(p, x.aws.bobKey);
  add("control: bob's AWS access key still works", bobKey.startsWith('accepted'), `STS GetCallerIdentity ${bobKey}`);
  const bobGh = await githubUser(p, x.github.bobToken);
  add("control: bob's GitHub token still works", bobGh === 200, `GET /user HTTP ${bobGh}`);
  checks.push(...(await googleChecks(p.google, x.google)), ...(await entraChecks(p.entra, x.entra)), ...(await slackChecks(p.slack, x.slack)));
  return checks;
}

/** What stays live by design, or cannot be proved here, shown as such and never counted as a passed check; `artifact` names carol's artifact it is about. */
export async function residualFacts(p: SaasPeers, x: SaasCompromise): Promise<Array<{ name: string; stillWorks: boolean; detail: string; artifact: { connector: string; kind: string } }>> {
  const session = await stsAnswer(p, x.aws.session);
  return [{
    name: "carol's STS session (AssumeRole from the leaked key)",
    stillWorks: session.startsWith('accepted'),
    detail: `STS GetCallerIdentity ${session}; its Expiration is ${x.aws.session.expiration}. AWS cannot revoke one session, and moto enforces neither expiry nor the AWSRevokeOlderSessions deny overlay, so nothing here can prove it dead or expired`,
    artifact: { connector: 'aws-iam:lab', kind: 'access-token' },
  }, { ...googleSessionFact(p.google, x.google), artifact: { connector: 'google-workspace:lab', kind: 'idp-session' } }];
}

/** Contract violations the simulators recorded (requests or responses outside each provider's description or the lab's per-route or per-method checks). */
export function simulatorViolations(p: SaasPeers): string[] {
  return [
    ...p.okta.violations().map((v) => `okta: ${v.side} ${v.at}: ${v.errors.join('; ')}`), ...p.github.violations().map((v) => `github: ${v}`),
    ...googleViolations(p.google), ...entraViolations(p.entra), ...slackViolations(p.slack),
  ];
}

type DrillEngine = import('../../src/engine/create-engine.ts').Engine;
type People = import('./people.ts').People;

/**
 * What the responder has found and gives to carol's incident before planning: the attacker's
 * copies of her Okta refresh tokens and SSWS token (from the attacker's host), her AWS secret (in a
 * paste), her PAT, her stolen Entra refresh token (with the client it belongs to) and Slack browser
 * session (the xoxc token with its d cookie); the leaked classic token and the STS session are
 * added by value. Google holds nothing to give: no Google API replays a value.
 */
export async function prepareCarol(engine: DrillEngine, id: string, x: SaasCompromise, say: (s: string) => void): Promise<void> {
  const view = await engine.show(id);
  const given: Array<{ connector: string; externalId: string; value: string; attributes?: Record<string, string>; what: string }> = [
    ...x.okta.refreshTokens.map((t) => ({ connector: 'okta:lab', externalId: `token:${t.id}`, value: t.value, what: `Okta refresh token (${t.clientId})` })),
    { connector: 'okta:lab', externalId: `api-token:${x.okta.apiToken.id}`, value: x.okta.apiToken.value, what: 'Okta SSWS API token' },
    { connector: 'aws-iam:lab', externalId: `access-key:${x.aws.carolKey.accessKeyId}`, value: `${x.aws.carolKey.accessKeyId}:${x.aws.carolKey.secretAccessKey}`, what: 'AWS secret access key (found in a paste)' },
    { connector: 'github:lab', externalId: `fg-pat:${x.github.pat.id}`, value: x.github.pat.value, what: 'GitHub fine-grained PAT' },
    // Graph lists no refresh tokens: the stolen one goes to her sign-in sessions, with the client it was issued to, for the refresh replay.
    { connector: 'entra:lab', externalId: `sessions:${x.entra.userId}`, value: x.entra.refresh.value, attributes: { clientId: x.entra.refresh.clientId }, what: 'Entra refresh token (Microsoft Office, from an AiTM phishing proxy)' },
    { connector: 'slack:lab', externalId: `session:${x.slack.session.teamId}:${x.slack.session.id}`, value: `${x.slack.session.token} d=${x.slack.session.cookie}`, what: 'Slack browser session (xoxc token with its d cookie, copied from her laptop)' },
  ];
  for (const g of given) {
    const a = view.artifacts.find((v) => v.connector === g.connector && v.externalId === g.externalId);
    if (!a) throw new Error(`discovery found no artifact ${g.externalId} (${g.what}) for carol`);
    await engine.amendArtifact(id, { artifactId: a.id, value: g.value, ...(g.attributes ? { attributes: g.attributes } : {}), actor: 'ida' });
    say(`  the attacker's copy of the ${g.what} given to ${a.id} (${a.connector}), so its death is proved by replaying it`);
  }
  const classic = await engine.addArtifact(id, {
    connector: 'github:lab', kind: 'api-key', value: x.github.classic, label: `classic token ghp_…${x.github.classic.slice(-4)} of ${CAROL_GITHUB}, leaked in a paste`,
    attributes: { source: 'leaked', login: CAROL_GITHUB }, actor: 'ida',
  });
  say(`  the leaked GitHub classic token added by value: ${classic}`);
  // No expiresAt: Sever would then wait for the Expiration to prove it expired, which moto cannot show (it accepts expired
  // sessions). The Expiration is recorded on the artifact and bounds the IR lead's exception instead.
  const s = x.aws.session;
  const session = await engine.addArtifact(id, {
    connector: 'aws-iam:lab', kind: 'access-token', value: `${s.accessKeyId}:${s.secretAccessKey}:${s.sessionToken}`, revocable: false,
    label: `STS session ${s.accessKeyId} of role ${s.roleArn.split('/').pop()}, minted by AssumeRole with ${x.aws.carolKey.accessKeyId} (Expiration ${s.expiration})`,
    attributes: { userName: CAROL_IAM, roleArn: s.roleArn, mintedWith: x.aws.carolKey.accessKeyId, expiration: s.expiration }, actor: 'ida',
  });
  say(`  the STS session the attacker minted with the key (CloudTrail AssumeRole) added by value: ${session}; not revocable. Its Expiration ${s.expiration} is recorded as an attribute, not as the artifact's expiry (with one, Sever would wait for it to prove the session expired, which moto cannot show): the IR lead's exception ends at it instead`);
}

/** After containment: the IR lead's exceptions for what is live by design, each with its reason. */
export async function exceptCarol(engine: DrillEngine, id: string, x: SaasCompromise, say: (s: string) => void, people: People): Promise<void> {
  const view = await engine.show(id);
  const own = view.artifacts.find((a) => a.connector === 'okta:lab' && a.externalId === `factor:${x.okta.ownFactor.id}`)!;
  const session = view.artifacts.find((a) => a.kind === 'access-token' && a.connector === 'aws-iam:lab')!;
  const ownEntra = view.artifacts.find((a) => a.connector === 'entra:lab' && a.externalId === `method:${x.entra.ownMethod.id}`)!;
  const google = view.artifacts.find((a) => a.connector === 'google-workspace:lab' && a.kind === 'idp-session')!;
  const exceptions = [
    {
      a: own, until: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      reason: `validated with carol by phone: her own Okta Verify push factor, enrolled ${x.okta.ownFactor.created}, before the compromise began; kept (the plan said validate, not revoke)`,
    },
    {
      a: session, until: x.aws.session.expiration,
      reason: `AWS cannot revoke one STS session and the lab's STS (moto) enforces neither expiry nor the AWSRevokeOlderSessions deny overlay, so it is not proved dead or expired: accepted as residual exposure until its Expiration ${x.aws.session.expiration}; compensating action: the deny overlay on role ${x.aws.session.roleArn.split('/').pop()} (aws:TokenIssueTime), applied by a person`,
    },
    {
      a: ownEntra, until: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      reason: `validated with carol by phone: her own FIDO2 security key, registered in Entra ${x.entra.ownMethod.created}, before the compromise began; kept (the plan said validate, not revoke)`,
    },
    {
      a: google, until: new Date(Date.now() + 3_600_000).toISOString(),
      reason: "users.signOut was acknowledged, but no Google API lists a user's sessions or accepts a held cookie, so their end cannot be proved (Google documents up to an hour for Gmail web sessions): accepted as residual exposure for that hour; her OAuth token and app-specific password are proved gone by re-list; compensating action if it must end at once: suspend the user (it resets the sign-in cookies)",
    },
  ];
  for (const e of exceptions) {
    await engine.grantException(id, await people.attest(engine, id, { action: 'exception', person: 'irene', artifactId: e.a.id, reason: e.reason, expiresAt: e.until }));
    say(`  exception by irene for ${e.a.id} (${e.a.kind}, ${e.a.status}) until ${e.until}: ${e.reason}`);
  }
}

/** The deploy job's secret store holds the key's secret: given to its artifact, its death is proved by replay. */
export async function prepareSvcDeploy(engine: DrillEngine, id: string, x: SaasCompromise, say: (s: string) => void): Promise<void> {
  const view = await engine.show(id);
  const key = view.artifacts.find((a) => a.externalId === `access-key:${x.aws.deployKey.accessKeyId}`);
  if (!key) throw new Error(`discovery found no access key ${x.aws.deployKey.accessKeyId} for ${SVC_DEPLOY}`);
  await engine.amendArtifact(id, { artifactId: key.id, value: `${x.aws.deployKey.accessKeyId}:${x.aws.deployKey.secretAccessKey}`, actor: 'ida' });
  say(`  the deploy job's AWS secret (from its secret store) given to ${key.id}, so its death is proved by replaying it`);
}
