import { SeverError, toSeverError } from '../core/errors.ts';
import { canTransition, transition, type IncidentState } from '../core/incident-state.ts';
import type { DiscoveredArtifact, Subject } from '../core/model.ts';
import { getIncident, insertArtifacts, listArtifacts, updateIncident, type NewArtifactRow } from '../store/repo.ts';
import type { EngineContext } from './context.ts';
import { sha256Hex } from './secret-box.ts';
import { withRetry } from './with-retry.ts';

/** Whether a connector discovers for this subject type (absent list: every type but `integration`). */
function supports(types: readonly string[] | undefined, type: string): boolean {
  return types ? types.includes(type) : type !== 'integration';
}

/** How discovery came by the subject's identifier in a connector. */
export type IdentifierSource =
  | { via: 'incident' }
  | { via: 'identities'; entry: number }
  | { via: 'link'; from: string; externalId: string; matched?: string }
  | { via: 'handle' };

export interface DiscoverResult {
  added: number;
  total: number;
  connectors: Record<string, { identifier: string; source: IdentifierSource; found: number; added: number; error?: { code: string; message: string }; unsupported?: string }>;
  subject: Subject;
  /** Links discovery found that disagree with an identifier already known (the known one is kept). */
  conflicts: Array<{ connector: string; kept: string; keptFrom: IdentifierSource; found: string; from: string; matched?: string }>;
}

/** The identifiers of a subject in each connector, and where each came from: the incident, sever.yaml, a link, or the handle. */
function initialIdentifiers(ctx: EngineContext, subject: Subject): Map<string, { identifier: string; source: IdentifierSource }> {
  const known = new Map<string, { identifier: string; source: IdentifierSource }>();
  for (const [c, id] of Object.entries(subject.identifiers)) known.set(c, { identifier: id, source: { via: 'incident' } });
  const entry = ctx.identities.findIndex((m) => m.subject === subject.handle || (m.aliases ?? []).includes(subject.handle));
  if (entry >= 0) {
    for (const [c, id] of Object.entries(ctx.identities[entry]!.links)) if (!known.has(c) && ctx.connectors.has(c)) known.set(c, { identifier: id, source: { via: 'identities', entry } });
  }
  return known;
}

/**
 * Asks every configured connector for the subject's live artifacts, following identity links
 * between providers until no new identifier appears. Known artifacts are not added twice.
 */
export async function discover(ctx: EngineContext, incidentId: string, actor: string): Promise<DiscoverResult> {
  const incident = await getIncident(ctx.db, incidentId);
  const from = incident.state as IncidentState;
  // Discovering again after containment (a connector failed, a new link): back through planned.
  const path: IncidentState[] = from === 'discovering' ? [] : canTransition(from, 'discovering') ? ['discovering'] : ['planned', 'discovering'];
  let at = from;
  for (const to of path) at = transition(at, to);
  const subject = structuredClone(incident.subject) as Subject;
  await ctx.db.transaction(async (tx) => {
    await updateIncident(tx, incidentId, { state: 'discovering', updatedAt: ctx.clock.now() });
    let prev = from;
    for (const to of path) {
      await ctx.ledger.append(tx, incidentId, 'incident.state-changed', actor, { from: prev, to, ...(to === 'planned' ? { reason: 'discovering again' } : {}) });
      prev = to;
    }
    await ctx.ledger.append(tx, incidentId, 'discovery.started', actor, { connectors: [...ctx.connectors.keys()], subject });
  });

  const result: DiscoverResult = { added: 0, total: 0, connectors: {}, subject, conflicts: [] };
  const known = initialIdentifiers(ctx, subject);
  for (const [c, k] of known) subject.identifiers[c] = k.identifier;
  const done = new Set<string>();
  let pending = [...ctx.connectors.keys()];
  while (pending.length > 0) {
    const round = pending;
    pending = [];
    const found = await Promise.all(
      round.map(async (name) => {
        done.add(name);
        const connector = ctx.connectors.get(name)!;
        const identifier = known.get(name)?.identifier ?? subject.handle;
        if (!supports(connector.manifest.subjectTypes, subject.type)) {
          return { name, identifier, items: [] as DiscoveredArtifact[], unsupported: `${name} cannot discover for a ${subject.type} subject: what the subject holds there is not known (add it with incident add-artifact)` };
        }
        try {
          const items = await withRetry(ctx, () => connector.discover({ id: identifier, handle: subject.handle, type: subject.type }));
          return { name, identifier, items };
        } catch (e) {
          return { name, identifier, items: [] as DiscoveredArtifact[], error: toSeverError(e) };
        }
      }),
    );
    for (const { name, identifier, items, error, unsupported } of found as Array<{ name: string; identifier: string; items: DiscoveredArtifact[]; error?: SeverError; unsupported?: string }>) {
      const added = await recordDiscovered(ctx, incidentId, name, identifier, items, actor);
      result.connectors[name] = {
        identifier, source: known.get(name)?.source ?? { via: 'handle' }, found: items.length, added,
        ...(error ? { error: { code: error.code, message: error.message } } : {}), ...(unsupported ? { unsupported } : {}),
      };
      result.added += added;
      if (error) {
        await ctx.db.transaction((tx) => ctx.ledger.append(tx, incidentId, 'discovery.completed', actor, { connector: name, error: error.toJSON() }));
      }
      for (const item of items) {
        for (const link of item.links ?? []) {
          if (!ctx.connectors.has(link.connector)) continue;
          const had = known.get(link.connector);
          if (had?.identifier === link.identifier) continue;
          const source: IdentifierSource = { via: 'link', from: name, externalId: item.externalId, ...(link.via ? { matched: link.via } : {}) };
          // A known identifier (from the incident, sever.yaml or an earlier link) wins; the disagreement is recorded.
          if (had) {
            result.conflicts.push({ connector: link.connector, kept: had.identifier, keptFrom: had.source, found: link.identifier, from: name, ...(link.via ? { matched: link.via } : {}) });
            continue;
          }
          known.set(link.connector, { identifier: link.identifier, source });
          subject.identifiers[link.connector] = link.identifier;
          if (done.has(link.connector)) {
            // Discovered before this link under the handle: look again under the linked identifier.
            done.delete(link.connector);
          }
          pending.push(link.connector);
        }
      }
    }
    pending = [...new Set(pending)].filter((n) => !done.has(n));
  }

  const all = await listArtifacts(ctx.db, incidentId);
  result.total = all.length;
  await ctx.db.transaction(async (tx) => {
    await updateIncident(tx, incidentId, { subject, updatedAt: ctx.clock.now() });
    await ctx.ledger.append(tx, incidentId, 'discovery.completed', actor, {
      added: result.added,
      total: result.total,
      subject,
      connectors: result.connectors,
      ...(result.conflicts.length ? { identityConflicts: result.conflicts } : {}),
    });
  });
  const failed = Object.entries(result.connectors).filter(([, c]) => c.error);
  if (failed.length > 0) ctx.log.warn({ incidentId, failed: failed.map(([n]) => n) }, 'discovery incomplete');
  return result;
}

