/**
 * Rotate-then-revoke for an access key a workload uses: a second access key for the same IAM user,
 * delivered to the workload's shared-credentials file (`settings.rotation.deliverTo`); adoption is
 * IAM's record of the new key being used (GetAccessKeyLastUsed). The old key is then revoked by the
 * ordinary revoke (deactivated, then deleted) and proved dead by its replay.
 *
 * Which key a rotation made is kept at the provider, not in Sever: a user tag whose key is the new
 * access key id and whose value names the old one (`sever rotation of AKIA…`), the place the AWS
 * console keeps an access key's description. So a second call finds it:
 * - found, and the file holds it: `already_rotated`;
 * - found, but the file does not hold it (the delivery was lost: a crash between CreateAccessKey
 *   and the write, or a failed write): its secret existed only in that lost call and IAM never shows
 *   it again, so nobody can be using it. It is deleted (unless IAM has seen it used: then someone
 *   holds it, and the rotation stops to say so) and a new key is created and delivered;
 * - not found: a new key, unless the user already has a second key besides the old one. IAM allows
 *   two per user, and Sever never deletes a key it did not create: the call is refused
 *   (ERR_PROVIDER_REJECTED naming the limit and the keys). A crash between CreateAccessKey and the
 *   tag leaves such an untagged key behind; the refusal names its creation time so a person can tell.
 */
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { AdoptionObservation, RotateOutcome } from '../contract.ts';
import type { AwsIamClient } from './client.ts';
import { deliveredKeyId, deliver, type Delivery } from './deliver.ts';
import { ADOPTION_KEY, ROTATE_KEY } from './manifest.ts';
import { apiKeyTarget } from './target.ts';

/** The tag value that marks a key as the rotation of `old` (key: the new access key id). */
export const rotationMark = (old: string) => `sever rotation of ${old}`;

function accessKeyOf(name: string, a: ArtifactHandle): { user: string; old: string } {
  if (a.kind !== 'api-key' || a.attributes.credentialType === 'signing-certificate') {
    throw new SeverError('ERR_INPUT_INVALID', `${name}: only access keys are rotated, not ${a.attributes.credentialType ?? a.kind}`, { details: { connector: name, kind: a.kind } });
  }
  const t = apiKeyTarget(a);
  if (t.type !== 'access-key') throw new SeverError('ERR_INPUT_INVALID', `${name}: only access keys are rotated`, { details: { connector: name } });
  return { user: t.user, old: t.accessKeyId };
}

/** The key an earlier rotation of `old` created (per the user's tags), if it still exists. */
async function rotatedKey(c: AwsIamClient, user: string, old: string) {
  const [keys, tags] = [await c.accessKeys(user), await c.userTags(user)];
  if (keys === undefined || tags === undefined) {
    throw new SeverError('ERR_INPUT_INVALID', `${c.d.name}: IAM user ${user} does not exist (any more): there is nothing to rotate`, { details: { connector: c.d.name, userName: user } });
  }
  return { keys, created: keys.find((k) => k.id !== old && tags[k.id] === rotationMark(old)) };
}

export async function rotateAccessKey(c: AwsIamClient, d: Delivery | undefined, a: ArtifactHandle): Promise<RotateOutcome> {
  if (!d) throw new SeverError('ERR_CONNECTOR_CONFIG', `${c.d.name}: no rotation configured (settings.rotation.deliverTo); the key can only be revoked`, { details: { connector: c.d.name } });
  const { user, old } = accessKeyOf(c.d.name, a);
  const request = { userName: user, oldAccessKeyId: old, deliverTo: d.deliverTo, profile: d.profile };
  const { keys, created } = await rotatedKey(c, user, old);
  let replaced: string | undefined;
  if (created) {
    if ((await deliveredKeyId(d)) === created.id) {
      return { status: 'already_rotated', method: ROTATE_KEY, request, response: { body: { newAccessKeyId: created.id, deliveredTo: d.deliverTo } } };
    }
    const used = await c.keyLastUsed(created.id);
    if (used?.lastUsedAt) {
      throw new SeverError('ERR_PROVIDER_REJECTED', `${c.d.name}: access key ${created.id}, made by an earlier rotation of ${old}, is not in ${d.deliverTo} yet IAM saw it used at ${used.lastUsedAt}: someone holds it. Sever does not delete it; find who uses it, delete it (iam:DeleteAccessKey) if it is not yours, and contain again`, {
        details: { connector: c.d.name, userName: user, accessKeyId: created.id, lastUsedAt: used.lastUsedAt },
      });
    }
    // Its secret was only in the lost call: nobody can use it. Replace it.
    await c.deleteAccessKey(user, created.id);
    await c.untagUser(user, [created.id]);
    replaced = created.id;
  }
  const others = keys.filter((k) => k.id !== old && k.id !== replaced);
  if (others.length + (keys.some((k) => k.id === old) ? 1 : 0) >= 2) {
    const list = others.map((k) => `${k.id} (${k.status ?? 'status unknown'}, created ${k.createdAt ?? 'at an unknown time'})`).join(', ');
    throw new SeverError('ERR_PROVIDER_REJECTED', `${c.d.name}: IAM user ${user} already has two access keys (${old} and ${list}); IAM allows at most 2 per user (AccessKeysPerUser), and Sever deletes no key it did not create. Decide which of them the workload needs, delete the other (iam:DeleteAccessKey) or add it to this incident, and contain again`, {
      details: { connector: c.d.name, userName: user, limit: 'AccessKeysPerUser=2', accessKeys: [old, ...others.map((k) => k.id)] },
    });
  }
  const key = await c.createAccessKey(user);
  await c.tagUser(user, key.accessKeyId, rotationMark(old));
  await deliver(c.d.name, d, key);
  return {
    status: 'rotated', method: ROTATE_KEY, request,
    response: { body: { newAccessKeyId: key.accessKeyId, deliveredTo: d.deliverTo, ...(replaced ? { replacedUndelivered: replaced } : {}) } },
  };
}

/**
 * Adopted once IAM has seen the new key used. The key exists only since the rotation and Sever never
 * signs with it, so any recorded use is the dependents'. The old key's last use is observed too.
 */
export async function adoptionOf(c: AwsIamClient, a: ArtifactHandle): Promise<AdoptionObservation> {
  const { user, old } = accessKeyOf(c.d.name, a);
  const { created } = await rotatedKey(c, user, old);
  if (!created) return { adopted: false, checks: [{ path: ADOPTION_KEY, adopted: false, observed: { newAccessKeyId: null } }] };
  const [fresh, before] = [await c.keyLastUsed(created.id), await c.keyLastUsed(old)];
  const adopted = !!fresh?.lastUsedAt;
  return {
    adopted,
    checks: [{
      path: ADOPTION_KEY, adopted,
      observed: {
        newAccessKeyId: created.id, newKeyLastUsedAt: fresh?.lastUsedAt ?? null, newKeyService: fresh?.service ?? null, newKeyRegion: fresh?.region ?? null,
        oldAccessKeyId: old, oldKeyLastUsedAt: before?.lastUsedAt ?? null,
      },
    }],
  };
}
