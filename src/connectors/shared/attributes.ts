/** Reading what a connector needs from an artifact's attributes, with one refusal that says how to supply it. */
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';

/** A non-empty string, else undefined. */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The attribute (a string, or a number as its decimal text), else `fallback`, else for `userId`
 * the subject's id in the provider.
 *
 * @throws SeverError `ERR_INPUT_INVALID` naming the attribute and the `incident amend` command that adds it.
 */
export function need(name: string, a: ArtifactHandle, attribute: string, fallback?: string): string {
  const raw = a.attributes[attribute];
  const v = str(raw) ?? (typeof raw === 'number' ? String(raw) : undefined) ?? fallback ?? (attribute === 'userId' ? a.subjectId : undefined);
  if (!v) {
    throw new SeverError('ERR_INPUT_INVALID', `${name}: ${a.kind} ${a.externalId} does not name its ${attribute}: add it with \`incident amend <incident> --artifact <artifactId> --attribute ${attribute}=<value>\``, {
      details: { connector: name, externalId: a.externalId, attribute },
    });
  }
  return v;
}
