/**
 * The drill: containment of a compromised person and a compromised service account held by real
 * servers on loopback, through the same engine and store the CLI uses, then proof from outside
 * that nothing revoked still works. Exit 0 only then.
 *   person (alice): an OpenID provider's sessions, tokens and consents (npm oidc-provider), an AI
 *     agent's delegated tool grants, an SSH certificate with an open shell (OpenSSH sshd), and
 *     application sessions with remember-me (express-session in Redis);
 *   service account (svc_billing): a PostgreSQL role with a live connection;
 *   person (carol, across the SaaS planes): Okta (sessions, refresh tokens, an attacker-enrolled
 *     factor, an SSWS token), AWS IAM (a leaked access key and an STS session minted from it),
 *     GitHub (a fine-grained PAT, a leaked classic token), Google Workspace (a sign-in, a
 *     third-party client's OAuth token, an app-specific password), Entra ID (a stolen refresh
 *     token, an attacker-registered authentication method, a delegated permission grant) and Slack
 *     (a browser session with its d cookie), on the Okta, GitHub, Google, Entra and Slack
 *     simulators and a private moto_server (see saas.ts and its *-plane.ts files);
 *   service account (svc-deploy): a deploy job's AWS access key and a GitHub deploy key, each used
 *     by a running workload: rotated first, the old ones revoked once each workload used its new one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { makePeople, type People } from './people.ts';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { stringify } from 'yaml';
import { SeverError } from '../../src/core/errors.ts';
import { formatVerifyResult, verifyBundleFile, writeBundleFile } from '../../src/ledger/index.ts';
import { renderIncident } from '../../src/cli/commands/incident.ts';
import type { Output } from '../../src/cli/output.ts';
import { resolveGlobals, withEngine, type GlobalOptions } from '../../src/cli/session.ts';
import type { Engine } from '../../src/engine/create-engine.ts';
import { startLabIdp, type LabIdp, type LabLogin } from '../idp/start.ts';
import type { Minted } from '../idp/mint.ts';
import { ensurePeers } from '../peers/ensure.ts';
import { startLabPostgres, type LabPostgres } from '../postgres/start.ts';
import { startWorkload, type Workload } from '../postgres/workload.ts';
import { startLabSessionApp, type LabSessionApp } from '../session-app/start.ts';
import { startLabSsh, type LabHost, type LabSsh } from '../ssh/start.ts';
import { outsideChecks, peerChecks, type Check } from './outside-checks.ts';
import {
  CAROL, CAROL_ENTRA, CAROL_GITHUB, CAROL_IAM, SVC_DEPLOY, closeSaasPeers, exceptCarol, prepareCarol, prepareSvcDeploy, residualFacts, rotationOrder, saasChecks, saasConnectors, seedSaas, simulatorViolations,
  startSaasPeers, startSvcDeployWorkloads, stopSvcDeployWorkloads, svcDeployFiles, type SaasCompromise, type SaasPeers, type SvcDeployWorkloads,
} from './saas.ts';

export const DRILL_RUNBOOK = {
  version: 1,
  roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'], responders: ['eddie', 'ida'] },
  applications: [
    { name: 'payroll', connectors: ['keycloak:lab'], owners: ['paula'] },
    { name: 'crm', connectors: ['keycloak:lab'], owners: ['carl'] },
    { name: 'assistant', connectors: ['agent-grants:lab'], owners: ['ana'] },
    { name: 'bastion', connectors: ['ssh-ca:lab'], owners: ['olga'] },
    { name: 'payroll-web', connectors: ['redis-sessions:lab'], owners: ['paula'] },
    { name: 'billing-db', connectors: ['postgres-roles:lab'], owners: ['bill'] },
    { name: 'workforce-sso', connectors: ['okta:lab'], owners: ['oscar'] },
    { name: 'cloud', connectors: ['aws-iam:lab'], owners: ['amir'] },
    { name: 'source-code', connectors: ['github:lab'], owners: ['gina'] },
    { name: 'workspace', connectors: ['google-workspace:lab'], owners: ['gwen'] },
    { name: 'entra-directory', connectors: ['entra:lab'], owners: ['enzo'] },
    { name: 'chat', connectors: ['slack:lab'], owners: ['sasha'] },
  ],
};

export interface DrillPeers {
  ssh?: { lab: LabSsh; host: LabHost };
  app?: LabSessionApp;
  pg?: LabPostgres;
  saas?: SaasPeers;
}

/** The drill's sever.yaml: credentials in files of the data directory, referenced, never inline. */
export function drillConfig(lab: LabIdp, secretsDir: string, peers: DrillPeers = {}, keys: Record<string, string[]> = drillPeople(secretsDir).keys) {
  const secret = (name: string, value: string) => {
    writeFileSync(join(secretsDir, name), value, { mode: 0o600 });
    return `file:${join(secretsDir, name)}`;
  };
  const clientSecrets: Record<string, string> = {};
  for (const [id, c] of Object.entries(lab.clients)) clientSecrets[id] = secret(`lab-${id}-secret`, c.clientSecret);
  const admin = secret('lab-admin-token', lab.adminToken);
  const connectors: Record<string, unknown> = {
    'keycloak:lab': {
      settings: {
        baseUrl: lab.baseUrl, realm: lab.realm, adminTokenRef: admin, clientId: lab.sever.clientId,
        clientSecretRef: secret('lab-sever-secret', lab.sever.clientSecret), clientSecrets, resourceServerUrl: lab.endpoints.whoami,
      },
      verify: { pollIntervalMs: 250, deadlineMs: 30_000 },
    },
    'agent-grants:lab': {
      settings: { baseUrl: lab.baseUrl, realm: lab.realm, adminTokenRef: admin, agents: ['agent'], tools: [{ name: 'calendar', url: lab.url('/tools/calendar') }, { name: 'crm', url: lab.url('/tools/crm') }] },
    },
  };
  if (peers.ssh) {
    const h = peers.ssh.host;
    connectors['ssh-ca:lab'] = {
      settings: { issuanceLog: peers.ssh.lab.issuanceLog, caPublicKey: peers.ssh.lab.caPublicKey, hosts: [{ name: h.name, krlPath: h.krlPath, sshHost: '127.0.0.1', sshPort: h.port, knownHostsPath: h.knownHostsPath, sshdLog: h.logPath }] },
    };
  }
  if (peers.app) {
    connectors['redis-sessions:lab'] = {
      settings: { redisUrlRef: secret('lab-redis-url', peers.app.redisUrl), prefix: peers.app.prefix, appUrl: peers.app.url, cookieSecretRef: secret('lab-cookie-secret', peers.app.cookieSecret) },
    };
  }
  if (peers.pg) {
    connectors['postgres-roles:lab'] = {
      settings: { adminUrlRef: secret('lab-pg-admin-url', peers.pg.adminUrl), rotation: { deliverTo: `file:${billingUrlFile(secretsDir)}` } },
      adoption: { pollIntervalMs: 200, deadlineMs: 30_000 },
    };
  }
  if (peers.saas) Object.assign(connectors, saasConnectors(peers.saas, secret, secretsDir));
  // carol's identifiers: Okta, Google and Slack by her handle (her login there is her email), AWS by
  // the incident's --id, GitHub and Entra through these explicit links (her GitHub login and her
  // Entra UPN are not her email).
  const identities = peers.saas ? [{ subject: CAROL, links: { 'github:lab': CAROL_GITHUB, 'entra:lab': CAROL_ENTRA } }] : undefined;
  return { version: 1, connectors, runbook: { ...DRILL_RUNBOOK, keys }, ...(identities ? { identities } : {}) };
}

