/**
 * The value an operator gives an artifact (`incident add-artifact` / `incident amend --value-file`):
 * `AccessKeyId:SecretAccessKey` for an access key, `AccessKeyId:SecretAccessKey:SessionToken` for
 * STS session credentials. The JSON that `aws sts assume-role` / `get-session-token` print (the
 * `Credentials` object, or its parent) is taken too. Pure; the value never reaches a message.
 */
import type { AwsCredentials } from './client.ts';

const KEY_ID = /^(AKIA|ASIA|[A-Z0-9]{4})[A-Z0-9]{12,124}$/;

/** The credential in a held value, or undefined when the value is not one (the reason is secret-free). */
export function parseLeakedValue(value: string): { credential: AwsCredentials } | { problem: string } {
  const v = value.trim();
  if (v.startsWith('{')) {
    try {
      const j = JSON.parse(v) as Record<string, unknown>;
      const c = (typeof j.Credentials === 'object' && j.Credentials !== null ? j.Credentials : j) as Record<string, unknown>;
      if (typeof c.AccessKeyId === 'string' && typeof c.SecretAccessKey === 'string') {
        return check({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(typeof c.SessionToken === 'string' ? { sessionToken: c.SessionToken } : {}) });
      }
    } catch {
      // fall through to the problem below
    }
    return { problem: 'the held value is JSON without AccessKeyId and SecretAccessKey' };
  }
  const parts = v.split(':');
  if (parts.length !== 2 && parts.length !== 3) return { problem: 'the held value is not AccessKeyId:SecretAccessKey (or AccessKeyId:SecretAccessKey:SessionToken)' };
  const [accessKeyId, secretAccessKey, sessionToken] = parts as [string, string, string | undefined];
  return check({ accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) });
}

function check(c: AwsCredentials): { credential: AwsCredentials } | { problem: string } {
  if (!KEY_ID.test(c.accessKeyId)) return { problem: 'the held value does not start with an access key id (AKIA… or ASIA…)' };
  if (!c.secretAccessKey) return { problem: 'the held value has no secret access key after the access key id' };
  return { credential: c };
}
