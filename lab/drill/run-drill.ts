/**
 * The drill: a full containment of a compromised user held by a real OpenID Connect provider
 * (npm oidc-provider on loopback), through the same engine and store the CLI uses, then proof from
 * outside that nothing revoked still works. Exit 0 only then.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SeverError } from '../../src/core/errors.ts';
import { formatVerifyResult, verifyBundleFile, writeBundleFile } from '../../src/ledger/index.ts';
import { renderIncident } from '../../src/cli/commands/incident.ts';
import type { Output } from '../../src/cli/output.ts';
import { resolveGlobals, withEngine, type GlobalOptions } from '../../src/cli/session.ts';
import { startLabIdp, type LabIdp, type LabLogin } from '../idp/start.ts';
import { outsideChecks, type Check } from './outside-checks.ts';

export const DRILL_RUNBOOK = {
  version: 1,
  roles: { 'identity-engineering': ['ida'], 'ir-lead': ['irene'] },
  applications: [
    { name: 'payroll', connectors: ['keycloak:lab'], owners: ['paula'] },
    { name: 'crm', connectors: ['keycloak:lab'], owners: ['carl'] },
  ],
};

export function drillConfig(lab: LabIdp, secretsDir: string) {
  writeFileSync(join(secretsDir, 'lab-admin-token'), lab.adminToken, { mode: 0o600 });
  writeFileSync(join(secretsDir, 'lab-sever-secret'), lab.sever.clientSecret, { mode: 0o600 });
  const clientSecrets: Record<string, string> = {};
  for (const [id, c] of Object.entries(lab.clients)) {
    writeFileSync(join(secretsDir, `lab-${id}-secret`), c.clientSecret, { mode: 0o600 });
    clientSecrets[id] = `file:${join(secretsDir, `lab-${id}-secret`)}`;
  }
  return {
    version: 1,
    connectors: {
      'keycloak:lab': {
        settings: {
          baseUrl: lab.baseUrl,
          realm: lab.realm,
          adminTokenRef: `file:${join(secretsDir, 'lab-admin-token')}`,
          clientId: lab.sever.clientId,
          clientSecretRef: `file:${join(secretsDir, 'lab-sever-secret')}`,
          clientSecrets,
          resourceServerUrl: lab.endpoints.whoami,
        },
        verify: { pollIntervalMs: 250, deadlineMs: 30_000 },
      },
    },
    runbook: DRILL_RUNBOOK,
  };
}

export async function runDrill(g: GlobalOptions, out: Output): Promise<void> {
  const globals = resolveGlobals(g);
  const say = (s: string) => out.note(s);
  say('sever drill: a compromised user on a real OpenID Connect provider (npm oidc-provider, loopback)');
  const lab = await startLabIdp({ ttl: { jwtAccessToken: 8 } });
  try {
    mkdirSync(join(globals.dataDir, 'drill'), { recursive: true, mode: 0o700 });
    const configPath = join(globals.dataDir, 'sever.yaml');
    writeFileSync(configPath, `# written by \`sever drill\` for its lab identity provider (${lab.issuer})\n${stringify(drillConfig(lab, join(globals.dataDir, 'drill')))}`);
    const opts: GlobalOptions = { ...g, config: configPath, dataDir: globals.dataDir };
    say(`  lab IdP at ${lab.issuer}; config ${configPath}; data dir ${globals.dataDir}`);

    // The compromise: alice has browser sessions with two applications, refresh and offline tokens,
    // consents, and a JWT access token that no one can revoke. bob is the control: he must keep working.
    const logins: LabLogin[] = [];
    logins.push(await lab.login('alice', 'app', { offline: true }));
    logins.push(await lab.login('alice', 'crm', { offline: true }));
    logins.push(await lab.login('alice', 'app', { offline: false }));
    const minted = await lab.mint({ user: 'alice', clientId: 'crm', grants: 2, offline: true, accessTokens: 2, refreshTokens: 1, jwtAccessTokens: 1 });
    const control = await lab.login('bob', 'app', { offline: true });
    say(`  alice: ${logins.length} browser logins (sessions, refresh, offline and access tokens), ${minted.grants.length} more grants with a JWT access token; bob is the control`);

    const result = await withEngine(opts, async (engine) => {
      const id = await engine.openIncident({ subject: { type: 'human', handle: 'alice', identifiers: { 'keycloak:lab': 'alice' } }, reason: 'drill: phished credentials, attacker holds tokens', actor: 'ida' });
      say(`\n1. opened incident ${id}`);
      const d = await engine.discover(id, 'ida');
      say(`2. discovered ${d.total} live artifacts`);
      const p = await engine.plan(id, 'ida');
      say(`3. planned: ${JSON.stringify(p.summary.byAction)}; residual exposure: ${p.residualExposure.map((r) => `${r.artifactId} until ${r.until}`).join(', ') || 'none'}`);
      say('4. containing (revoke, then prove dead through an independent path)…');
      const s = await engine.contain(id, 'eddie', (x) => say(`   ${Object.entries(x.byStatus).map(([k, v]) => `${v} ${k}`).join(', ')}`));
      say(`   contained: ${JSON.stringify(s.byStatus)}`);
      say('5. the IR lead tries to close before the runbook sign-offs:');
      try {
        await engine.close(id, 'irene');
        throw new SeverError('ERR_DRILL_FAILED', 'the closure gate accepted a close without sign-offs');
      } catch (e) {
        if (!(e instanceof SeverError) || e.code !== 'ERR_CLOSE_REFUSED') throw e;
        say(`   refused, as it must be (${e.code}):`);
        for (const m of e.details.missing as Array<{ code: string; message: string }>) say(`   - [${m.code}] ${m.message}`);
      }
      say('6. sign-offs: identity engineering (ida), application owners (paula, carl), IR lead (irene)');
      await engine.signoff(id, 'identity-engineering', 'ida', 'revocation mechanism verified per artifact');
      await engine.signoff(id, 'app-owner:payroll', 'paula', 'no residual access to Payroll');
      await engine.signoff(id, 'app-owner:crm', 'carl', 'no residual access to CRM');
      await engine.signoff(id, 'ir-lead', 'irene', 'closure approved');
      await engine.close(id, 'irene');
      say(`7. closed as remediated by irene (executor: eddie)`);
      const bundle = await engine.exportEvidence(id);
      const path = join(globals.dataDir, 'evidence', `${id}.json`);
      await writeBundleFile(path, bundle);
      const view = await engine.show(id);
      return { id, path, view };
    });

    const verified = await verifyBundleFile(result.path);
    say(`8. evidence bundle ${result.path}:\n   ${formatVerifyResult(verified).split('\n').join('\n   ')}`);
    if (!verified.ok) throw new SeverError('ERR_DRILL_FAILED', `the exported bundle does not verify: ${verified.reason}`);

    say('9. proof from outside, with the attacker\'s copies of every artifact:');
    const checks: Check[] = await outsideChecks(lab, logins, minted, control);
    for (const c of checks) say(`   ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    const failed = checks.filter((c) => !c.ok);
    out.result({ incidentId: result.id, state: result.view.state, bundle: result.path, artifacts: result.view.counts, checks }, () =>
      `\n${renderIncident(result.view)}\n\ndrill ${failed.length ? 'FAILED' : 'passed'}: ${checks.length - failed.length}/${checks.length} outside checks; incident ${result.id} is in ${globals.dataDir}\n` +
      `try: npm run sever -- incident show ${result.id} --data-dir ${globals.dataDir}   |   npm run sever -- evidence verify ${result.path}`);
    if (failed.length) throw new SeverError('ERR_DRILL_FAILED', `${failed.length} artifact(s) still work after containment: ${failed.map((f) => f.name).join(', ')}`);
  } finally {
    await lab.close();
  }
}