/** The billing worker's connection string: where the rotation delivers the new one. */
const billingUrlFile = (dir: string) => join(dir, 'billing-database-url');

/** Everyone the drill's runbook names, each with an SSH key of their own under `<dir>/people`. */
export const drillPeople = (dir: string): People => {
  const r = DRILL_RUNBOOK as unknown as { roles: Record<string, string[]>; applications: Array<{ owners: string[] }> };
  return makePeople(join(dir, 'people'), [...new Set([...Object.values(r.roles).flat(), ...r.applications.flatMap((a) => a.owners)])]);
};

/** One incident through the whole flow; the refusal of a close before sign-off is shown once. */
async function containIncident(
  engine: Engine, say: (s: string) => void,
  o: {
    type: 'human' | 'service-account'; handle: string; identifiers: Record<string, string>; reason: string; showRefusal: boolean; leaked?: { kind: string; value: string; where: string };
    compromisedAt?: string; showLinks?: boolean; people: People;
    /** After discovery, before the plan: what the responder found (values, artifacts added by hand). */
    prepare?: (id: string) => Promise<void>;
    /** After containment, before the sign-offs: the IR lead's exceptions. */
    afterContain?: (id: string) => Promise<void>;
  },
) {
  const id = await engine.openIncident({ subject: { type: o.type, handle: o.handle, identifiers: o.identifiers }, reason: o.reason, actor: 'ida', ...(o.compromisedAt ? { compromisedAt: o.compromisedAt } : {}) });
  say(`\n— incident ${id}: ${o.type} ${o.handle}${o.compromisedAt ? ` (compromised since ${o.compromisedAt})` : ''}`);
  const d = await engine.discover(id, 'ida');
  say(`  discovered ${d.total} live artifacts: ${Object.entries(d.connectors).filter(([, c]) => c.found).map(([n, c]) => `${n} ${c.found}`).join(', ')}`);
  if (o.showLinks) {
    const how = (s: (typeof d.connectors)[string]['source']) =>
      s.via === 'incident' ? 'the incident\'s --id' : s.via === 'identities' ? `sever.yaml identities[${s.entry}]` : s.via === 'link' ? `a link from ${s.from} (${s.externalId}${s.matched ? `, ${s.matched}` : ''})` : 'the handle';
    for (const [n, c] of Object.entries(d.connectors)) if (c.found) say(`    ${n} as ${c.identifier}, from ${how(c.source)}`);
  }
  for (const [n, c] of Object.entries(d.connectors)) if (c.error) throw new SeverError('ERR_DRILL_FAILED', `discovery failed at ${n}: ${c.error.code} ${c.error.message}`);
  if (o.leaked) {
    // What leaked is known to the responder: given to the artifact, it lets verification replay it (the policy requires replay).
    const target = (await engine.show(id)).artifacts.find((a) => a.kind === o.leaked!.kind);
    if (!target) throw new SeverError('ERR_DRILL_FAILED', `discovery found no ${o.leaked.kind} to give the leaked value to`);
    await engine.amendArtifact(id, { artifactId: target.id, value: o.leaked.value, actor: 'ida' });
    say(`  the leaked value (${o.leaked.where}) given to ${target.id}, so its death can be proved by replaying it`);
  }
  if (o.prepare) await o.prepare(id);
  const p = await engine.plan(id, 'ida');
  say(`  planned: ${JSON.stringify(p.summary.byAction)}; residual exposure: ${p.residualExposure.map((r) => `${r.artifactId} until ${r.until}`).join(', ') || 'none'}`);
  say('  containing (revoke, then prove dead through an independent path)…');
  const s = await engine.contain(id, 'eddie', (x) => say(`    ${Object.entries(x.byStatus).map(([k, v]) => `${v} ${k}`).join(', ')}`));
  say(`  contained: ${JSON.stringify(s.byStatus)}`);
  say('  proof of each artifact (strength reached / required by the policy, through which paths):');
  for (const a of (await engine.show(id)).artifacts) {
    const via = a.proof?.paths.filter((p) => p.result !== 'live').map((p) => `${p.path} (${p.strength})`).join(', ') || 'no path';
    // A path that found it still working is shown too (a residual or validated artifact): never hidden behind "no path".
    const live = a.proof?.paths.filter((p) => p.result === 'live').map((p) => `${p.path} (${p.strength})`).join(', ');
    say(`    ${a.id}  ${a.kind.padEnd(24)} ${a.status.padEnd(16)} ${a.proof?.strength ?? '-'} / ${a.proof?.required ?? '-'}  via ${via}${live ? `; still LIVE by ${live}` : ''}${o.showLinks ? `  [${a.connector}; ${a.tier} ${a.action}] ${a.label}` : ''}`);
  }
  if (o.afterContain) await o.afterContain(id);
  if (o.showRefusal) {
    say('  the IR lead tries to close before the runbook sign-offs:');
    try {
      await engine.close(id, await o.people.attest(engine, id, { action: 'close', person: 'irene' }));
      throw new SeverError('ERR_DRILL_FAILED', 'the closure gate accepted a close without sign-offs');
    } catch (e) {
      if (!(e instanceof SeverError) || e.code !== 'ERR_CLOSE_REFUSED') throw e;
      say(`  refused, as it must be (${e.code}):`);
      for (const m of e.details.missing as Array<{ code: string; message: string }>) say(`    - [${m.code}] ${m.message}`);
    }
  }
  const view = await engine.show(id);
  const holder = (role: string) => role === 'ir-lead' ? 'irene' : role === 'identity-engineering' ? 'ida' : DRILL_RUNBOOK.applications.find((a) => `app-owner:${a.name}` === role)!.owners[0]!;
  const order = [...view.requiredSignoffs.filter((r) => r !== 'ir-lead'), 'ir-lead'];
  if (o.showRefusal) {
    // irene signs identity engineering's sign-off as ida, with her own key: refused, it is not ida's.
    try {
      await engine.signoff(id, await o.people.attest(engine, id, { action: 'signoff', person: 'ida', role: 'identity-engineering' }, 'irene'));
      throw new SeverError('ERR_DRILL_FAILED', 'a sign-off signed with another person\'s key was accepted');
    } catch (e) {
      if (!(e instanceof SeverError) || e.code !== 'ERR_ATTESTATION_INVALID') throw e;
      say(`  irene signs as ida with her own key: refused, as it must be (${e.code}: ${e.message})`);
    }
  }
  for (const role of order) {
    await engine.signoff(id, await o.people.attest(engine, id, { action: 'signoff', person: holder(role), role, note: role === 'ir-lead' ? 'closure approved' : 'no residual access' }));
  }
  say(`  sign-offs, each signed with the holder's own SSH key (ssh-keygen -Y sign): ${order.map((r) => `${r} (${holder(r)})`).join(', ')}`);
  await engine.close(id, await o.people.attest(engine, id, { action: 'close', person: 'irene' }));
  say('  closed as remediated by irene, signed with her key (executor: eddie)');
  return id;
}

