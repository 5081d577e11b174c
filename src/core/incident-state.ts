/**
 * The incident state machine. An incident moves forward from `open` to `remediated`, and may step
 * back whenever new facts arrive: an artifact discovered late sends it back to `planned`, a
 * verification that finds something still live sends it back to `containing`. A remediated
 * incident can only be `reopened`, never edited in place.
 *
 * The table is data: {@link TRANSITIONS} is the single source of truth, and anything not in it is
 * illegal.
 */
import { SeverError } from './errors.ts';

export const STATES = [
  'open',
  'discovering',
  'planned',
  'containing',
  'verifying',
  'awaiting-signoff',
  'remediated',
  'reopened',
] as const;
export type IncidentState = (typeof STATES)[number];

/**
 * Allowed next states for each state. `planned` is re-entered (planned → planned) when an artifact
 * is added or re-discovered, and is reachable from every later working state for the same reason.
 */
export const TRANSITIONS: Readonly<Record<IncidentState, readonly IncidentState[]>> = deepFreeze({
  open: ['discovering'],
  discovering: ['discovering', 'planned'],
  planned: ['discovering', 'planned', 'containing'],
  containing: ['containing', 'verifying', 'planned'],
  verifying: ['verifying', 'containing', 'planned', 'awaiting-signoff'],
  'awaiting-signoff': ['planned', 'containing', 'verifying', 'remediated'],
  remediated: ['reopened'],
  reopened: ['discovering', 'planned'],
});

function deepFreeze<T extends Record<string, readonly string[]>>(table: T): Readonly<T> {
  for (const next of Object.values(table)) Object.freeze(next);
  return Object.freeze(table);
}

/**
 * Type guard: is `value` one of the incident {@link STATES}?
 *
 * @param value Anything, typically a string read from the store or the command line.
 */
export function isIncidentState(value: unknown): value is IncidentState {
  return typeof value === 'string' && (STATES as readonly string[]).includes(value);
}

/**
 * The states an incident in state `from` may move to, in table order.
 *
 * @param from The current state.
 * @returns The allowed next states (empty for an unknown state).
 */
export function allowedNext(from: IncidentState): readonly IncidentState[] {
  return isIncidentState(from) ? TRANSITIONS[from] : [];
}

/**
 * Whether the incident may move from `from` to `to`. Never throws.
 *
 * @param from The current state.
 * @param to The requested state.
 */
export function canTransition(from: IncidentState, to: IncidentState): boolean {
  return allowedNext(from).includes(to);
}

/**
 * Checks a state change and returns the new state.
 *
 * @param from The current state.
 * @param to The requested state.
 * @returns `to`, when the move is allowed.
 * @throws SeverError `ERR_ILLEGAL_TRANSITION` naming both states and the allowed next states.
 */
export function transition(from: IncidentState, to: IncidentState): IncidentState {
  if (canTransition(from, to)) return to;
  const next = allowedNext(from);
  const known = isIncidentState(from);
  const allowed = next.length === 0 ? 'none' : next.join(', ');
  const message = known
    ? `An incident in state "${from}" cannot move to "${to}"; allowed next states: ${allowed}.`
    : `"${String(from)}" is not an incident state (known states: ${STATES.join(', ')}); cannot move to "${to}".`;
  throw new SeverError('ERR_ILLEGAL_TRANSITION', message, {
    details: { from, to, allowed: [...next] },
  });
}