async function recordDiscovered(ctx: EngineContext, incidentId: string, connector: string, subjectId: string, items: DiscoveredArtifact[], actor: string): Promise<number> {
  if (items.length === 0) return 0;
  const now = ctx.clock.now();
  const existing = await listArtifacts(ctx.db, incidentId);
  const idOf = new Map<string, string>();
  for (const a of existing) if (a.connector === connector) idOf.set(a.externalId, a.id);
  const rows: NewArtifactRow[] = [];
  for (const item of items) {
    if (idOf.has(item.externalId)) continue;
    const id = ctx.ids.next('art');
    idOf.set(item.externalId, id);
    rows.push(toRow(ctx, incidentId, connector, subjectId, item, id, now, 'discovered'));
  }
  for (const row of rows) row.dependsOn = (row.dependsOn ?? []).map((ext) => idOf.get(ext)).filter((x): x is string => x !== undefined);
  return ctx.db.transaction(async (tx) => {
    const inserted = await insertArtifacts(tx, rows);
    if (inserted.length > 0) {
      await ctx.ledger.append(tx, incidentId, 'artifact.discovered', actor, {
        connector,
        subjectId,
        artifacts: inserted.map((a) => ({
          artifactId: a.id, kind: a.kind, externalId: a.externalId, label: a.label, revocable: a.revocable ?? true,
          issuedAt: a.issuedAt ?? null, expiresAt: a.expiresAt ?? null, dependsOn: a.dependsOn ?? [], secretHash: a.secretHash ?? null,
        })),
      });
    }
    return inserted.length;
  });
}

/** The longest provider id Sever stores (PostgreSQL's btree index holds about 2,700 bytes). */
export const MAX_EXTERNAL_ID_BYTES = 1024;

export function toRow(ctx: EngineContext, incidentId: string, connector: string, subjectId: string | undefined, item: DiscoveredArtifact, id: string, now: number, source: string): NewArtifactRow {
  const ts = (s: string | undefined, field: string) => {
    if (s === undefined) return undefined;
    const t = Date.parse(s);
    if (Number.isNaN(t)) throw new SeverError('ERR_PROVIDER_RESPONSE', `${connector}: artifact ${item.externalId} has an invalid ${field}`, { details: { connector, field } });
    return t;
  };
  // The store indexes (incident, connector, kind, externalId); a provider id past this is no id anyone uses.
  if (typeof item.externalId !== 'string' || item.externalId.length === 0 || Buffer.byteLength(item.externalId) > MAX_EXTERNAL_ID_BYTES) {
    throw new SeverError('ERR_PROVIDER_RESPONSE', `${connector}: a ${item.kind} has an externalId that is empty or longer than ${MAX_EXTERNAL_ID_BYTES} bytes`, { details: { connector, kind: item.kind } });
  }
  return {
    id, incidentId, connector, kind: item.kind, externalId: item.externalId, label: item.label, status: 'discovered',
    revocable: item.revocable ?? true, source, subjectId, issuedAt: ts(item.issuedAt, 'issuedAt'), expiresAt: ts(item.expiresAt, 'expiresAt'),
    dependsOn: item.dependsOn ?? [], attributes: item.attributes ?? {},
    secretEnc: item.secret === undefined ? null : ctx.secrets.seal(item.secret),
    secretHash: item.secret === undefined ? null : sha256Hex(item.secret),
    createdAt: now, updatedAt: now,
  };
}
