/**
 * The CA's issuance log: one JSON object per line, appended by the CA each time it signs a user
 * certificate. Pure parsing and matching; reading the file is the client's job.
 *
 * ```json
 * {"serial":1001,"keyId":"alice-cert-1001","subject":"alice","principals":["root"],
 *  "validAfter":"2026-11-28T19:00:00.000Z","validBefore":"2026-11-28T20:05:00.000Z",
 *  "fingerprint":"SHA256:QWQtDKBa…","certPath":"/var/lib/ssh-ca/issued/1001-cert.pub"}
 * ```
 */
import { z } from 'zod';
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle, AttributeValue } from '../../core/model.ts';

// A key id goes into a KRL spec file line by line: a line break in it would inject a spec entry.
const oneLine = z.string().min(1).regex(/^[^\r\n]+$/, 'a single line');

export const issuedLine = z.object({
  /** 0 means "no serial": such a certificate can only be revoked by key id or by key. */
  serial: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  keyId: oneLine,
  /** Who the certificate was issued to; without it, key ids `<subject>-…` / `<subject>@…` match. */
  subject: z.string().min(1).optional(),
  /** Empty: valid for any user (OpenSSH's default when -n is not given). */
  principals: z.array(oneLine),
  validAfter: z.string().nullish(),
  /** ISO 8601, or "forever". */
  validBefore: z.string().min(1),
  /** SHA256 fingerprint of the certified public key (`ssh-keygen -l`), e.g. `SHA256:QWQt…`. */
  fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/).optional(),
  /** Where the CA keeps the signed certificate (`…-cert.pub`). */
  certPath: z.string().min(1),
});

export type IssuedCert = z.output<typeof issuedLine>;

/** Parses the whole log; a bad line is an ERR_PROVIDER_RESPONSE naming its number. */
export function parseIssuanceLog(text: string, connector: string): IssuedCert[] {
  const out: IssuedCert[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new SeverError('ERR_PROVIDER_RESPONSE', `${connector}: issuance log line ${i + 1} is not JSON`, { details: { connector, line: i + 1 } });
    }
    const r = issuedLine.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new SeverError('ERR_PROVIDER_RESPONSE', `${connector}: issuance log line ${i + 1}: ${issue?.path.join('.') || 'line'} ${issue?.message ?? 'is invalid'}`, { details: { connector, line: i + 1 } });
    }
    out.push(r.data);
  });
  return out;
}

export function belongsTo(c: IssuedCert, subjectId: string): boolean {
  if (c.subject !== undefined) return c.subject === subjectId;
  return c.keyId === subjectId || c.keyId.startsWith(`${subjectId}-`) || c.keyId.startsWith(`${subjectId}@`);
}

/** Epoch ms the certificate stops being valid, or undefined for "forever". */
export function validUntil(c: IssuedCert): number | undefined {
  if (c.validBefore === 'forever') return undefined;
  const t = Date.parse(c.validBefore);
  return Number.isNaN(t) ? undefined : t;
}

/** `serial:1001:alice-cert-1001`: the serial and the key id, as the KRL names a certificate. */
export const certExternalId = (c: Pick<IssuedCert, 'serial' | 'keyId'>) => `serial:${c.serial}:${c.keyId}`;

/** What revoke and verify need, carried in the artifact's attributes. */
export interface CertRef {
  serial: number;
  keyId: string;
  subject?: string;
  principals: string[];
  fingerprint?: string;
  certPath: string;
  /** Another subject's certificate carries the same key id: revoking the id would revoke it too. */
  keyIdShared: boolean;
  expiresAt?: string;
}

export function certAttributes(c: IssuedCert, keyIdShared: boolean): Record<string, AttributeValue> {
  return {
    serial: c.serial, keyId: c.keyId, subject: c.subject ?? null, principals: c.principals.join(','), validAfter: c.validAfter ?? null,
    fingerprint: c.fingerprint ?? null, certPath: c.certPath, keyIdShared,
  };
}

/** The certificate an artifact handle names; a handle without serial, key id or certificate path is an input error. */
export function certOf(a: ArtifactHandle): CertRef {
  const { serial, keyId, certPath, principals, fingerprint, subject, keyIdShared } = a.attributes;
  if (typeof serial !== 'number' || typeof keyId !== 'string' || typeof certPath !== 'string') {
    throw new SeverError('ERR_INPUT_INVALID', `ssh-ca: artifact ${a.externalId} lacks serial, keyId or certPath (discover it, or add them as attributes)`, { details: { externalId: a.externalId } });
  }
  if (/[\r\n]/.test(keyId)) throw new SeverError('ERR_INPUT_INVALID', `ssh-ca: artifact ${a.externalId} has a key id with a line break`, { details: { externalId: a.externalId } });
  return {
    serial, keyId, certPath, keyIdShared: keyIdShared !== false,
    principals: typeof principals === 'string' && principals ? principals.split(',') : [],
    ...(typeof fingerprint === 'string' ? { fingerprint } : {}),
    ...(typeof subject === 'string' ? { subject } : {}),
    ...(a.expiresAt ? { expiresAt: a.expiresAt } : {}),
  };
}
