/**
 * Delivery of a rotated access key to its workload: an AWS shared-credentials file (the INI format
 * the AWS SDKs and CLI read from `~/.aws/credentials` or `AWS_SHARED_CREDENTIALS_FILE`), one
 * profile replaced, every other profile and line kept. Written mode 0600 to a copy renamed over the
 * original, so a reader never sees half a secret. The secret never reaches a message.
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { SeverError } from '../../core/errors.ts';
import type { AwsCredentials } from './client.ts';

export interface Delivery {
  /** `file:/absolute/path` of the workload's shared-credentials file. */
  deliverTo: string;
  /** The profile the workload reads (`[default]` unless configured). */
  profile: string;
}

export const deliveryPath = (d: Delivery): string => d.deliverTo.slice('file:'.length);

const header = /^\s*\[\s*([^\]]+?)\s*\]\s*$/;

/** The lines of `profile`'s section (header excluded): [start, end) indexes into `lines`, or undefined. */
function section(lines: string[], profile: string): [number, number] | undefined {
  const at = lines.findIndex((l) => header.exec(l)?.[1] === profile);
  if (at < 0) return undefined;
  let end = at + 1;
  while (end < lines.length && !header.test(lines[end]!)) end++;
  return [at + 1, end];
}

/** The `aws_access_key_id` of `profile` in a shared-credentials text, if any. Pure. */
export function keyIdIn(text: string, profile: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const s = section(lines, profile);
  if (!s) return undefined;
  for (const l of lines.slice(s[0], s[1])) {
    const m = /^\s*aws_access_key_id\s*=\s*(\S+)\s*$/.exec(l);
    if (m) return m[1];
  }
  return undefined;
}

/** `text` with `profile` set to `key` (the section replaced, or appended), everything else kept. Pure. */
export function withProfile(text: string, profile: string, key: AwsCredentials): string {
  const body = [`aws_access_key_id = ${key.accessKeyId}`, `aws_secret_access_key = ${key.secretAccessKey}`, ...(key.sessionToken ? [`aws_session_token = ${key.sessionToken}`] : [])];
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  const s = section(lines, profile);
  if (!s) return [...lines, ...(lines.length ? [''] : []), `[${profile}]`, ...body, ''].join('\n');
  // Keep the section's other settings (region, output…); drop only its credentials.
  const kept = lines.slice(s[0], s[1]).filter((l) => !/^\s*aws_(access_key_id|secret_access_key|session_token)\s*=/.test(l));
  return [...lines.slice(0, s[0]), ...body, ...kept, ...lines.slice(s[1])].join('\n').replace(/\n*$/, '\n');
}

/** The access key id the workload's file holds for the profile now (undefined: no file, or no such profile). */
export async function deliveredKeyId(d: Delivery): Promise<string | undefined> {
  try {
    return keyIdIn(await readFile(deliveryPath(d), 'utf8'), d.profile);
  } catch {
    return undefined;
  }
}

/** Writes the key into the workload's file (0600, atomically). */
export async function deliver(name: string, d: Delivery, key: AwsCredentials): Promise<void> {
  const path = deliveryPath(d);
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw failed(name, d, key, e);
  }
  const tmp = `${path}.sever-${process.pid}`;
  try {
    await writeFile(tmp, withProfile(text, d.profile, key), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (e) {
    throw failed(name, d, key, e);
  }
}

function failed(name: string, d: Delivery, key: AwsCredentials, e: unknown): SeverError {
  const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return new SeverError('ERR_FILE_WRITE', `${name}: could not deliver the new access key ${key.accessKeyId} to ${d.deliverTo} (${why}); the old key is untouched, and the next attempt replaces the undelivered key`, {
    details: { connector: name, deliverTo: d.deliverTo, profile: d.profile, newAccessKeyId: key.accessKeyId, error: why },
  });
}
