import { createHash } from 'node:crypto';
import { SeverError } from '../core/errors.ts';
import { transition, type IncidentState } from '../core/incident-state.ts';
import { ARTIFACT_KINDS, type ArtifactKind } from '../core/model.ts';
import { getIncident, insertArtifacts, updateIncident } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { toRow } from './discover.ts';
import { sha256Hex } from './secret-box.ts';

export interface AddArtifactInput {
  connector: string;
  kind: string;
  /**
   * The artifact's value (a leaked token); held encrypted, evidence carries only its hash. Bytes
   * that are UTF-8 text are taken as that text (trimmed); other bytes are held as base64 with the
   * attribute `valueEncoding: base64`, and hashed as the raw bytes, never decoded lossily.
   */
  value?: string | Uint8Array;
  /** The provider's id for it, when the value is not known. */
  ref?: string;
  label?: string;
  expiresAt?: string;
  revocable?: boolean;
  /** What the connector needs to know about it, e.g. `clientId` (the client a leaked refresh token belongs to). */
  attributes?: Record<string, string>;
  actor: string;
}

/** Adds an artifact a connector cannot enumerate (found by a secret scanner, a leaked key). */
export async function addArtifact(ctx: EngineContext, incidentId: string, input: AddArtifactInput): Promise<string> {
  if (!ctx.connectors.has(input.connector)) {
    throw new SeverError('ERR_CONNECTOR_UNKNOWN', `--connector ${input.connector}: not configured (configured: ${[...ctx.connectors.keys()].join(', ') || 'none'})`, { details: { connector: input.connector } });
  }
  if (!ARTIFACT_KINDS.includes(input.kind as ArtifactKind)) {
    throw new SeverError('ERR_INPUT_INVALID', `--kind ${input.kind}: expected one of ${ARTIFACT_KINDS.join(', ')}`, { details: { field: 'kind' } });
  }
  const kinds = ctx.connectors.get(input.connector)!.manifest.artifacts.map((a) => a.kind);
  if (!kinds.includes(input.kind as ArtifactKind)) {
    throw new SeverError('ERR_INPUT_INVALID', `--kind ${input.kind}: connector ${input.connector} handles ${kinds.join(', ')}`, { details: { field: 'kind' } });
  }
  if ((input.value === undefined) === (input.ref === undefined)) {
    throw new SeverError('ERR_INPUT_INVALID', 'exactly one of --value-file or --ref is required', { details: { field: 'value-file|ref' } });
  }
  for (const k of Object.keys(input.attributes ?? {})) {
    if (!/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(k)) throw new SeverError('ERR_INPUT_INVALID', `--attribute ${k}: a name is a letter then letters, digits, _ . - (64 at most)`, { details: { field: 'attribute', name: k } });
  }
  if (Object.hasOwn(input.attributes ?? {}, 'valueEncoding')) throw new SeverError('ERR_INPUT_INVALID', '--attribute valueEncoding: set by Sever itself, not by hand', { details: { field: 'attribute', name: 'valueEncoding' } });
  const held = holdValue(input.value);
  if (held !== undefined && held.secret.trim() === '') throw new SeverError('ERR_INPUT_INVALID', '--value-file: the file is empty', { details: { field: 'value-file' } });
  const incident = await getIncident(ctx.db, incidentId);
  const from = incident.state as IncidentState;
  // Adding by hand is discovery by hand: an open incident moves to discovering; a later one back to planned.
  const to: IncidentState | undefined = from === 'open' ? 'discovering' : from === 'planned' || from === 'discovering' ? undefined : 'planned';
  if (to) transition(from, to);
  const value = held?.secret;
  const externalId = input.ref ?? `sha256:${held!.hash}`;
  const attributes = held?.encoding ? { ...input.attributes, valueEncoding: held.encoding } : input.attributes;
  const now = ctx.clock.now();
  const id = ctx.ids.next('art');
  const subject = incident.subject as { identifiers: Record<string, string>; handle: string };
  const row = toRow(ctx, incidentId, input.connector, subject.identifiers[input.connector] ?? subject.handle, {
    kind: input.kind as ArtifactKind, externalId, label: input.label ?? `${input.kind} added by ${input.actor}`,
    ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}), ...(input.revocable === false ? { revocable: false } : {}),
    ...(value !== undefined ? { secret: value } : {}), ...(attributes ? { attributes } : {}),
  }, id, now, 'added');
  // The hash is of what was leaked: the raw bytes of a binary value, not of its base64 form.
  if (held) row.secretHash = held.hash;
  return ctx.db.transaction(async (tx) => {
    const [inserted] = await insertArtifacts(tx, [row]);
    if (!inserted) throw new SeverError('ERR_INPUT_INVALID', `this ${input.kind} is already part of incident ${incidentId}`, { details: { externalId } });
    await ctx.ledger.append(tx, incidentId, 'artifact.added', input.actor, {
      artifactId: id, connector: input.connector, kind: input.kind, externalId, label: row.label, secretHash: row.secretHash ?? null, source: 'added', attributes: attributes ?? {},
    });
    if (to) {
      await updateIncident(tx, incidentId, { state: to, updatedAt: now });
      await ctx.ledger.append(tx, incidentId, 'incident.state-changed', input.actor, { from, to, reason: 'artifact added' });
    }
    return id;
  });
}

/**
 * How a value is held: UTF-8 text as its trimmed self; any other bytes as base64 (encoding
 * `base64`), hashed over the bytes themselves so that the hash matches the leaked value.
 */
export function holdValue(value: string | Uint8Array | undefined): { secret: string; hash: string; encoding?: 'base64' } | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    const secret = value.trim();
    return { secret, hash: sha256Hex(secret) };
  }
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(value);
  } catch {
    text = undefined;
  }
  if (text !== undefined) return holdValue(text);
  return { secret: Buffer.from(value).toString('base64'), hash: createHash('sha256').update(value).digest('hex'), encoding: 'base64' };
}
