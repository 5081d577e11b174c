/**
 * Rotate-then-revoke for a service account's role (the "alternating users" strategy): a new login
 * role, member of the old one, with a new password delivered to where the workload reads its
 * connection string; adoption is a live connection of the new role. The old role's login is then
 * revoked by the ordinary revoke (NOLOGIN), and the new role keeps the privileges through the
 * membership. Delivery is a file the workload re-reads on reconnect (mode 0600, written to a copy
 * renamed over the original, so a reader never sees half a secret).
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { AdoptionObservation, RotateOutcome } from '../contract.ts';
import type { PgRolesClient } from './client.ts';
import { ADOPTION, ROTATE } from './manifest.ts';

export interface Delivery {
  /** `file:/path` of the workload's connection string. */
  deliverTo: string;
}

/** The settings schema admits `file:/absolute/path` only. */
const deliveryPath = (d: Delivery): string => d.deliverTo.slice('file:'.length);

/** The role named in the delivered connection string, or undefined when none is there yet. */
async function deliveredRole(path: string): Promise<string | undefined> {
  try {
    return decodeURIComponent(new URL((await readFile(path, 'utf8')).trim()).username) || undefined;
  } catch {
    return undefined;
  }
}

async function deliver(c: PgRolesClient, path: string, role: string, password: string): Promise<void> {
  const u = await c.serverUrl();
  u.username = encodeURIComponent(role);
  u.password = encodeURIComponent(password);
  const tmp = `${path}.sever-${process.pid}`;
  try {
    await writeFile(tmp, `${u.toString()}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (e) {
    throw new SeverError('ERR_PROVIDER_REJECTED', `${c.d.name}: could not deliver the new credential to file:${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the new role ${role} exists, the old login is untouched`, {
      details: { connector: c.d.name, deliverTo: `file:${path}`, newRole: role },
    });
  }
}

export async function rotateRole(c: PgRolesClient, d: Delivery | undefined, a: ArtifactHandle): Promise<RotateOutcome> {
  if (!d) throw new SeverError('ERR_CONNECTOR_CONFIG', `${c.d.name}: no rotation configured (settings.rotation.deliverTo); the binding can only be revoked`, { details: { connector: c.d.name } });
  if (a.kind !== 'service-account-binding') throw new SeverError('ERR_INPUT_INVALID', `postgres-roles rotates service-account-binding only, not ${a.kind}`, { details: { kind: a.kind } });
  const role = String(a.attributes.role);
  const path = deliveryPath(d);
  const request = { role, strategy: 'alternating users: a new login role, member of the old one', deliverTo: d.deliverTo };
  const earlier = await c.rotatedFrom(role);
  if (earlier?.canLogin) {
    if ((await deliveredRole(path)) === earlier.name) {
      return { status: 'already_rotated', method: ROTATE, request, response: { body: { newRole: earlier.name, deliveredTo: d.deliverTo } } };
    }
    // The role exists but its password never reached the workload (a crash in between): a new one.
    const password = await c.resetPassword(earlier.name);
    await deliver(c, path, earlier.name, password);
    return { status: 'rotated', method: ROTATE, request, response: { body: { newRole: earlier.name, deliveredTo: d.deliverTo, passwordReset: true } } };
  }
  const created = await c.createRotation(role);
  await deliver(c, path, created.name, created.password);
  return { status: 'rotated', method: ROTATE, request, response: { body: { newRole: created.name, deliveredTo: d.deliverTo } } };
}

/** Adopted once the new role has a live connection; the old role's connections are counted too. */
export async function adoptionOf(c: PgRolesClient, a: ArtifactHandle): Promise<AdoptionObservation> {
  const role = String(a.attributes.role);
  const rotated = await c.rotatedFrom(role);
  if (!rotated) return { adopted: false, checks: [{ path: ADOPTION, adopted: false, observed: { newRole: null } }] };
  const [fresh, old] = await Promise.all([c.backends(rotated.name), c.backends(role)]);
  const adopted = rotated.canLogin && fresh.length > 0;
  return {
    adopted,
    checks: [{
      path: ADOPTION, adopted,
      observed: { newRole: rotated.name, newRoleCanLogin: rotated.canLogin, newRoleBackends: fresh.length, applications: [...new Set(fresh.map((b) => b.applicationName))].sort(), oldRoleBackends: old.length },
    }],
  };
}
