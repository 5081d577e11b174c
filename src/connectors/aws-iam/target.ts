/**
 * What an artifact handle points at in IAM, whether it came from discovery (attributes) or from
 * `incident add-artifact` (a held value, the subject's user name). Pure.
 */
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { AwsCredentials } from './client.ts';
import { parseLeakedValue } from './leaked-value.ts';

export type ApiKeyTarget =
  | { type: 'access-key'; user: string; accessKeyId: string }
  | { type: 'signing-certificate'; user: string; certificateId: string };

const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** The IAM user the artifact belongs to: its `userName` attribute, else the incident subject's id here. */
export function userOf(a: ArtifactHandle): string {
  const user = text(a.attributes.userName) ?? text(a.subjectId);
  if (!user) throw new SeverError('ERR_INPUT_INVALID', `${a.externalId}: the IAM user is unknown; add \`--attribute userName=<IAM user>\` to the artifact`, { details: { field: 'attribute', name: 'userName' } });
  return user;
}

/** The credential in the artifact's held value, or why it cannot be used (secret-free). */
export function heldCredential(a: ArtifactHandle): { credential: AwsCredentials } | { problem: string } | undefined {
  return a.secret === undefined ? undefined : parseLeakedValue(a.secret);
}

export function apiKeyTarget(a: ArtifactHandle): ApiKeyTarget {
  const user = userOf(a);
  if (a.attributes.credentialType === 'signing-certificate') {
    const certificateId = text(a.attributes.certificateId);
    if (!certificateId) throw new SeverError('ERR_INPUT_INVALID', `${a.externalId}: a signing certificate needs \`--attribute certificateId=<id>\``, { details: { field: 'attribute', name: 'certificateId' } });
    return { type: 'signing-certificate', user, certificateId };
  }
  const held = heldCredential(a);
  const accessKeyId = text(a.attributes.accessKeyId) ?? (held && 'credential' in held ? held.credential.accessKeyId : undefined);
  if (!accessKeyId) {
    throw new SeverError('ERR_INPUT_INVALID', `${a.externalId}: the access key id is unknown; add \`--attribute accessKeyId=<AKIA…>\` or give the value AccessKeyId:SecretAccessKey`, { details: { field: 'attribute', name: 'accessKeyId' } });
  }
  return { type: 'access-key', user, accessKeyId };
}
