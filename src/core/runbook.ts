/**
 * The runbook: who may sign off on closing an incident. It names the people holding the two fixed
 * roles (`identity-engineering`, `ir-lead`) and the owners of each application, with the connectors
 * through which each application is reached. An incident that touched an application's connector
 * needs a sign-off from one of its owners. See `docs/runbook.md`.
 */
import { z } from 'zod';
import { matchGlob } from './glob.ts';
import { parseDocument, uniqueField } from './parse-document.ts';

/** The roles every incident needs a sign-off from. */
export const FIXED_ROLES = ['identity-engineering', 'ir-lead'] as const;
export type FixedRole = (typeof FIXED_ROLES)[number];

/** A sign-off role: a fixed role, or the owners of one application. */
export type RoleId = FixedRole | `app-owner:${string}`;

export interface RunbookApplication {
  /** Unique; letters, digits, `.`, `_`, `-`. Its sign-off role is `app-owner:<name>`. */
  name: string;
  /**
   * Connector instance names (`keycloak:lab`), globs (`keycloak:*`) or bare connector kinds
   * (`keycloak`, meaning every instance of that kind).
   */
  connectors: string[];
  owners: string[];
}

export interface Runbook {
  version: 1;
  /**
   * The sign-off roles, and `responders`: the people who may run containment (change provider
   * state). Nobody outside the runbook may act on an incident at all.
   */
  roles: Record<FixedRole, string[]> & { responders: string[] };
  applications: RunbookApplication[];
  /**
   * Each person's registered public keys (`ssh-ed25519 AAAA…`, `ecdsa-sha2-nistp256 AAAA…`, as in
   * an allowed-signers file). A sign-off, exception, closure or reopen counts only when signed by
   * one of the person's own keys; a key belongs to one person only.
   */
  keys: Record<string, string[]>;
}

/** The key types a runbook may register (what `ssh-keygen -Y sign` signs with and Sever verifies). */
export const SIGNING_KEY_TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'] as const;
const keyLine = z
  .string()
  .trim()
  .max(1_000)
  .regex(new RegExp(`^(${SIGNING_KEY_TYPES.join('|')}) [A-Za-z0-9+/]+={0,2}( .*)?$`), `expected a public key line: one of ${SIGNING_KEY_TYPES.join(', ')}, then the base64 key (the contents of a .pub file)`);

const person = z.string().trim().min(1);
const people = z.array(person).min(1);

/** The zod schema of a {@link Runbook}. */
export const runbookSchema = z
  .strictObject({
    version: z.literal(1),
    roles: z.strictObject({ 'identity-engineering': people, 'ir-lead': people, responders: people }),
    applications: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a name of letters, digits, ".", "_" or "-"'),
          connectors: z.array(z.string().trim().min(1)).min(1),
          owners: people,
        }),
      )
      .default([]),
    keys: z.record(person, z.array(keyLine).min(1)).default({}),
  })
  .superRefine(...uniqueField('applications', 'name', 'application name'))
  .superRefine((r, ctx) => {
    const known = new Set([...r.roles.responders, ...r.roles['identity-engineering'], ...r.roles['ir-lead'], ...r.applications.flatMap((a) => a.owners)]);
    const owner = new Map<string, string>();
    for (const [who, lines] of Object.entries(r.keys)) {
      if (!known.has(who)) ctx.addIssue({ code: 'custom', path: ['keys', who], message: `${who} is not named in the runbook's roles or applications` });
      lines.forEach((line, i) => {
        const key = line.split(/\s+/).slice(0, 2).join(' ');
        const prior = owner.get(key);
        // One key, one person: otherwise one holder could attest as two people.
        if (prior !== undefined && prior !== who) ctx.addIssue({ code: 'custom', path: ['keys', who, i], message: `this key is already registered to ${prior}; a key belongs to one person` });
        owner.set(key, who);
      });
    }
  });

const _schemaMatchesInterface = (r: z.output<typeof runbookSchema>): Runbook => r;
void _schemaMatchesInterface;

/**
 * Reads and validates a runbook.
 *
 * @param input The runbook as YAML text, or as an already-parsed object.
 * @returns The validated {@link Runbook}; `applications` defaults to an empty list.
 * @throws SeverError `ERR_RUNBOOK_INVALID` naming the path of each bad field, e.g.
 *   `roles.ir-lead: must have at least 1 item(s)`.
 */
export function parseRunbook(input: unknown): Runbook {
  return parseDocument(input, runbookSchema, 'ERR_RUNBOOK_INVALID', 'runbook');
}

/**
 * Whether an application's connector entry covers a connector instance the incident touched.
 *
 * @param entry A name, a glob, or a bare connector kind (no `:`), which covers every instance.
 * @param connector A connector instance name, `kind:instance`.
 */
export function connectorInScope(entry: string, connector: string): boolean {
  if (!entry.includes(':') && !entry.includes('*')) return connector.startsWith(`${entry}:`) || connector === entry;
  return matchGlob(entry, connector);
}

/**
 * The roles that must sign off before an incident may close: always `identity-engineering` and
 * `ir-lead`, then `app-owner:<name>` for each application (in runbook order) one of whose
 * connectors the incident touched.
 *
 * @param runbook A validated runbook.
 * @param incidentConnectors The connector instance names the incident discovered artifacts in.
 */
export function requiredSignoffs(runbook: Runbook, incidentConnectors: readonly string[]): RoleId[] {
  const apps = runbook.applications.filter((app) =>
    app.connectors.some((entry) => incidentConnectors.some((c) => connectorInScope(entry, c))),
  );
  return [...FIXED_ROLES, ...apps.map((app): RoleId => `app-owner:${app.name}`)];
}

/**
 * Whether `role` names a role this runbook defines (a fixed role, or an application it lists).
 *
 * @param runbook A validated runbook.
 * @param role Any string, e.g. from the command line.
 */
export function isKnownRole(runbook: Runbook, role: string): role is RoleId {
  if ((FIXED_ROLES as readonly string[]).includes(role)) return true;
  if (!role.startsWith('app-owner:')) return false;
  const name = role.slice('app-owner:'.length);
  return runbook.applications.some((app) => app.name === name);
}

/**
 * Whether `person` holds `role` in the runbook. Names are compared exactly (after trimming the
 * runbook's entries, which the schema does); an unknown role is held by nobody.
 *
 * @param runbook A validated runbook.
 * @param role The role to check.
 * @param person The person's identifier as the runbook spells it (e.g. an email address).
 */
export function holdsRole(runbook: Runbook, role: RoleId | string, person: string): boolean {
  if (role === 'identity-engineering' || role === 'ir-lead') return runbook.roles[role].includes(person);
  if (!role.startsWith('app-owner:')) return false;
  const name = role.slice('app-owner:'.length);
  return runbook.applications.some((app) => app.name === name && app.owners.includes(person));
}

/**
 * Everyone the runbook names: responders, the holders of the fixed roles and every application owner.
 *
 * @param runbook A validated runbook.
 */
export function knownPeople(runbook: Runbook): string[] {
  return [...new Set([...runbook.roles.responders, ...FIXED_ROLES.flatMap((r) => runbook.roles[r]), ...runbook.applications.flatMap((a) => a.owners)])];
}
