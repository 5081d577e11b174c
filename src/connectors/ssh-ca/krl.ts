/**
 * OpenSSH KRLs as `ssh-keygen -Q -l -f <krl>` prints them, and the spec lines `ssh-keygen -k -u`
 * reads. Pure: the client runs ssh-keygen.
 *
 * ```
 * # KRL version 0
 * # Generated at 20261128T205529
 *
 * hash: SHA256:41642d0c…            (a key, by the SHA256 of its blob; printed in hex or base64)
 *
 * # CA key ssh-ed25519 SHA256:h6Dq…
 * serial: 1001
 * serial: 1-5
 * id: alice-cert-1001
 * ```
 */

/** One section of a KRL: the keys part (header "") or the certificates of one CA. */
export interface KrlSection {
  /** Serial ranges, inclusive. */
  serials: Array<[bigint, bigint]>;
  /** Every other entry (`id: …`, `hash: <hex>`, `key: …`, `sha1: …`), normalized. */
  entries: Set<string>;
}

export type Krl = Map<string, KrlSection>;

const KEYS = '';

/** `SHA256:<base64>` (ssh-keygen -l) → lowercase hex, as hash entries are compared. */
export function fingerprintHex(fp: string): string {
  return Buffer.from(fp.replace(/^SHA256:/, ''), 'base64').toString('hex');
}

function normalizeEntry(line: string): string {
  const m = /^hash:\s*SHA256:(\S+)/.exec(line);
  if (!m) return line.trim();
  const v = m[1]!;
  return `hash:${/^[0-9a-f]{64}$/.test(v) ? v : fingerprintHex(v)}`;
}

/** Parses the dump; throws (a plain Error) on a line it does not know, so an odd KRL is never taken as empty. */
export function parseKrlDump(text: string): Krl {
  const krl: Krl = new Map([[KEYS, { serials: [], entries: new Set() }]]);
  let section = krl.get(KEYS)!;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const ca = /^# (CA key .+|Wildcard CA.*)$/.exec(line);
    if (ca) {
      section = { serials: [], entries: new Set() };
      krl.set(ca[1]!, section);
      continue;
    }
    if (line.startsWith('#')) continue;
    const serial = /^serial:\s*(\d+)(?:-(\d+))?$/.exec(line);
    if (serial) section.serials.push([BigInt(serial[1]!), BigInt(serial[2] ?? serial[1]!)]);
    else if (/^(id|hash|key|sha1|sha256):/.test(line)) section.entries.add(normalizeEntry(line));
    else throw new Error(`unexpected line in the KRL listing: ${line.slice(0, 60)}`);
  }
  return krl;
}

/** The section of the CA with this fingerprint (`SHA256:…`), if the KRL has one. */
export function caSection(krl: Krl, caFingerprint: string): KrlSection | undefined {
  for (const [header, s] of krl) if (header.startsWith('CA key ') && header.split(' ').includes(caFingerprint)) return s;
  return undefined;
}

function covered(ranges: Array<[bigint, bigint]>, [lo, hi]: [bigint, bigint]): boolean {
  let next = lo;
  for (const [a, b] of [...ranges].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))) {
    if (a > next) break;
    if (b >= next) next = b + 1n;
    if (next > hi) return true;
  }
  return next > hi;
}

export const hasSerial = (s: KrlSection | undefined, serial: number) => s !== undefined && covered(s.serials, [BigInt(serial), BigInt(serial)]);
export const hasId = (s: KrlSection | undefined, keyId: string) => s?.entries.has(`id: ${keyId}`) ?? false;
export const hasKeyHash = (krl: Krl, fingerprint: string) => krl.get(KEYS)!.entries.has(`hash:${fingerprintHex(fingerprint)}`);

/** The first revocation of `prev` that `next` lacks, or undefined when `next` keeps them all. */
export function firstLost(prev: Krl, next: Krl): string | undefined {
  for (const [header, p] of prev) {
    const n = next.get(header);
    for (const e of p.entries) if (!n?.entries.has(e)) return `${header || 'keys'}: ${e}`;
    for (const r of p.serials) if (!n || !covered(n.serials, r)) return `${header}: serial ${r[0]}-${r[1]}`;
  }
  return undefined;
}

/** What to add for one certificate: its serial (when it has one), its key id, the key's hash. */
export function specLines(o: { serial: number; keyId?: string; fingerprint?: string }): string[] {
  return [
    ...(o.serial > 0 ? [`serial: ${o.serial}`] : []),
    ...(o.keyId !== undefined ? [`id: ${o.keyId}`] : []),
    ...(o.fingerprint !== undefined ? [`hash: ${o.fingerprint}`] : []),
  ];
}
