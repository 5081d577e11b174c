import type { DiscoveredArtifact } from '../../core/model.ts';
import type { SubjectRef } from '../contract.ts';
import type { JwtIssuerClient } from './client.ts';

/** One artifact per key that signed a live token of the subject, with the collateral counted. */
export async function discoverKeys(c: JwtIssuerClient, subject: SubjectRef): Promise<DiscoveredArtifact[]> {
  const mine = await c.tokens({ sub: subject.id });
  const kids = [...new Set(mine.map((t) => t.kid))].sort();
  const out: DiscoveredArtifact[] = [];
  for (const kid of kids) {
    const all = await c.tokens({ kid });
    const others = all.filter((t) => t.sub !== subject.id);
    const subjects = [...new Set(others.map((t) => t.sub))].sort();
    const sample = mine.filter((t) => t.kid === kid && t.value).sort((a, b) => b.exp - a.exp)[0];
    out.push({
      kind: 'signing-key', externalId: `kid:${kid}`,
      label: `signing key ${kid} (${mine.filter((t) => t.kid === kid).length} live token(s) of ${subject.id}; collateral: ${others.length} token(s) of ${subjects.length} other subject(s))`,
      attributes: {
        kid, subjectTokens: mine.filter((t) => t.kid === kid).length, collateralTokens: others.length,
        collateralSubjects: subjects.slice(0, 50).join(',') + (subjects.length > 50 ? `,… (+${subjects.length - 50})` : ''),
      },
      ...(sample?.value ? { secret: sample.value } : {}),
    });
  }
  return out;
}
