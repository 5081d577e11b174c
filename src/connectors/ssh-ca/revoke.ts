/**
 * Revokes one certificate on every host: its serial, its key id (unless another subject's live
 * certificate shares it) and, with `revokeKey`, the certified key itself go into each host's KRL,
 * through a checked copy renamed over the original. Then the sshd sessions the certificate
 * already opened are ended where the host's sshd log is readable. Hosts are handled in
 * parallel; one failing host does not hold back the others, and the error names it.
 */
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { HostConfig, SshCaClient } from './client.ts';
import { certOf, type CertRef } from './issuance-log.ts';
import { caSection, firstLost, hasId, hasKeyHash, hasSerial, specLines } from './krl.ts';
import { KRL_ADD } from './manifest.ts';

export interface RevokeOptions {
  hosts: HostConfig[];
  revokeKey: boolean;
  revokeKeyId: boolean;
}

export interface HostRevocation {
  host: string;
  krl: 'updated' | 'already';
  added: string[];
  /** Connections of the certificate ended on this host (and the processes their users left), or why they could not be looked for. */
  sessionsEnded: { connections: number; userProcesses: number } | 'not visible: no sshdLog for this host';
}

/** The spec entries this certificate should have in a KRL. A serial-0 certificate is always revoked by key too. */
export function wanted(cert: CertRef, o: RevokeOptions, fingerprint: string): { serial: number; keyId?: string; fingerprint?: string } {
  return {
    serial: cert.serial,
    ...(o.revokeKeyId && !cert.keyIdShared ? { keyId: cert.keyId } : {}),
    ...(o.revokeKey || cert.serial === 0 ? { fingerprint } : {}),
  };
}

async function revokeOnHost(c: SshCaClient, h: HostConfig, cert: CertRef, want: ReturnType<typeof wanted>): Promise<HostRevocation> {
  const before = await c.krl(h);
  const ca = caSection(before, await c.caFingerprint());
  const certDead = await c.revokes(h, cert.certPath);
  const lines = specLines({
    serial: hasSerial(ca, want.serial) ? 0 : want.serial,
    ...(want.keyId !== undefined && !hasId(ca, want.keyId) ? { keyId: want.keyId } : {}),
    ...(want.fingerprint !== undefined && !hasKeyHash(before, want.fingerprint) ? { fingerprint: want.fingerprint } : {}),
  });
  const keyDone = want.fingerprint === undefined || hasKeyHash(before, want.fingerprint);
  if (!certDead && lines.length === 0) {
    throw new SeverError('ERR_PROVIDER_RESPONSE', `${c.o.name}: the KRL of host ${h.name} lists serial ${cert.serial} yet does not revoke certificate ${cert.keyId}: is caPublicKey the CA that signed it?`, { details: { connector: c.o.name, host: h.name } });
  }
  let krl: HostRevocation['krl'] = 'already';
  if (!(certDead && keyDone)) {
    await c.updateKrl(h, lines, async (tmp) => {
      const next = await c.krl(h, tmp);
      const lost = firstLost(before, next);
      if (lost !== undefined) return `it lost an earlier revocation: ${lost}`;
      if (!(await c.revokes(h, cert.certPath, tmp))) return 'ssh-keygen -Q does not find the certificate revoked in it: is caPublicKey the CA that signed it?';
      if (want.fingerprint !== undefined && !hasKeyHash(next, want.fingerprint)) return 'it lacks the key hash';
      return undefined;
    });
    krl = 'updated';
  }
  // After the KRL is in place: a connection found now cannot be replaced by a new one.
  const open = await c.sessions(h, cert.serial, cert.keyId);
  return {
    host: h.name, krl, added: krl === 'updated' ? lines.map((l) => l.split(':')[0]!) : [],
    sessionsEnded: open === undefined ? 'not visible: no sshdLog for this host' : { connections: open.connections, userProcesses: await c.endSessions(open.pids) },
  };
}

/** Combines the failures of some hosts into one error: retryable only if every failure is. */
function hostsFailed(name: string, done: HostRevocation[], failed: Array<{ host: string; error: unknown }>): SeverError {
  const errs = failed.map((f) => (f.error instanceof SeverError ? f.error : new SeverError('ERR_INTERNAL', String(f.error), { cause: f.error })));
  const worst = errs.find((e) => !e.retryable) ?? errs[0]!;
  return new SeverError(worst.code, failed.length === 1 ? worst.message : `${name}: ${failed.length} hosts failed: ${errs.map((e) => e.message).join('; ')}`, {
    retryable: errs.every((e) => e.retryable),
    ...(worst.retryAfterMs === undefined ? {} : { retryAfterMs: worst.retryAfterMs }),
    details: { connector: name, failed: failed.map((f) => f.host), done: done.map((d) => d.host) },
    cause: worst,
  });
}

export async function revokeCert(c: SshCaClient, o: RevokeOptions, a: ArtifactHandle): Promise<RevokeOutcome> {
  const cert = certOf(a);
  const want = wanted(cert, o, cert.fingerprint ?? (await c.fingerprint(cert.certPath)));
  const settled = await Promise.allSettled(o.hosts.map((h) => revokeOnHost(c, h, cert, want)));
  const done = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ host: o.hosts[i]!.name, error: s.reason as unknown }] : []));
  if (failed.length > 0) throw hostsFailed(c.o.name, done, failed);
  const changed = done.some((h) => h.krl === 'updated' || (typeof h.sessionsEnded === 'object' && h.sessionsEnded.connections > 0));
  return {
    status: changed ? 'revoked' : 'already_revoked',
    method: KRL_ADD,
    request: { serial: cert.serial, keyId: cert.keyId, entries: specLines(want).map((l) => l.split(':')[0]), hosts: o.hosts.map((h) => h.name) },
    response: { body: { hosts: done } },
  };
}
