/**
 * Amends an artifact already in an incident with what a stronger verification path needs: an
 * attribute (the client a leaked refresh token belongs to) or its value (the token itself, the
 * leaked password). Recorded in the ledger, which makes earlier sign-offs stale; the artifact's
 * status is left as it is, so `incident verify` then re-verifies it with the new knowledge.
 */
import { SeverError } from '../core/errors.ts';
import { getArtifact, getIncident, updateArtifact } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { holdValue } from './add-artifact.ts';

export interface AmendArtifactInput {
  artifactId: string;
  /** Added to (or replacing the same names in) the artifact's attributes. */
  attributes?: Record<string, string>;
  /** The artifact's value, when Sever does not hold it yet: text, or bytes (held as base64 when not UTF-8, hashed as the bytes). */
  value?: string | Uint8Array;
  actor: string;
}

const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** Attributes Sever itself sets from discovery, which a person may not overwrite. */
const PROTECTED = new Set(['rotatable', 'valueEncoding']);

export async function amendArtifact(ctx: EngineContext, incidentId: string, input: AmendArtifactInput): Promise<{ artifactId: string; attributes: string[]; valueAdded: boolean }> {
  const attributes = input.attributes ?? {};
  const names = Object.keys(attributes);
  if (names.length === 0 && input.value === undefined) {
    throw new SeverError('ERR_INPUT_INVALID', 'nothing to amend: give --attribute name=value and/or --value-file', { details: { field: 'attribute|value-file' } });
  }
  for (const k of names) {
    if (!ATTRIBUTE_NAME.test(k)) throw new SeverError('ERR_INPUT_INVALID', `--attribute ${k}: a name is a letter then letters, digits, _ . - (64 at most)`, { details: { field: 'attribute', name: k } });
    if (PROTECTED.has(k)) throw new SeverError('ERR_INPUT_INVALID', `--attribute ${k}: set by discovery, not by hand`, { details: { field: 'attribute', name: k } });
  }
  const held = holdValue(input.value);
  if (held !== undefined && held.secret === '') throw new SeverError('ERR_INPUT_INVALID', '--value-file: the file is empty', { details: { field: 'value-file' } });
  const incident = await getIncident(ctx.db, incidentId);
  if (incident.state === 'remediated') {
    throw new SeverError('ERR_ILLEGAL_TRANSITION', `incident ${incidentId} is remediated: reopen it before amending its artifacts`, { details: { state: incident.state } });
  }
  return ctx.db.transaction(async (tx) => {
    const art = await getArtifact(tx, input.artifactId);
    if (art.incidentId !== incidentId) throw new SeverError('ERR_ARTIFACT_NOT_FOUND', `artifact ${input.artifactId} does not belong to incident ${incidentId}`, { details: { artifactId: input.artifactId } });
    const hash = held?.hash;
    if (hash !== undefined && art.secretHash !== null && art.secretHash !== hash) {
      throw new SeverError('ERR_INPUT_INVALID', `--value-file: artifact ${art.id} already has a value, and this one differs (it is another artifact: add it with add-artifact)`, { details: { field: 'value-file', artifactId: art.id } });
    }
    if (hash !== undefined && art.externalId.startsWith('sha256:') && art.externalId !== `sha256:${hash}`) {
      throw new SeverError('ERR_INPUT_INVALID', `--value-file: artifact ${art.id} is identified by the hash of its value, and this value has another hash`, { details: { field: 'value-file', artifactId: art.id } });
    }
    const now = ctx.clock.now();
    const valueAdded = held !== undefined && art.secretEnc === null;
    const merged = { ...(art.attributes as Record<string, unknown>), ...attributes, ...(valueAdded && held.encoding ? { valueEncoding: held.encoding } : {}) };
    await updateArtifact(tx, art.id, {
      attributes: merged, updatedAt: now,
      ...(valueAdded ? { secretEnc: ctx.secrets.seal(held.secret), secretHash: hash } : {}),
    });
    await ctx.ledger.append(tx, incidentId, 'artifact.amended', input.actor, {
      artifactId: art.id, connector: art.connector, kind: art.kind, attributes, valueAdded, ...(valueAdded ? { secretHash: hash } : {}),
      note: 'earlier sign-offs are stale; run `incident verify` to re-verify it',
    });
    return { artifactId: art.id, attributes: names, valueAdded };
  });
}
