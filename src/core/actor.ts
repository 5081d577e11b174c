/**
 * Who may act on an incident. Separation of duties rests on people the runbook knows: an unknown
 * login name cannot dilute it. Containment (which changes provider state) needs `responders`;
 * every other action needs a person the runbook names in any role.
 */
import { SeverError } from './errors.ts';
import { knownPeople, type Runbook } from './runbook.ts';

/** Actions on an incident, by what they need. `contain` changes provider state. */
export type IncidentAction = 'open' | 'discover' | 'plan' | 'contain' | 'verify' | 'add-artifact' | 'reopen';

/** The actor Sever itself uses for automatic steps (reconciliation, a reopen by the reuse watch). */
export const SYSTEM_ACTOR = 'sever';

/**
 * Refuses an actor who may not take this action.
 *
 * @param runbook The runbook naming responders and role holders.
 * @param person The person acting, as the runbook spells them.
 * @param action What they are doing.
 * @throws SeverError `ERR_ACTOR_REFUSED` naming the person, the action and who may take it.
 */
export function requireActor(runbook: Runbook, person: string, action: IncidentAction): void {
  const who = typeof person === 'string' ? person.trim() : '';
  if (action === 'contain') {
    if (runbook.roles.responders.includes(who)) return;
    throw new SeverError('ERR_ACTOR_REFUSED', `${JSON.stringify(who)} is not a responder in the runbook, so cannot run containment; responders: ${runbook.roles.responders.join(', ')}.`, {
      details: { person: who, action, allowed: runbook.roles.responders },
    });
  }
  const known = knownPeople(runbook);
  if (who !== SYSTEM_ACTOR && known.includes(who)) return;
  // Sever itself may reopen (a revoked artifact seen in use again): reopening only ever adds scrutiny.
  if (who === SYSTEM_ACTOR && action === 'reopen') return;
  throw new SeverError('ERR_ACTOR_REFUSED', `${JSON.stringify(who)} is not named in the runbook, so cannot ${action} an incident; act as one of: ${known.join(', ')}.`, {
    details: { person: who, action, allowed: known },
  });
}
