/**
 * Human-readable text for a bundle verification result, for the CLI and for reports.
 */
import type { BundleResult } from './verify-bundle.ts';

/**
 * Several lines, no trailing newline. The first line says whether the bundle verifies.
 */
export function formatVerifyResult(result: BundleResult): string {
  if (!result.ok) {
    const lines = [`Evidence bundle does NOT verify (${result.code}).`];
    if (result.index !== null) {
      const seq = result.seq === null ? 'no seq' : `seq ${result.seq}`;
      lines.push(`  first bad entry: #${result.index} (${seq}${result.type === null ? '' : `, ${result.type}`})`);
    }
    if (result.path !== undefined) lines.push(`  where: ${result.path}`);
    lines.push(`  ${result.part === 'entry' ? 'entry' : result.part}: ${result.reason}`);
    for (const a of result.attestations ?? []) if (a.status !== 'verified' && a.status !== 'system') lines.push(`  ✗ entry ${a.seq} ${a.type} by ${a.person}${a.role ? ` for ${a.role}` : ''}: ${a.status}: ${a.reason ?? ''}`);
    return lines.join('\n');
  }
  const s = result.summary;
  const byStatus = new Map<string, number>();
  for (const a of s.artifacts) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
  const statuses = [...byStatus].map(([k, n]) => `${n} ${k}`).join(', ');
  return [
    `Evidence bundle for incident ${result.incidentId} verifies.`,
    `  entries: ${result.count} (seq 0..${result.count - 1}), head ${result.headHash}`,
    `  signed by key ${result.keyId}${result.keyIds.length > 1 ? ` (keys used: ${result.keyIds.join(', ')})` : ''}`,
    result.pinned
      ? '  trust: pinned to the expected key'
      : '  trust: NOT pinned; this proves the bundle is intact, not who made it. Pass the expected key id to pin it.',
    `  exported at ${result.exportedAt}`,
    `  summary: state ${s.state}; ${s.artifacts.length} artifact(s)${statuses === '' ? '' : ` (${statuses})`}; ${s.signoffs.length} sign-off(s)`,
    `  attestations: ${result.attestations.length === 0 ? 'none' : `${result.attestations.filter((a) => a.status === 'verified').length} of ${result.attestations.length} signed by a key registered to the person`}`,
    ...result.attestations.map((a) => `    ✓ entry ${a.seq} ${a.type} by ${a.person}${a.role ? ` for ${a.role}` : ''}: ${a.status === 'system' ? 'by Sever itself (ledger key)' : `key ${a.keyFingerprint}`}`),
  ].join('\n');
}
