import { iso } from '../core/clock.ts';
import type { ArtifactHandle, ArtifactKind, AttributeValue } from '../core/model.ts';
import type { ArtifactRow } from '../store/repo.ts';
import type { SecretBox } from './secret-box.ts';

/** What a connector sees of a stored artifact: its secret decrypted only for the call. */
export function toHandle(a: ArtifactRow, secrets: SecretBox): ArtifactHandle {
  return {
    kind: a.kind as ArtifactKind,
    externalId: a.externalId,
    label: a.label,
    attributes: a.attributes as Record<string, AttributeValue>,
    revocable: a.revocable,
    ...(a.issuedAt ? { issuedAt: iso(a.issuedAt) } : {}),
    ...(a.expiresAt ? { expiresAt: iso(a.expiresAt) } : {}),
    ...(a.secretEnc ? { secret: secrets.open(a.secretEnc) } : {}),
    ...(a.subjectId ? { subjectId: a.subjectId } : {}),
  };
}
