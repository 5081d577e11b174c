/**
 * Sign-offs: a person attests, for one role, that the incident may close. Only a person the
 * runbook lists for that role may sign for it. Re-exported by `gate.ts`.
 */
import { SeverError } from './errors.ts';
import { FIXED_ROLES, holdsRole, isKnownRole, type RoleId, type Runbook } from './runbook.ts';

/**
 * Refuses a sign-off the closure gate would not count: call before recording one.
 *
 * @param runbook The runbook naming who holds each role.
 * @param role The role signed for: `identity-engineering`, `ir-lead` or `app-owner:<application>`.
 * @param person The person signing, as the runbook spells them.
 * @returns The role, narrowed to {@link RoleId}.
 * @throws SeverError `ERR_SIGNOFF_REFUSED` when the role is unknown or the person does not hold it.
 */
export function validateSignoff(runbook: Runbook, role: string, person: string): RoleId {
  if (!isKnownRole(runbook, role)) {
    const known = [...FIXED_ROLES, ...runbook.applications.map((a) => `app-owner:${a.name}`)];
    throw new SeverError('ERR_SIGNOFF_REFUSED', `"${role}" is not a role in the runbook; known roles: ${known.join(', ')}.`, {
      details: { role, person, known },
    });
  }
  if (!holdsRole(runbook, role, person)) {
    const holders = roleHolders(runbook, role);
    throw new SeverError(
      'ERR_SIGNOFF_REFUSED',
      `"${person}" does not hold ${role} in the runbook, so cannot sign for it; it is held by: ${holders.join(', ')}.`,
      { details: { role, person, holders } },
    );
  }
  return role;
}

/**
 * The people who hold `role` in the runbook.
 *
 * @param runbook A validated runbook.
 * @param role A role id; unknown roles have no holders.
 */
export function roleHolders(runbook: Runbook, role: RoleId): string[] {
  if (role === 'identity-engineering' || role === 'ir-lead') return [...runbook.roles[role]];
  const name = role.slice('app-owner:'.length);
  return [...(runbook.applications.find((a) => a.name === name)?.owners ?? [])];
}
