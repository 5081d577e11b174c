/**
 * The `aws-iam` connector: an IAM user's standing credentials (access keys, signing certificates,
 * console login profile, MFA devices, CodeCommit SSH keys) through the official AWS SDK clients,
 * and STS session credentials already issued as residual exposure. The subject is the IAM user
 * name. The same code reaches real AWS or a local moto_server: only the settings differ.
 *
 * ```yaml
 * connectors:
 *   aws-iam:prod:                       # real AWS: endpoint omitted, the SDK's own endpoints
 *     settings:
 *       region: us-east-1
 *       accessKeyIdRef: env:SEVER_AWS_ACCESS_KEY_ID       # a principal allowed the IAM actions of the manifest
 *       secretAccessKeyRef: file:/run/secrets/sever-aws-secret
 *   aws-iam:lab:                        # moto_server on loopback (lab/aws/start.ts)
 *     settings:
 *       endpoint: http://127.0.0.1:5000
 *       region: us-east-1
 *       accessKeyIdRef: env:MOTO_ADMIN_KEY_ID
 *       secretAccessKeyRef: env:MOTO_ADMIN_SECRET
 *   aws-iam:billing-worker:             # rotate-then-revoke for the key a workload uses
 *     settings:
 *       accessKeyIdRef: env:SEVER_AWS_ACCESS_KEY_ID
 *       secretAccessKeyRef: env:SEVER_AWS_SECRET
 *       rotation:
 *         deliverTo: file:/etc/billing/aws-credentials   # the shared-credentials file the workload re-reads
 *         profile: default
 * ```
 *
 * With `rotation`, access keys are rotatable: a policy rule with `action: rotate-then-revoke` for
 * them (e.g. matching `subjectType: workload`) gives the workload a new key first, and the old one
 * is revoked once IAM has seen the new one used.
 *
 * A leaked key is replayed only when its secret is given to the artifact
 * (`incident amend <incident> --artifact <artifactId> --value-file <file holding AccessKeyId:SecretAccessKey>`);
 * STS session credentials come from `incident add-artifact --kind access-token --value-file <file
 * holding AccessKeyId:SecretAccessKey:SessionToken> --expires-at <Expiration>`.
 */
import { z } from 'zod';
import type { Connector, ConnectorModule } from '../contract.ts';
import { secretRef } from '../shared/settings.ts';
import { AwsIamClient } from './client.ts';
import { discoverUser } from './discover.ts';
import { awsIamManifest } from './manifest.ts';
import { revokeCredential } from './revoke.ts';
import { adoptionOf, rotateAccessKey } from './rotate.ts';
import { verifyCredential } from './verify.ts';

export const awsIamSettings = z.strictObject({
  /** IAM's base URL; omit it for real AWS (the SDK's global IAM endpoint). */
  endpoint: z.url().optional().describe('base URL of IAM (omit for real AWS; e.g. http://127.0.0.1:5000 for moto_server)'),
  /** STS's base URL for replays; default: `endpoint`, or the SDK's regional STS endpoint. */
  stsEndpoint: z.url().optional().describe('base URL of STS for replays (default: endpoint, or the regional STS endpoint)'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1').default('us-east-1'),
  /** Sever's own access key id, by reference. */
  accessKeyIdRef: secretRef,
  /** Sever's own secret access key, by reference. */
  secretAccessKeyRef: secretRef,
  /** A session token, when Sever's credentials are temporary (an assumed role), by reference. */
  sessionTokenRef: secretRef.optional(),
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
  /**
   * Where a rotated access key goes: the shared-credentials file the workload re-reads. With it,
   * access keys are rotatable (rotate-then-revoke where the policy says so).
   */
  rotation: z.strictObject({
    deliverTo: z.string().regex(/^file:\/.+/, 'file:/absolute/path of the workload\'s shared-credentials file'),
    profile: z.string().regex(/^[\w.@+-]+$/, 'a profile name of the shared-credentials file').default('default'),
  }).optional()
    .describe('rotate-then-revoke: { deliverTo: file:/path, profile } of the AWS shared-credentials file the workload re-reads; with it, access keys are rotated before they are revoked'),
});

export const awsIamModule: ConnectorModule<typeof awsIamSettings> = {
  manifest: awsIamManifest,
  settingsSchema: awsIamSettings,
  create(name, s, deps): Connector {
    const c = new AwsIamClient({
      name, region: s.region, timeoutMs: s.timeoutMs,
      ...(s.endpoint ? { endpoint: s.endpoint } : {}), ...(s.stsEndpoint ? { stsEndpoint: s.stsEndpoint } : {}),
      credentials: async () => ({
        accessKeyId: await deps.resolveSecret(s.accessKeyIdRef),
        secretAccessKey: await deps.resolveSecret(s.secretAccessKeyRef),
        ...(s.sessionTokenRef ? { sessionToken: await deps.resolveSecret(s.sessionTokenRef) } : {}),
      }),
    });
    return {
      name, manifest: awsIamManifest,
      discover: (subject) => discoverUser(c, subject, { rotatable: !!s.rotation }),
      revoke: (a) => revokeCredential(c, a),
      verify: (a) => verifyCredential(c, deps.clock, a),
      rotate: (a) => rotateAccessKey(c, s.rotation, a),
      adoption: (a) => adoptionOf(c, a),
    };
  },
};
