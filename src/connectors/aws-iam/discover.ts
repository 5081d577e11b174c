import type { DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { AwsIamClient } from './client.ts';

export const accessKeyExternalId = (id: string) => `access-key:${id}`;
export const certificateExternalId = (id: string) => `signing-certificate:${id}`;
export const loginProfileExternalId = (user: string) => `login-profile:${user}`;
export const mfaExternalId = (serial: string) => `mfa:${serial}`;
export const sshKeyExternalId = (id: string) => `ssh-public-key:${id}`;

/** A virtual MFA device's serial number is its ARN (`arn:aws:iam::<account>:mfa/<name>`); hardware and FIDO devices are not deleted, only deactivated. */
export const isVirtualMfa = (serial: string) => /^arn:aws[\w-]*:iam::\d*:mfa\//.test(serial);

const when = (at: string | null) => (at ? { issuedAt: at } : {});

/**
 * Every standing credential of the IAM user `subject.id`: access keys and signing certificates
 * (Active and Inactive: an inactive one is one UpdateAccessKey away from working), the console
 * login profile, MFA devices and SSH public keys. A user that does not exist has none.
 *
 * With rotation configured (`rotatable`), access keys are marked rotatable, and a key an earlier
 * rotation made (a user tag `sever rotation of <old key>` keyed by its id) says so in `rotationOf`.
 */
export async function discoverUser(c: AwsIamClient, subject: SubjectRef, o: { rotatable: boolean } = { rotatable: false }): Promise<DiscoveredArtifact[]> {
  const user = subject.id;
  const [keys, certs, profile, mfas, sshKeys] = [await c.accessKeys(user), await c.signingCertificates(user), await c.loginProfile(user), await c.mfaDevices(user), await c.sshPublicKeys(user)];
  const tags = o.rotatable && keys?.length ? ((await c.userTags(user)) ?? {}) : {};
  const out: DiscoveredArtifact[] = [];
  for (const k of keys ?? []) {
    const rotationOf = /^sever rotation of (\S+)$/.exec(tags[k.id] ?? '')?.[1];
    out.push({
      kind: 'api-key', externalId: accessKeyExternalId(k.id), label: `access key ${k.id} of IAM user ${user} (${k.status ?? 'status unknown'})${rotationOf ? `, made by Sever's rotation of ${rotationOf}` : ''}`, ...when(k.createdAt),
      attributes: { credentialType: 'access-key', accessKeyId: k.id, status: k.status, userName: user, ...(o.rotatable ? { rotatable: true } : {}), ...(rotationOf ? { rotationOf } : {}) },
    });
  }
  for (const k of certs ?? []) {
    out.push({
      kind: 'api-key', externalId: certificateExternalId(k.id), label: `signing certificate ${k.id} of IAM user ${user} (${k.status ?? 'status unknown'})`, ...when(k.createdAt),
      attributes: { credentialType: 'signing-certificate', certificateId: k.id, status: k.status, userName: user },
    });
  }
  if (profile) {
    out.push({
      kind: 'directory-account', externalId: loginProfileExternalId(user), label: `console password (login profile) of IAM user ${user}`, ...when(profile.createdAt),
      attributes: { credentialType: 'login-profile', userName: user, passwordResetRequired: profile.passwordResetRequired },
    });
  }
  for (const m of mfas ?? []) {
    out.push({
      kind: 'mfa-factor', externalId: mfaExternalId(m.serialNumber), label: `${isVirtualMfa(m.serialNumber) ? 'virtual ' : ''}MFA device ${m.serialNumber} of IAM user ${user}`, ...when(m.enabledAt),
      attributes: { serialNumber: m.serialNumber, virtual: isVirtualMfa(m.serialNumber), userName: user },
    });
  }
  for (const k of sshKeys ?? []) {
    out.push({
      kind: 'ssh-public-key', externalId: sshKeyExternalId(k.id), label: `SSH public key ${k.id} (CodeCommit) of IAM user ${user} (${k.status ?? 'status unknown'})`, ...when(k.createdAt),
      attributes: { sshPublicKeyId: k.id, status: k.status, userName: user },
    });
  }
  return out;
}
