/**
 * How to point the aws-iam connector at a real AWS account (rendered on docs/connectors/aws-iam.md):
 * an IAM policy with exactly the IAM actions client.ts sends (a test compares the two).
 */
import type { RealService } from '../contract.ts';

/** Every IAM action the client sends, on the IAM users it may act on. */
const USER_ACTIONS = [
  'iam:ListAccessKeys', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey', 'iam:GetAccessKeyLastUsed',
  'iam:ListSigningCertificates', 'iam:DeleteSigningCertificate',
  'iam:GetLoginProfile', 'iam:DeleteLoginProfile',
  'iam:ListMFADevices', 'iam:DeactivateMFADevice',
  'iam:ListSSHPublicKeys', 'iam:DeleteSSHPublicKey',
];

/** Sent only for rotate-then-revoke of an access key (`rotation` in the settings). */
const ROTATION_ACTIONS = ['iam:CreateAccessKey', 'iam:TagUser', 'iam:UntagUser', 'iam:ListUserTags'];

const POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'SeverUserCredentials', Effect: 'Allow', Action: USER_ACTIONS, Resource: 'arn:aws:iam::111122223333:user/*' },
    { Sid: 'SeverVirtualMfaDevices', Effect: 'Allow', Action: ['iam:DeleteVirtualMFADevice'], Resource: 'arn:aws:iam::111122223333:mfa/*' },
    { Sid: 'SeverRotationOnly', Effect: 'Allow', Action: ROTATION_ACTIONS, Resource: 'arn:aws:iam::111122223333:user/*' },
  ],
};

export const awsIamRealService: RealService = {
  baseUrls: [
    'Omit `endpoint` and `stsEndpoint` (they exist for moto_server): the SDK then uses IAM\'s global endpoint, `https://iam.amazonaws.com`, and the regional STS endpoint of `region`, `https://sts.{region}.amazonaws.com`, for the replays.',
    'Other partitions: set `region` to one of theirs (e.g. `us-gov-west-1`, `cn-north-1`) and the SDK picks that partition\'s IAM and STS endpoints; the policy\'s ARNs then start `arn:aws-us-gov:` or `arn:aws-cn:`.',
  ],
  credential: [
    'Create a dedicated principal for Sever in the account it contains: preferably a role that Sever\'s host assumes (temporary credentials: `accessKeyIdRef`, `secretAccessKeyRef` and `sessionTokenRef`, re-read on every call, so whatever refreshes them may rewrite the files), otherwise an IAM user with one access key. Never a principal that may become a subject: Sever would delete its own key.',
    'Attach the policy below as its only permissions, with your account id instead of 111122223333. Narrow `user/*` to a path (e.g. `user/staff/*`) when the users Sever may contain live under one, and drop the `SeverRotationOnly` statement unless access keys are rotated (rotate-then-revoke).',
    'Put the access key id and secret (and the session token) in environment variables or files and name them in the settings. One connector instance per AWS account.',
  ],
  leastPrivilege: [
    { permission: 'iam:ListAccessKeys', usedFor: 'discover the user\'s access keys and re-list them after revocation' },
    { permission: 'iam:UpdateAccessKey', usedFor: 'set a key Inactive first (takes effect at once, reversible)' },
    { permission: 'iam:DeleteAccessKey', usedFor: 'then delete it' },
    { permission: 'iam:GetAccessKeyLastUsed', usedFor: 'find the owning user of a key given by value, before it is deleted; with rotation, see whether the new key has been used (adoption)' },
    { permission: 'iam:ListSigningCertificates', usedFor: 'discover and re-list signing certificates' },
    { permission: 'iam:DeleteSigningCertificate', usedFor: 'delete a signing certificate' },
    { permission: 'iam:GetLoginProfile', usedFor: 'discover the console password and read it back (NoSuchEntity = gone)' },
    { permission: 'iam:DeleteLoginProfile', usedFor: 'delete the console password' },
    { permission: 'iam:ListMFADevices', usedFor: 'discover and re-list MFA devices' },
    { permission: 'iam:DeactivateMFADevice', usedFor: 'detach an MFA device from the user' },
    { permission: 'iam:DeleteVirtualMFADevice', usedFor: 'then delete it when it is virtual (resource type `mfa`, hence the second statement)' },
    { permission: 'iam:ListSSHPublicKeys', usedFor: 'discover and re-list CodeCommit SSH public keys' },
    { permission: 'iam:DeleteSSHPublicKey', usedFor: 'delete an SSH public key' },
    { permission: 'iam:CreateAccessKey', usedFor: 'rotation only: the second key for the same user, handed to the workload' },
    { permission: 'iam:TagUser', usedFor: 'rotation only: tag the user with which new key rotates which old one (the record a repeated rotate finds its key by)' },
    { permission: 'iam:ListUserTags', usedFor: 'rotation only: read those tags back (discovery and rotate)' },
    { permission: 'iam:UntagUser', usedFor: 'rotation only: drop the tag of a new key whose delivery was lost (that key is deleted and replaced)' },
    { permission: 'write access to the workload\'s credentials file', usedFor: 'rotation only: Sever writes the new key to the shared-credentials file the workload reads (a file permission on Sever\'s host, not an IAM one)' },
    { permission: 'sts:GetCallerIdentity', usedFor: 'the replay: signed with the leaked key or session credentials themselves, never with Sever\'s, so nothing to grant' },
  ],
  policy: { language: 'json', text: JSON.stringify(POLICY, null, 2) },
  example: `connectors:
  aws-iam:prod:
    settings:
      region: us-east-1
      accessKeyIdRef: file:/run/secrets/sever-aws/access-key-id
      secretAccessKeyRef: file:/run/secrets/sever-aws/secret-access-key
      sessionTokenRef: file:/run/secrets/sever-aws/session-token   # only with temporary (assumed-role) credentials
      rotation:                                                     # optional: rotate-then-revoke of a workload's key
        deliverTo: file:/etc/billing/aws-credentials                # the shared-credentials file the workload re-reads
        profile: default
      # no endpoint / stsEndpoint: real AWS`,
  notes: [
    'Sever never changes policies: the compensating `AWSRevokeOlderSessions` deny overlay for STS sessions (on a role, `iam:PutRolePolicy`; on a user, `iam:PutUserPolicy`) is applied by a person with those rights, not by this principal.',
    'AWS publishes no per-action IAM request rate; the manifest\'s budget (5 calls a second, 4 at a time) leaves room for the account\'s other automation, and `Throttling` is retried by the engine.',
    'Tested only against moto_server with credential checking on; on real AWS a deleted key may still authenticate for a few seconds (IAM is eventually consistent), which verification polling absorbs, and expired STS credentials are refused, which is what proves them `expired`.',
  ],
};
