import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { AwsIamClient } from './client.ts';
import { isVirtualMfa } from './discover.ts';
import { DELETE_API_KEY, DELETE_LOGIN_PROFILE, DELETE_MFA, DELETE_SSH_KEY } from './manifest.ts';
import { apiKeyTarget, userOf } from './target.ts';

const outcome = (done: boolean, method: string, request: Record<string, unknown>, body: Record<string, unknown>): RevokeOutcome => ({
  status: done ? 'revoked' : 'already_revoked', method, request, response: { body },
});

/**
 * Deletes one credential of the user. A credential IAM no longer has (NoSuchEntity) answers
 * `already_revoked`. STS session credentials cannot be revoked: ERR_NOT_REVOCABLE (the plan awaits
 * their expiry; the manifest names the compensating deny overlay).
 */
export async function revokeCredential(c: AwsIamClient, a: ArtifactHandle): Promise<RevokeOutcome> {
  switch (a.kind) {
    case 'api-key': {
      const t = apiKeyTarget(a);
      if (t.type === 'signing-certificate') {
        const done = await c.deleteSigningCertificate(t.user, t.certificateId);
        return outcome(done, DELETE_API_KEY, { action: 'iam:DeleteSigningCertificate', userName: t.user, certificateId: t.certificateId }, { deleted: done });
      }
      if (a.attributes.userName === undefined) {
        // Given by value (add-artifact), not discovered: IAM answers NoSuchEntity for another user's
        // key, which would read as already revoked. Find its owner first.
        const owner = await c.accessKeyOwner(t.accessKeyId);
        if (owner !== undefined && owner !== t.user) {
          throw new SeverError('ERR_INPUT_INVALID', `access key ${t.accessKeyId} belongs to IAM user ${owner}, not to ${t.user}: open ${owner} as a subject, or add \`--attribute userName=${owner}\` to the artifact`, {
            details: { field: 'attribute', name: 'userName', accessKeyId: t.accessKeyId, owner },
          });
        }
      }
      // Deactivate first (AWS guidance; it stops use at once if the delete then fails), then delete:
      // an Inactive key can be re-activated, and some implementations (moto) still accept it.
      const deactivated = await c.deactivateAccessKey(t.user, t.accessKeyId);
      const deleted = deactivated ? await c.deleteAccessKey(t.user, t.accessKeyId) : false;
      return outcome(deactivated, DELETE_API_KEY, { actions: ['iam:UpdateAccessKey Status=Inactive', 'iam:DeleteAccessKey'], userName: t.user, accessKeyId: t.accessKeyId }, { deactivated, deleted });
    }
    case 'directory-account': {
      const user = userOf(a);
      const done = await c.deleteLoginProfile(user);
      return outcome(done, DELETE_LOGIN_PROFILE, { action: 'iam:DeleteLoginProfile', userName: user }, { deleted: done });
    }
    case 'mfa-factor': {
      const user = userOf(a);
      const serial = String(a.attributes.serialNumber ?? '');
      if (!serial) throw new SeverError('ERR_INPUT_INVALID', `${a.externalId}: an MFA device needs \`--attribute serialNumber=<serial or ARN>\``, { details: { field: 'attribute', name: 'serialNumber' } });
      const deactivated = await c.deactivateMfa(user, serial);
      // A virtual device left behind by an earlier, interrupted revoke is deleted all the same.
      const deleted = isVirtualMfa(serial) ? await c.deleteVirtualMfa(serial) : false;
      return outcome(deactivated || deleted, DELETE_MFA, { actions: ['iam:DeactivateMFADevice', ...(isVirtualMfa(serial) ? ['iam:DeleteVirtualMFADevice'] : [])], userName: user, serialNumber: serial }, { deactivated, deleted });
    }
    case 'ssh-public-key': {
      const user = userOf(a);
      const id = String(a.attributes.sshPublicKeyId ?? '');
      if (!id) throw new SeverError('ERR_INPUT_INVALID', `${a.externalId}: an SSH public key needs \`--attribute sshPublicKeyId=<APKA…>\``, { details: { field: 'attribute', name: 'sshPublicKeyId' } });
      const done = await c.deleteSshPublicKey(user, id);
      return outcome(done, DELETE_SSH_KEY, { action: 'iam:DeleteSSHPublicKey', userName: user, sshPublicKeyId: id }, { deleted: done });
    }
    case 'access-token':
      throw new SeverError('ERR_NOT_REVOCABLE', `${a.externalId}: AWS cannot revoke one set of STS session credentials; they live until ${a.expiresAt ?? 'their Expiration (unknown: add it with --expires-at)'}. To cut them short, put the AWSRevokeOlderSessions deny overlay (aws:TokenIssueTime) on the role, which denies every session of the role issued before now`, {
        details: { kind: a.kind, expiresAt: a.expiresAt ?? null },
      });
    default:
      throw new SeverError('ERR_INPUT_INVALID', `aws-iam cannot handle ${a.kind}`, { details: { kind: a.kind } });
  }
}