async function startOptional<T>(what: string, say: (s: string) => void, start: () => Promise<T>): Promise<T | undefined> {
  try {
    return await start();
  } catch (e) {
    throw new SeverError('ERR_LAB_FAILED', `the drill could not start ${what}: ${(e as Error).message}`);
  }
}

export async function runDrill(g: GlobalOptions, out: Output): Promise<void> {
  const globals = resolveGlobals(g);
  const t0 = Date.now();
  const say = process.env.SEVER_DRILL_TIMING ? (s: string) => out.note(`[${((Date.now() - t0) / 1000).toFixed(1)}] ${s}`) : (s: string) => out.note(s);
  const peersReady = ensurePeers({ log: say });
  if (!peersReady.ok) throw new SeverError('ERR_LAB_FAILED', `the drill needs real servers from Debian packages: ${peersReady.message}`);
  say('sever drill: two compromised people and two compromised service accounts, on real servers and provider simulators on loopback');
  const lab = await startLabIdp({ ttl: { jwtAccessToken: 12 } });
  const peers: DrillPeers = {};
  const workload: pg.Client[] = [];
  let billing: Workload | undefined;
  let deployJobs: SvcDeployWorkloads | undefined;
  // The SaaS planes start first and in parallel with the rest (moto_server and the two descriptions take a few seconds).
  const saasStarting = startSaasPeers();
  saasStarting.catch(() => undefined);
  try {
    const sshLab = await startOptional('OpenSSH', say, () => startLabSsh());
    peers.ssh = { lab: sshLab!, host: await sshLab!.startHost('bastion') };
    peers.app = await startOptional('the Redis session app (Redis at 127.0.0.1:6379)', say, () => startLabSessionApp());
    peers.pg = await startOptional('a private PostgreSQL 15', say, () => startLabPostgres());
    peers.saas = await startOptional('the Okta, GitHub, Google, Entra and Slack simulators and moto_server', say, () => saasStarting);
    const sshdVersion = execFileSync('ssh', ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || 'OpenSSH';
    say(`  real servers: npm oidc-provider 9.13.3 at ${lab.issuer} (Keycloak-shaped admin API, tool APIs); OpenSSH sshd on 127.0.0.1:${peers.ssh.host.port}; express-session app on Redis 127.0.0.1:6379 at ${peers.app!.url}; PostgreSQL 15 on 127.0.0.1:${peers.pg!.port}`);
    const sp = peers.saas!;
    say(`  SaaS planes: the Okta simulator at ${sp.okta.baseUrl}, the GitHub simulator at ${sp.github.baseUrl} and the Google simulator at ${sp.google.baseUrl} (each checks every request and response against the provider's own API description); the Entra simulator at ${sp.entra.baseUrl} (HTTPS authority ${sp.entra.authorityUrl}) and the Slack simulator at ${sp.slack.apiUrl} (requests checked per route or method, answers typed with the SDKs' own types); moto_server (IAM, STS; credential checking on) at ${sp.aws.endpoint}`);

    mkdirSync(join(globals.dataDir, 'drill'), { recursive: true, mode: 0o700 });
    const people = drillPeople(join(globals.dataDir, 'drill'));
    const configPath = join(globals.dataDir, 'sever.yaml');
    writeFileSync(configPath, `# written by \`sever drill\` for its lab servers (${lab.issuer})\n${stringify(drillConfig(lab, join(globals.dataDir, 'drill'), peers, people.keys))}`);
    const opts: GlobalOptions = { ...g, config: configPath, dataDir: globals.dataDir };
    say(`  config ${configPath}; data dir ${globals.dataDir}`);

    // The compromise of alice: browser sessions with two applications, refresh and offline tokens,
    // consents, a JWT access token no one can revoke, an agent acting for her on two tools, an SSH
    // certificate with an open shell, and web sessions with remember-me. bob is the control.
    const logins: LabLogin[] = [];
    logins.push(await lab.login('alice', 'app', { offline: true }));
    logins.push(await lab.login('alice', 'crm', { offline: true }));
    logins.push(await lab.login('alice', 'app', { offline: false }));
    const agent = await lab.mint({ user: 'alice', clientId: 'agent', offline: false, accessTokens: 1, refreshTokens: 0 });
    const control = await lab.login('bob', 'app', { offline: true });
    const cert = peers.ssh.lab.issue('alice');
    const bobCert = peers.ssh.lab.issue('bob');
    const shell = await peers.ssh.host.openSession(cert);
    const web = await peers.app!.login('alice', true);
    const bobWeb = await peers.app!.login('bob');
    // The service account: a database role with a password a workload uses, and a live connection.
    const a = await peers.pg!.admin();
    await a.query(`create role svc_billing login password 'billing-old-pw'`);
    await a.query('create table invoices (id serial, at timestamptz default now())');
    await a.query('alter table invoices owner to svc_billing');
    await a.end();
    // The attacker's session with the leaked password, and the billing worker that depends on it.
    const conn = new pg.Client({ connectionString: peers.pg!.url('svc_billing', 'billing-old-pw'), application_name: 'psql' });
    conn.on('error', () => undefined);
    await conn.connect();
    workload.push(conn);
    writeFileSync(billingUrlFile(join(globals.dataDir, 'drill')), `${peers.pg!.url('svc_billing', 'billing-old-pw')}\n`, { mode: 0o600 });
    billing = await startWorkload({ credentialFile: billingUrlFile(join(globals.dataDir, 'drill')), applicationName: 'billing-worker', query: 'insert into invoices default values', everyMs: 100 });
    // carol's compromise began five minutes ago; svc-deploy's key and deploy key leaked; bob is the control there too.
    const compromisedAt = Date.now() - 5 * 60_000;
    const saas: SaasCompromise = await seedSaas(peers.saas!, compromisedAt);
    say(`  carol (${CAROL}): an Okta session with refresh tokens of two clients, her own push factor and a TOTP the attacker enrolled after the compromise, her SSWS token; IAM user ${CAROL_IAM}'s access key (secret leaked) and an STS session minted from it; GitHub ${CAROL_GITHUB}'s fine-grained PAT with org access and a leaked classic token; a Google sign-in, her OAuth token of the third-party client ${saas.google.token.displayText} and an app-specific password made after the compromise; Entra ${CAROL_ENTRA}'s stolen refresh token, a Microsoft Authenticator the attacker registered after the compromise beside her own FIDO2 key, a delegated grant to ${saas.entra.grant.app}; a Slack browser session (xoxc and its d cookie). ${SVC_DEPLOY}: the deploy job's access key and a deploy key on ${sp.github.org}/infra`);
    // svc-deploy's deploy job and deployer, running on the leaked credentials until containment moves them.
    deployJobs = await startSvcDeployWorkloads(peers.saas!, saas, join(globals.dataDir, 'drill'));
    const df = svcDeployFiles(join(globals.dataDir, 'drill'));
    say(`  ${SVC_DEPLOY}'s workloads: the deploy job calls STS every 100 ms with the key in ${df.awsCredentials} (re-read each call); the deployer fetches ${sp.github.org}/infra every 100 ms with the private key in ${df.deployKey}`);
    let minted: Minted | undefined;

    const result = await withEngine(opts, async (engine) => {
      // Minted last, once the engine is up: the JWT access token lives 12 s, and must still be live when discovery runs.
      minted = await lab.mint({ user: 'alice', clientId: 'crm', grants: 2, offline: true, accessTokens: 2, refreshTokens: 1, jwtAccessTokens: 1 });
      say(`  alice: ${logins.length} browser logins, ${minted.grants.length} more grants with a JWT access token, an agent grant, SSH certificate ${cert.keyId} with an open shell, web sessions with remember-me; svc_billing: the attacker's live connection and the billing worker that reads its connection string from ${billingUrlFile(join(globals.dataDir, 'drill'))}; bob is the control`);
      const person = await containIncident(engine, say, {
        type: 'human', handle: 'alice', reason: 'drill: phished credentials, attacker holds tokens, a certificate and an agent', showRefusal: true, people,
        identifiers: { 'keycloak:lab': 'alice', 'agent-grants:lab': 'alice', 'ssh-ca:lab': 'alice', 'redis-sessions:lab': 'alice' },
      });
      const service = await containIncident(engine, say, {
        type: 'service-account', handle: 'svc_billing', reason: 'drill: the billing password leaked in a repository', showRefusal: false, people,
        identifiers: { 'postgres-roles:lab': 'svc_billing' }, leaked: { kind: 'service-account-binding', value: 'billing-old-pw', where: 'the password found in the repository' },
      });
      const carol = await containIncident(engine, say, {
        type: 'human', handle: CAROL, reason: 'drill: SaaS account takeover (Okta, AWS, GitHub, Google Workspace, Entra ID, Slack): attacker enrolled factors and holds sessions, tokens and keys', showRefusal: false, people,
        compromisedAt: new Date(compromisedAt).toISOString(), showLinks: true,
        identifiers: { 'aws-iam:lab': CAROL_IAM },
        prepare: (id) => prepareCarol(engine, id, saas, say),
        afterContain: (id) => exceptCarol(engine, id, saas, say, people),
      });
      const deploy = await containIncident(engine, say, {
        type: 'service-account', handle: SVC_DEPLOY, reason: 'drill: the deploy job\'s credentials leaked from CI logs', showRefusal: false, showLinks: true, people,
        identifiers: { 'aws-iam:lab': SVC_DEPLOY, 'github:lab': SVC_DEPLOY },
        prepare: (id) => prepareSvcDeploy(engine, id, saas, say),
      });
      const ids = [person, service, carol, deploy];
      const paths: string[] = [];
      for (const id of ids) {
        const bundle = await engine.exportEvidence(id);
        const path = join(globals.dataDir, 'evidence', `${id}.json`);
        await writeBundleFile(path, bundle);
        paths.push(path);
      }
      const views = [];
      for (const id of ids) views.push(await engine.show(id));
      // svc-deploy's evidence: each credential rotated, the new one seen used, and only then revoked.
      const order = rotationOrder((await engine.exportEvidence(deploy)).entries as never, views[3]!.artifacts.map((a) => a.id));
      for (const o of order) say(`  ${o.artifactId}: rotated at entry ${o.rotated}, the new credential seen used at ${o.adopted}, the old one revoked at ${o.revoked}${o.rotated >= 0 && o.rotated < o.adopted && o.adopted < o.revoked ? '' : ' (OUT OF ORDER)'}`);
      return { ids, paths, views, order };
    });

    for (const path of result.paths) {
      const verified = await verifyBundleFile(path);
      say(`\nevidence bundle ${path}:\n  ${formatVerifyResult(verified).split('\n').join('\n  ')}`);
      if (!verified.ok) throw new SeverError('ERR_DRILL_FAILED', `the exported bundle does not verify: ${verified.reason}`);
    }

    say('\nproof from outside, with the attacker\'s copies of every artifact:');
    const checks: Check[] = [
      ...(await outsideChecks(lab, logins, minted!, control)),
      ...(await peerChecks({ lab, agentTokens: agent.grants.flatMap((x) => x.accessTokens), ssh: peers.ssh.host, cert, bobCert, shell, app: peers.app!, web, bobWeb, pg: peers.pg!, conn, billing: billing! })),
      ...(await saasChecks(peers.saas!, saas, deployJobs)),
    ];
    for (const c of checks) say(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    // Live by design, shown as such and never counted as a passed check: the IR lead's exception covers it.
    const carolView = result.views[2]!;
    const residual = (await residualFacts(peers.saas!, saas)).map(({ artifact, ...r }) => {
      const art = carolView.artifacts.find((a) => a.kind === artifact.kind && a.connector === artifact.connector);
      return { ...r, artifactId: art?.id ?? null, status: art?.status ?? null, exception: (carolView.exceptions as Array<{ artifactId: string; reason: string; expiresAt: string }>).find((e) => e.artifactId === art?.id) ?? null };
    });
    say('\nresidual exposure, not provable here (not counted as checks):');
    for (const r of residual) say(`  RESIDUAL ${r.name} (${r.artifactId}, ${r.status}): ${r.stillWorks ? 'still works' : 'no longer works'}; ${r.detail}; ${r.exception ? `accepted by irene until ${r.exception.expiresAt}` : 'NO EXCEPTION'}`);
    const violations = simulatorViolations(peers.saas!);
    say(violations.length ? `the simulators saw ${violations.length} request(s)/response(s) outside the providers' descriptions:\n  ${violations.join('\n  ')}` : 'the Okta, GitHub, Google, Entra and Slack simulators saw no request or response outside the providers\' own descriptions (Entra and Slack: the lab\'s per-route and per-method checks)');
    const artifactOf = (externalId: string, connector = 'okta:lab') => carolView.artifacts.find((a) => a.connector === connector && a.externalId === externalId);
    const plannedOf = (a: (typeof carolView.artifacts)[number] | undefined) => (a ? { id: a.id, tier: a.tier, action: a.action, status: a.status } : null);
    const failed = checks.filter((c) => !c.ok);
    out.result({
      incidentId: result.ids[0], incidentIds: result.ids, state: result.views[0]!.state, states: result.views.map((v) => v.state),
      bundle: result.paths[0], bundles: result.paths, artifacts: result.views[0]!.counts, serviceArtifacts: result.views[1]!.counts, checks,
      saas: {
        carol: {
          incidentId: result.ids[2], counts: carolView.counts, exceptions: carolView.exceptions,
          attackerFactor: plannedOf(artifactOf(`factor:${saas.okta.attackerFactor.id}`)), ownFactor: plannedOf(artifactOf(`factor:${saas.okta.ownFactor.id}`)),
          entraAttackerMethod: plannedOf(artifactOf(`method:${saas.entra.attackerMethod.id}`, 'entra:lab')), entraOwnMethod: plannedOf(artifactOf(`method:${saas.entra.ownMethod.id}`, 'entra:lab')),
          googleSessions: plannedOf(carolView.artifacts.find((a) => a.connector === 'google-workspace:lab' && a.kind === 'idp-session')),
          stsSession: plannedOf(carolView.artifacts.find((a) => a.kind === 'access-token' && a.connector === 'aws-iam:lab')),
          proofs: carolView.artifacts.map((a) => ({ id: a.id, connector: a.connector, kind: a.kind, status: a.status, strength: a.proof?.strength ?? null, required: a.proof?.required ?? null })),
        },
        svcDeploy: {
          incidentId: result.ids[3], counts: result.views[3]!.counts,
          actions: result.views[3]!.artifacts.map((a) => ({ connector: a.connector, kind: a.kind, tier: a.tier, action: a.action, status: a.status })),
          order: result.order, workloads: { aws: deployJobs.aws.stats(), deployer: deployJobs.deployer.stats() },
        },
        residual, simulatorViolations: violations,
      },
      servers: {
        idp: 'oidc-provider 9.13.3', ssh: sshdVersion, sessions: 'express-session + connect-redis on Redis 127.0.0.1:6379', database: 'PostgreSQL 15 (private, scram)',
        okta: 'lab Okta simulator (Okta Management API description)', github: 'lab GitHub simulator (@octokit/openapi GHEC description)', aws: 'moto_server (IAM, STS; credential checking on)',
        google: 'lab Google simulator (Directory API discovery document)', entra: 'lab Entra simulator (Graph v1.0 routes checked by hand, answers typed with @microsoft/microsoft-graph-types)',
        slack: 'lab Slack simulator (arguments checked per method, answers typed with @slack/web-api)',
      },
    }, () =>
      `\n${result.views.map(renderIncident).join('\n\n')}\n\ndrill ${failed.length ? 'FAILED' : 'passed'}: ${checks.length - failed.length}/${checks.length} outside checks; incidents ${result.ids.join(', ')} are in ${globals.dataDir}\n` +
      `try: npm run -s sever -- incident list   |   npm run -s sever -- evidence verify ${result.paths[0]} --key-id ${JSON.parse(process.getBuiltinModule('node:fs').readFileSync(result.paths[0]!, 'utf8')).publicKeys[0].kid}`);
    if (failed.length) throw new SeverError('ERR_DRILL_FAILED', `${failed.length} artifact(s) still work after containment: ${failed.map((f) => f.name).join(', ')}`);
  } finally {
    for (const c of workload) await c.end().catch(() => undefined);
    await billing?.stop().catch(() => undefined);
    await stopSvcDeployWorkloads(deployJobs);
    await peers.pg?.close().catch(() => undefined);
    await peers.app?.close().catch(() => undefined);
    await peers.ssh?.lab.close().catch(() => undefined);
    await closeSaasPeers(peers.saas ?? (await saasStarting.catch(() => undefined)));
    await lab.close();
  }
}
