/**
 * The only code of the aws-iam connector that talks to AWS: the official SDK clients (IAM, STS)
 * pointed at the configured endpoint, with the SDK's own retries off (`maxAttempts: 1`: the
 * engine retries). Outcomes become coded errors: throttling (`Throttling`, 429, the SDK's
 * `$retryable.throttling`) → ERR_PROVIDER_RATE_LIMITED; 5xx, an unreachable endpoint or a timeout →
 * ERR_PROVIDER_UNAVAILABLE (both retryable); Sever's own credentials refused, a missing
 * permission or any other 4xx → ERR_PROVIDER_REJECTED; an answer the SDK cannot read →
 * ERR_PROVIDER_RESPONSE. `NoSuchEntity` is an answer, not an error, where the operation expects it.
 */
import {
  CreateAccessKeyCommand, DeactivateMFADeviceCommand, DeleteAccessKeyCommand, DeleteLoginProfileCommand, DeleteSigningCertificateCommand, DeleteSSHPublicKeyCommand,
  DeleteVirtualMFADeviceCommand, GetAccessKeyLastUsedCommand, GetLoginProfileCommand, IAMClient, ListAccessKeysCommand, ListMFADevicesCommand, ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand, ListUserTagsCommand, TagUserCommand, UntagUserCommand, UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SeverError } from '../../core/errors.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsDeps {
  name: string;
  /** Base URL of IAM (absent: the SDK's own AWS endpoint). */
  endpoint?: string;
  /** Base URL of STS for the replay (absent: `endpoint`, or the SDK's regional STS endpoint). */
  stsEndpoint?: string;
  region: string;
  /** Sever's own admin credentials, resolved from their references at each call. */
  credentials(): Promise<AwsCredentials>;
  timeoutMs: number;
}

/** One credential of a user as IAM lists it. `status` is Active / Inactive where IAM has one. */
export interface Listed {
  id: string;
  status: string | null;
  createdAt: string | null;
}

export interface MfaDevice {
  serialNumber: string;
  enabledAt: string | null;
}

/** When IAM last saw an access key used (GetAccessKeyLastUsed); `lastUsedAt` null: never. */
export interface KeyLastUsed {
  userName: string | null;
  lastUsedAt: string | null;
  service: string | null;
  region: string | null;
}

/** What STS answered to a call signed with a credential under test. */
export type ReplayAnswer = { accepted: true; arn: string | null } | { accepted: false; code: string; status: number | null };

const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'RequestThrottled', 'SlowDown']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);
/** STS codes that mean the credential itself is not accepted (deleted, inactive, unknown or expired). */
export const REFUSED = new Set(['InvalidClientTokenId', 'ExpiredToken', 'ExpiredTokenException']);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string> };
  cause?: unknown;
}

/** The AWS error code of an SDK error (`name` for modeled and unmodeled service errors). */
export const errorCode = (e: unknown): string => {
  const x = e as SdkError;
  return x.Code ?? x.name ?? '';
};

const statusOf = (e: SdkError): number | undefined => e.$metadata?.httpStatusCode ?? e.$response?.statusCode;

const isNoSuchEntity = (e: unknown) => /^NoSuchEntity(Exception)?$/.test(errorCode(e));

