import type { ConnectorManifest } from '../contract.ts';
import { relist, replay } from '../shared/strength.ts';
import { awsIamRealService } from './real-service.ts';

/** Access keys and signing certificates share the kind `api-key`, so they share one revoke method name. */
export const DELETE_API_KEY = 'iam:UpdateAccessKey Inactive then iam:DeleteAccessKey (access key) | iam:DeleteSigningCertificate (signing certificate)';
export const RELIST_ACCESS_KEYS = 'iam-relist:ListAccessKeys';
export const REPLAY_ACCESS_KEY = 'sts-replay:GetCallerIdentity with the leaked key';
export const RELIST_SIGNING_CERTS = 'iam-relist:ListSigningCertificates';
export const ROTATE_KEY = 'iam:CreateAccessKey for the same user (tagged on the user as the rotation of the old key), delivered as an AWS shared-credentials file';
export const ADOPTION_KEY = 'iam:GetAccessKeyLastUsed of the new key';

export const DELETE_LOGIN_PROFILE = 'iam:DeleteLoginProfile';
export const RELIST_LOGIN_PROFILE = 'iam-relist:GetLoginProfile';

export const DELETE_MFA = 'iam:DeactivateMFADevice then iam:DeleteVirtualMFADevice (virtual devices)';
export const RELIST_MFA = 'iam-relist:ListMFADevices';

export const DELETE_SSH_KEY = 'iam:DeleteSSHPublicKey';
export const RELIST_SSH_KEYS = 'iam-relist:ListSSHPublicKeys';

export const NO_SESSION_REVOKE = 'none: AWS cannot revoke one set of STS session credentials';
export const REPLAY_SESSION = 'sts-replay:GetCallerIdentity with the session credentials';

/** The one-line instruction every "replay unavailable" reason carries: how to hand Sever the leaked value. */
export const AMEND_KEY = 'incident amend <incident> --artifact <artifactId> --value-file <file holding AccessKeyId:SecretAccessKey>';

const STS_SURVIVORS = {
  what: 'STS session credentials minted with the key before its deletion (GetSessionToken up to 36 h, AssumeRole up to 12 h, GetFederationToken) keep working until they expire: deleting the key does not end them',
  compensatingAction:
    'for each role the key assumed, the AWSRevokeOlderSessions deny overlay on the role (Deny * when aws:TokenIssueTime is before now), whose collateral is every session of that role, including legitimate ones; for GetSessionToken/GetFederationToken sessions the same deny overlay as an inline policy on the user; add any session credentials found as `access-token` artifacts (add-artifact, value AccessKeyId:SecretAccessKey:SessionToken, --expires-at) so their expiry is proved',
};
const WHAT_IT_DID = {
  what: 'whatever the attacker created with the credential stays: new users, access keys of other users, roles and their trust policies, login profiles',
  compensatingAction: 'review CloudTrail for IAM and STS calls made with the credential since the compromise, and open every principal it created or changed as a subject of this incident',
};

