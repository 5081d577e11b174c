/**
 * The lab provider as a process of its own (for benchmarks and manual use):
 *   node lab/idp/serve.ts '{"mint":{"user":"alice","grants":10},"latencyMs":10}'
 * Prints one JSON line with its endpoints and credentials, then serves until SIGTERM/SIGINT.
 */
import { startLabIdp } from './start.ts';
import type { MintSpec } from './mint.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as { port?: number; mint?: MintSpec; latencyMs?: number; accessTokenTtl?: number };
const lab = await startLabIdp({ ...(opts.port ? { port: opts.port } : {}), ...(opts.accessTokenTtl ? { ttl: { accessToken: opts.accessTokenTtl } } : {}) });
const minted = opts.mint ? await lab.mint(opts.mint) : undefined;
if (opts.latencyMs) lab.faults.set({ latencyMs: opts.latencyMs });
process.stdout.write(`${JSON.stringify({
  baseUrl: lab.baseUrl, realm: lab.realm, issuer: lab.issuer, adminToken: lab.adminToken,
  sever: lab.sever, clients: Object.fromEntries(Object.entries(lab.clients).map(([k, c]) => [k, { clientSecret: c.clientSecret }])),
  minted: minted ? { grants: minted.grants.length } : null,
})}\n`);
const stop = async () => {
  await lab.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