function retryAfterMs(e: SdkError): number | undefined {
  const h = e.$response?.headers?.['retry-after'];
  if (h === undefined) return undefined;
  const s = Number(h);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(h);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Network-level failure codes, looked for on the error and its causes. */
function networkCode(e: unknown): string | undefined {
  for (let x = e as SdkError | undefined, depth = 0; x && depth < 4; x = x.cause as SdkError | undefined, depth++) {
    if (x.code && UNREACHABLE.has(x.code)) return x.code;
    if (x.name === 'TimeoutError' || x.name === 'RequestTimeout' || x.code === 'ERR_SOCKET_CONNECTION_TIMEOUT') return 'timeout';
  }
  return undefined;
}

/** Maps anything the SDK throws to a SeverError; `what` names the operation, never a secret. */
export function coded(d: Pick<AwsDeps, 'name'>, what: string, e: unknown): SeverError {
  if (e instanceof SeverError) return e;
  const x = e as SdkError;
  const code = errorCode(e);
  const status = statusOf(x);
  const details = { connector: d.name, operation: what, code, ...(status ? { status } : {}) };
  if (THROTTLED.has(code) || status === 429 || x.$retryable?.throttling) {
    const after = retryAfterMs(x);
    return new SeverError('ERR_PROVIDER_RATE_LIMITED', `${d.name}: ${what}: AWS throttled the request (${code || status}); retry later`, { retryable: true, ...(after !== undefined ? { retryAfterMs: after } : {}), details, cause: e });
  }
  const net = networkCode(e);
  if (net) return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${d.name}: ${what}: the endpoint is unreachable (${net})`, { retryable: true, details: { ...details, code: net }, cause: e });
  if ((status !== undefined && status >= 500) || x.$fault === 'server' || x.$retryable) {
    return new SeverError('ERR_PROVIDER_UNAVAILABLE', `${d.name}: ${what}: AWS answered ${status ?? ''} ${code}`.trimEnd(), { retryable: true, details, cause: e });
  }
  if (code === 'InvalidClientTokenId' || code === 'SignatureDoesNotMatch' || code === 'UnrecognizedClientException') {
    return new SeverError('ERR_PROVIDER_REJECTED', `${d.name}: ${what}: Sever's own credentials were refused (${code}); check the keys named by accessKeyIdRef / secretAccessKeyRef`, { details, cause: e });
  }
  if (code === 'AccessDenied' || code === 'AccessDeniedException') {
    return new SeverError('ERR_PROVIDER_REJECTED', `${d.name}: ${what}: Sever's credentials lack a permission (${code}); grant the IAM actions the aws-iam manifest lists`, { details, cause: e });
  }
  if (status !== undefined && status >= 400) {
    return new SeverError('ERR_PROVIDER_REJECTED', `${d.name}: ${what}: AWS refused the request (${status} ${code})`, { details, cause: e });
  }
  return new SeverError('ERR_PROVIDER_RESPONSE', `${d.name}: ${what}: unreadable answer (${code || 'no error code'}${status ? `, HTTP ${status}` : ''})`, { details, cause: e });
}

const iso = (d: Date | undefined) => (d ? d.toISOString() : null);

export class AwsIamClient {
  readonly d: AwsDeps;
  constructor(d: AwsDeps) {
    this.d = d;
  }