export const awsIamManifest: ConnectorManifest = {
  kind: 'aws-iam',
  version: 1,
  title: 'AWS IAM users',
  description:
    'Finds an IAM user\'s standing credentials (access keys, signing certificates, the console login profile, MFA devices, SSH public keys for CodeCommit) and deletes each one; proves an access key dead by replaying it (STS GetCallerIdentity signed with the leaked key must be refused) when its secret is held, and every credential by an admin re-list. STS session credentials already issued cannot be revoked one by one: they are residual exposure until they expire, proved expired by a refused replay after their expiry. With `rotation.deliverTo` set, an access key a workload uses is rotated first (rotate-then-revoke, when the policy says so): a second key for the same user, written to the workload\'s shared-credentials file, and the old key dies only once IAM has seen the new one used (GetAccessKeyLastUsed). Uses the official AWS SDK clients against the configured endpoint, so the same settings reach real AWS or a local moto_server.',
  artifacts: [
    {
      kind: 'api-key',
      discover: 'iam:ListAccessKeys (attributes credentialType=access-key, accessKeyId, status; issuedAt = CreateDate) and iam:ListSigningCertificates (credentialType=signing-certificate, certificateId, status; issuedAt = UploadDate)',
      revoke: { method: DELETE_API_KEY, selective: true },
      rotate: { method: ROTATE_KEY, adoption: ADOPTION_KEY },
      verify: [replay(REPLAY_ACCESS_KEY), relist(RELIST_ACCESS_KEYS), relist(RELIST_SIGNING_CERTS)],
      permissions: [
        'iam:ListAccessKeys', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey',
        'iam:GetAccessKeyLastUsed (the owner of a key given by value, before it is deleted; the adoption of a rotated key)',
        'iam:ListSigningCertificates', 'iam:DeleteSigningCertificate',
        'sts:GetCallerIdentity needs no permission (the replay is signed with the leaked key itself, never with Sever\'s)',
        'rotation only: iam:CreateAccessKey, iam:TagUser, iam:UntagUser, iam:ListUserTags, and write access to the workload\'s credentials file (rotation.deliverTo)',
      ],
      residue: [
        STS_SURVIVORS,
        WHAT_IT_DID,
        {
          what: 'a signing certificate has no replay path here: the SOAP/legacy services that accept it are not callable by Sever, so its death rests on the re-list alone (relist strength)',
          compensatingAction: 'the default policy\'s aws-signing-certificates proof rule accepts relist for it; keep the re-list evidence, and check CloudTrail for use of the certificate',
        },
        {
          what: 'during rotate-then-revoke the old key keeps working, for the workload and for whoever else holds it, until IAM has seen the new key used; a workload that never re-reads its credentials file keeps the old key alive until the adoption deadline, and then the step fails (ERR_ROTATION_NOT_ADOPTED) with the old key left live',
          compensatingAction: 'make the workload re-read its shared-credentials file (or restart it) and contain again; or re-plan the key with the action revoke and accept the outage',
        },
        {
          what: 'IAM allows two access keys per user: a user that already has a second key besides the compromised one cannot be rotated, and the rotation is refused naming both keys',
          compensatingAction: 'decide which key the workload needs, delete or add the other one to the incident, and contain again',
        },
        {
          what: 'adoption is IAM\'s record of the new key\'s last use: moto_server (the test peer) records a use as soon as a request names the key, even one whose signature it then refuses; AWS documents LastUsedDate as the time of the most recent use and does not say how soon it is recorded',
          compensatingAction: 'the adoption deadline (adoptionPolicy) allows for a late record; against AWS, CloudTrail shows the calls the new key made',
        },
        {
          what: 'an access key whose secret Sever does not hold is proved dead by the re-list only (the replay needs AccessKeyId:SecretAccessKey, which AWS never shows again after creation)',
          compensatingAction: `give the leaked value to the artifact: ${AMEND_KEY}; then \`incident verify\` replays it`,
        },
      ],
      // IAM is eventually consistent: a deleted key may authenticate for a few seconds.
      expectedDeadByMs: 5_000,
    },
    {
      kind: 'directory-account',
      discover: 'iam:GetLoginProfile (the console password; issuedAt = CreateDate)',
      revoke: { method: DELETE_LOGIN_PROFILE, selective: true },
      verify: [relist(RELIST_LOGIN_PROFILE)],
      permissions: ['iam:GetLoginProfile', 'iam:DeleteLoginProfile'],
      residue: [
        {
          what: 'a console sign-in cannot be replayed through the API (it is a browser flow with MFA and CAPTCHA), so the login profile\'s death rests on GetLoginProfile answering NoSuchEntity (relist strength)',
          compensatingAction: 'the default policy\'s aws-console-login proof rule accepts relist for it',
        },
        {
          what: 'console sessions already signed in stay valid until they expire (up to 12 h): deleting the login profile refuses new sign-ins only',
          compensatingAction: 'an inline deny overlay on the user (Deny * when aws:TokenIssueTime is before now), the same as the console\'s "revoke active sessions" for roles',
        },
      ],
      expectedDeadByMs: 5_000,
    },
    {
      kind: 'mfa-factor',
      discover: 'iam:ListMFADevices (serialNumber; issuedAt = EnableDate; virtual when the serial is an ARN …:mfa/…)',
      revoke: { method: DELETE_MFA, selective: true },
      verify: [relist(RELIST_MFA)],
      permissions: ['iam:ListMFADevices', 'iam:DeactivateMFADevice', 'iam:DeleteVirtualMFADevice'],
      residue: [
        {
          what: 'sessions already authenticated with the factor (MFA-flagged STS credentials, console sessions) stay valid until they expire',
          compensatingAction: 'the deny overlay on the user (aws:TokenIssueTime), as for the console login; and revoke the login profile and access keys so no new session can start',
        },
      ],
      expectedDeadByMs: 5_000,
    },
    {
      kind: 'ssh-public-key',
      discover: 'iam:ListSSHPublicKeys (sshPublicKeyId, status; issuedAt = UploadDate)',
      revoke: { method: DELETE_SSH_KEY, selective: true },
      verify: [relist(RELIST_SSH_KEYS)],
      permissions: ['iam:ListSSHPublicKeys', 'iam:DeleteSSHPublicKey'],
      residue: [
        {
          what: 'repositories already cloned over SSH stay with the attacker; Sever never holds the private key, so the key cannot be replayed against CodeCommit',
          compensatingAction: 'rotate any secret those CodeCommit repositories contain, and review their push history since the compromise',
        },
      ],
      expectedDeadByMs: 5_000,
    },
    {
      kind: 'access-token',
      discover: 'none: AWS cannot list the STS session credentials issued to a user or role; add them with `incident add-artifact --kind access-token --value-file <file holding AccessKeyId:SecretAccessKey:SessionToken> --expires-at <Expiration>`',
      revoke: {
        method: NO_SESSION_REVOKE,
        selective: false,
        fallback: 'await expiry (the Expiration given with --expires-at); to cut it short, the AWSRevokeOlderSessions deny overlay on the role (aws:TokenIssueTime), which denies every session of the role issued before now',
      },
      verify: [replay(REPLAY_SESSION)],
      permissions: ['none: the replay (sts:GetCallerIdentity) is signed with the session credentials themselves; the compensating overlay needs iam:PutRolePolicy on the role, applied by a person'],
      residue: [
        {
          what: 'STS session credentials live until their Expiration whatever is done to the key, user or role that minted them (deleting the role does not end them)',
          compensatingAction: 'the AWSRevokeOlderSessions deny overlay on the role: Deny * with the condition aws:TokenIssueTime before now; collateral: every session of the role issued before now, including the workloads\' own, which must assume the role again',
        },
        {
          what: 'the deny overlay denies actions, not authentication: GetCallerIdentity still answers for a denied session, so the replay keeps saying live until the credentials expire; and moto_server (the test peer) enforces neither session expiry nor policy conditions, so neither expiry nor the overlay can be proved against it',
          compensatingAction: 'the artifact is proved `expired` only by a refused replay after its Expiration against real AWS; a test documents that moto keeps accepting expired session credentials',
        },
      ],
      expectedDeadByMs: 0,
    },
  ],
  // AWS does not publish IAM's per-action request rates (it throttles per account with `Throttling`);
  // 5 a second, 4 at a time, keeps a containment clear of it and leaves room for the account's other
  // automation. Config may lower it.
  limits: { concurrency: 4, rate: { limit: 5, windowMs: 1_000 } },
  verifyPolicy: { pollIntervalMs: 1_000, deadlineMs: 60_000 },
  realService: awsIamRealService,
  // A workload picks up a rewritten credentials file when it next re-reads it: minutes, not hours.
  adoptionPolicy: { pollIntervalMs: 5_000, deadlineMs: 15 * 60_000 },
};
