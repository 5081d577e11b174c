/**
 * Rotate-then-revoke for a repository deploy key a workload fetches with: a new Ed25519 key is
 * added to the same repository with the same read_only, titled `<old title> (rotated by sever
 * <old key id>)` so a later call finds it, and its OpenSSH private key is written over the file the
 * workload reads its key from (mode 0600, through a copy renamed into place, so a reader never sees
 * half a key). The new key is added before it is delivered: the workload never holds a key GitHub
 * does not know. Adoption is the new key's `last_used`, GitHub's record of a Git operation that
 * authenticated with it. The old key is then deleted by the ordinary revoke.
 *
 * Sever keeps no private key: when an earlier rotation's key never reached the file (a crash or a
 * failed write in between), nobody can hold its private half, so it is deleted and a new one issued.
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle, AttributeValue } from '../../core/model.ts';
import type { AdoptionObservation, RotateOutcome } from '../contract.ts';
import type { DeployKey, GithubClient } from './client.ts';
import { DEPLOY_KEY_LAST_USED, ROTATE_DEPLOY_KEY } from './manifest.ts';
import { fingerprint, generateEd25519, publicKeyOfPrivate, sameKey } from './ssh-key.ts';

/** settings.rotation: where each rotated deploy key's workload reads its private key. */
export interface Rotation {
  deployKeys: Array<{ repo: string; title?: string | undefined; deliverTo: string }>;
}

/** The rotation target of a deploy key (by repository, and title when the entry names one). */
export function rotationFor(r: Rotation | undefined, repo: string, title: AttributeValue | undefined): Rotation['deployKeys'][number] | undefined {
  return r?.deployKeys.find((d) => d.repo === repo && (d.title === undefined || d.title === title));
}

export const rotatedTitle = (title: string, keyId: number) => `${title} (rotated by sever ${keyId})`;

interface Target {
  repo: string;
  keyId: number;
  newTitle: string;
  readOnly: boolean;
  deliverTo: string;
  path: string;
}

function targetOf(c: GithubClient, r: Rotation | undefined, a: ArtifactHandle): Target {
  if (a.kind !== 'ssh-public-key' || a.attributes.source !== 'deploy-key') {
    throw new SeverError('ERR_INPUT_INVALID', `${a.externalId}: the github connector rotates deploy keys only (ssh-public-key with source=deploy-key)`, { details: { artifact: a.externalId, kind: a.kind } });
  }
  const repo = String(a.attributes.repo);
  const t = rotationFor(r, repo, a.attributes.title);
  if (!t) {
    throw new SeverError('ERR_CONNECTOR_CONFIG', `${c.http.name}: no rotation target for the deploy key ${a.externalId} (settings.rotation.deployKeys has no entry for repo ${repo}${a.attributes.title ? ` titled "${String(a.attributes.title)}"` : ''}); it can only be revoked`, {
      details: { connector: c.http.name, artifact: a.externalId, repo },
    });
  }
  const keyId = Number(a.attributes.keyId);
  const title = typeof a.attributes.title === 'string' ? a.attributes.title : `deploy key ${keyId}`;
  return { repo, keyId, newTitle: rotatedTitle(title, keyId), readOnly: a.attributes.readOnly === true, deliverTo: t.deliverTo, path: t.deliverTo.slice('file:'.length) };
}

/** The public half of the key in the delivered file, or undefined (absent, unreadable, not an OpenSSH key). */
async function deliveredKey(path: string): Promise<string | undefined> {
  try {
    return publicKeyOfPrivate(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

async function deliver(c: GithubClient, t: Target, privateKey: string, newKeyId: number): Promise<void> {
  const tmp = `${t.path}.sever-${process.pid}`;
  try {
    await writeFile(tmp, privateKey, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, t.path);
  } catch (e) {
    throw new SeverError('ERR_FILE_WRITE', `${c.http.name}: could not deliver the new deploy key to ${t.deliverTo} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the new key ${newKeyId} exists on ${c.org}/${t.repo} unused, the old key is untouched, and the next rotation replaces the new key`, {
      details: { connector: c.http.name, deliverTo: t.deliverTo, repo: t.repo, newKeyId },
    });
  }
}

/** The rotation's key that reached the workload's file, among the keys titled for this rotation. */
const deliveredOf = (issued: DeployKey[], delivered: string | undefined) => (delivered === undefined ? undefined : issued.find((k) => sameKey(k.key, delivered)));

export async function rotateDeployKey(c: GithubClient, r: Rotation | undefined, a: ArtifactHandle): Promise<RotateOutcome> {
  const t = targetOf(c, r, a);
  const request = { repo: t.repo, keyId: t.keyId, title: t.newTitle, readOnly: t.readOnly, deliverTo: t.deliverTo };
  const issued = (await c.deployKeys(t.repo)).filter((k) => k.title === t.newTitle);
  const held = deliveredOf(issued, await deliveredKey(t.path));
  if (held) {
    return { status: 'already_rotated', method: ROTATE_DEPLOY_KEY, request, response: { body: { newKeyId: held.id, fingerprint: fingerprint(held.key), deliveredTo: t.deliverTo } } };
  }
  const pair = generateEd25519(`sever rotation of deploy key ${t.keyId} on ${c.org}/${t.repo}`);
  const created = await c.addDeployKey(t.repo, { title: t.newTitle, key: pair.publicKey, read_only: t.readOnly });
  await deliver(c, t, pair.privateKey, created.id);
  const removed: number[] = [];
  for (const k of issued) {
    await c.deleteDeployKey(t.repo, k.id);
    removed.push(k.id);
  }
  return {
    status: 'rotated', method: ROTATE_DEPLOY_KEY, request,
    response: { body: { newKeyId: created.id, fingerprint: pair.fingerprint, readOnly: created.read_only, deliveredTo: t.deliverTo, ...(removed.length ? { reissued: true, removedUndelivered: removed } : {}) } },
  };
}

/** Adopted once GitHub records a use of the delivered new key; the old key's last use is shown beside it. */
export async function deployKeyAdoption(c: GithubClient, r: Rotation | undefined, a: ArtifactHandle): Promise<AdoptionObservation> {
  const t = targetOf(c, r, a);
  const keys = await c.deployKeys(t.repo);
  const fresh = deliveredOf(keys.filter((k) => k.title === t.newTitle), await deliveredKey(t.path));
  const old = keys.find((k) => k.id === t.keyId);
  const adopted = typeof fresh?.last_used === 'string';
  return {
    adopted,
    checks: [{
      path: DEPLOY_KEY_LAST_USED, adopted,
      observed: { repo: t.repo, newKeyId: fresh?.id ?? null, newKeyLastUsed: fresh?.last_used ?? null, oldKeyId: t.keyId, oldKeyPresent: old !== undefined, oldKeyLastUsed: old?.last_used ?? null },
    }],
  };
}