  #options(credentials: AwsCredentials, endpoint: string | undefined) {
    return {
      region: this.d.region, credentials, maxAttempts: 1,
      requestHandler: { connectionTimeout: this.d.timeoutMs, requestTimeout: this.d.timeoutMs },
      ...(endpoint ? { endpoint } : {}),
    };
  }

  /** Runs one IAM call with Sever's credentials; `NoSuchEntity` gives `onMissing` when given. */
  async #iam<T>(what: string, fn: (c: IAMClient) => Promise<T>, onMissing?: () => T): Promise<T> {
    const c = new IAMClient(this.#options(await this.d.credentials(), this.d.endpoint));
    try {
      return await fn(c);
    } catch (e) {
      if (onMissing && isNoSuchEntity(e)) return onMissing();
      throw coded(this.d, what, e);
    } finally {
      c.destroy();
    }
  }

  /** Every page of a Marker/IsTruncated listing. */
  async #pages<T>(what: string, page: (c: IAMClient, marker: string | undefined) => Promise<{ items: T[]; marker?: string | undefined; truncated?: boolean | undefined }>): Promise<T[] | undefined> {
    return this.#iam(what, async (c) => {
      const out: T[] = [];
      let marker: string | undefined;
      do {
        const p = await page(c, marker);
        out.push(...p.items);
        marker = p.truncated ? p.marker : undefined;
      } while (marker);
      return out;
    }, () => undefined);
  }

  /** The user's access keys; undefined when the user does not exist. */
  accessKeys(user: string): Promise<Listed[] | undefined> {
    return this.#pages('ListAccessKeys', async (c, Marker) => {
      const r = await c.send(new ListAccessKeysCommand({ UserName: user, Marker }));
      return { items: (r.AccessKeyMetadata ?? []).map((k) => ({ id: k.AccessKeyId!, status: k.Status ?? null, createdAt: iso(k.CreateDate) })), marker: r.Marker, truncated: r.IsTruncated };
    });
  }

  /** The IAM user an access key belongs to (GetAccessKeyLastUsed); undefined when IAM has no such key. */
  accessKeyOwner(id: string): Promise<string | undefined> {
    return this.#iam('GetAccessKeyLastUsed', async (c) => (await c.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: id }))).UserName, () => undefined);
  }

  /** When IAM last saw the key used; undefined when IAM has no such key. */
  keyLastUsed(id: string): Promise<KeyLastUsed | undefined> {
    return this.#iam('GetAccessKeyLastUsed', async (c) => {
      const r = await c.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: id }));
      const u = r.AccessKeyLastUsed;
      const na = (v: string | undefined) => (v === undefined || v === 'N/A' ? null : v);
      return { userName: r.UserName ?? null, lastUsedAt: iso(u?.LastUsedDate), service: na(u?.ServiceName), region: na(u?.Region) };
    }, () => undefined);
  }

  /**
   * Issues a new access key for the user. Its secret is in the answer only, never readable again.
   * IAM's own refusal when the user already has two keys (LimitExceeded) is a non-retryable
   * ERR_PROVIDER_REJECTED naming the limit.
   */
  async createAccessKey(user: string): Promise<AwsCredentials> {
    try {
      return await this.#iam('CreateAccessKey', async (c) => {
        const k = (await c.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey;
        if (!k?.AccessKeyId || !k.SecretAccessKey) throw new SeverError('ERR_PROVIDER_RESPONSE', `${this.d.name}: CreateAccessKey answered without a key`, { details: { connector: this.d.name, operation: 'CreateAccessKey' } });
        return { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey };
      });
    } catch (e) {
      if (e instanceof SeverError && /^LimitExceeded/.test(String(e.details.code))) {
        throw new SeverError('ERR_PROVIDER_REJECTED', `${this.d.name}: IAM refused a new access key for ${user}: an IAM user has at most 2 access keys (LimitExceeded)`, { details: { ...e.details, limit: 'AccessKeysPerUser=2' }, cause: e });
      }
      throw e;
    }
  }

  /** The user's tags as a map; undefined when the user does not exist. */
  async userTags(user: string): Promise<Record<string, string> | undefined> {
    const tags = await this.#pages('ListUserTags', async (c, Marker) => {
      const r = await c.send(new ListUserTagsCommand({ UserName: user, Marker }));
      return { items: r.Tags ?? [], marker: r.Marker, truncated: r.IsTruncated };
    });
    return tags && Object.fromEntries(tags.map((t) => [t.Key!, t.Value ?? '']));
  }

  tagUser(user: string, key: string, value: string): Promise<void> {
    return this.#iam('TagUser', async (c) => void (await c.send(new TagUserCommand({ UserName: user, Tags: [{ Key: key, Value: value }] }))));
  }

  untagUser(user: string, keys: string[]): Promise<void> {
    return this.#iam('UntagUser', async (c) => void (await c.send(new UntagUserCommand({ UserName: user, TagKeys: keys }))), () => undefined);
  }

  /** Sets the key Inactive; false when it does not exist. */
  deactivateAccessKey(user: string, id: string): Promise<boolean> {
    return this.#iam('UpdateAccessKey', async (c) => (await c.send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: id, Status: 'Inactive' })), true), () => false);
  }

  deleteAccessKey(user: string, id: string): Promise<boolean> {
    return this.#iam('DeleteAccessKey', async (c) => (await c.send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: id })), true), () => false);
  }

  signingCertificates(user: string): Promise<Listed[] | undefined> {
    return this.#pages('ListSigningCertificates', async (c, Marker) => {
      const r = await c.send(new ListSigningCertificatesCommand({ UserName: user, Marker }));
      return { items: (r.Certificates ?? []).map((k) => ({ id: k.CertificateId!, status: k.Status ?? null, createdAt: iso(k.UploadDate) })), marker: r.Marker, truncated: r.IsTruncated };
    });
  }

  deleteSigningCertificate(user: string, id: string): Promise<boolean> {
    return this.#iam('DeleteSigningCertificate', async (c) => (await c.send(new DeleteSigningCertificateCommand({ UserName: user, CertificateId: id })), true), () => false);
  }

  /** The console login profile; undefined when the user has none (or does not exist). */
  loginProfile(user: string): Promise<{ createdAt: string | null; passwordResetRequired: boolean } | undefined> {
    return this.#iam('GetLoginProfile', async (c) => {
      const p = (await c.send(new GetLoginProfileCommand({ UserName: user }))).LoginProfile;
      return p ? { createdAt: iso(p.CreateDate), passwordResetRequired: p.PasswordResetRequired ?? false } : undefined;
    }, () => undefined);
  }

  deleteLoginProfile(user: string): Promise<boolean> {
    return this.#iam('DeleteLoginProfile', async (c) => (await c.send(new DeleteLoginProfileCommand({ UserName: user })), true), () => false);
  }

  mfaDevices(user: string): Promise<MfaDevice[] | undefined> {
    return this.#pages('ListMFADevices', async (c, Marker) => {
      const r = await c.send(new ListMFADevicesCommand({ UserName: user, Marker }));
      return { items: (r.MFADevices ?? []).map((m) => ({ serialNumber: m.SerialNumber!, enabledAt: iso(m.EnableDate) })), marker: r.Marker, truncated: r.IsTruncated };
    });
  }

  deactivateMfa(user: string, serialNumber: string): Promise<boolean> {
    return this.#iam('DeactivateMFADevice', async (c) => (await c.send(new DeactivateMFADeviceCommand({ UserName: user, SerialNumber: serialNumber })), true), () => false);
  }

  deleteVirtualMfa(serialNumber: string): Promise<boolean> {
    return this.#iam('DeleteVirtualMFADevice', async (c) => (await c.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serialNumber })), true), () => false);
  }

  sshPublicKeys(user: string): Promise<Listed[] | undefined> {
    return this.#pages('ListSSHPublicKeys', async (c, Marker) => {
      const r = await c.send(new ListSSHPublicKeysCommand({ UserName: user, Marker }));
      return { items: (r.SSHPublicKeys ?? []).map((k) => ({ id: k.SSHPublicKeyId!, status: k.Status ?? null, createdAt: iso(k.UploadDate) })), marker: r.Marker, truncated: r.IsTruncated };
    });
  }

  deleteSshPublicKey(user: string, id: string): Promise<boolean> {
    return this.#iam('DeleteSSHPublicKey', async (c) => (await c.send(new DeleteSSHPublicKeyCommand({ UserName: user, SSHPublicKeyId: id })), true), () => false);
  }

  /**
   * STS GetCallerIdentity signed with the credential under test (never Sever's own): the call
   * needs no permission, so an answer means the credential authenticates. A refusal comes back as
   * its code; throttling and an unreachable endpoint are thrown as coded errors (no verdict).
   */
  async replay(credential: AwsCredentials): Promise<ReplayAnswer> {
    const c = new STSClient(this.#options(credential, this.d.stsEndpoint ?? this.d.endpoint));
    try {
      const r = await c.send(new GetCallerIdentityCommand({}));
      return { accepted: true, arn: r.Arn ?? null };
    } catch (e) {
      const err = coded(this.d, 'GetCallerIdentity (replay)', e);
      if (err.code !== 'ERR_PROVIDER_REJECTED') throw err;
      return { accepted: false, code: errorCode(e), status: statusOf(e as SdkError) ?? null };
    } finally {
      c.destroy();
    }
  }
}
