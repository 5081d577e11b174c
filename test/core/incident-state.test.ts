import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeverError } from '../../src/core/errors.ts';
import { STATES, TRANSITIONS, allowedNext, canTransition, isIncidentState, transition, type IncidentState } from '../../src/core/incident-state.ts';

/** The specification, written out independently of the table under test. */
const ALLOWED = new Set([
  'open>discovering',
  'discovering>discovering',
  'discovering>planned',
  'planned>discovering',
  'planned>planned',
  'planned>containing',
  'containing>containing',
  'containing>verifying',
  'containing>planned',
  'verifying>verifying',
  'verifying>containing',
  'verifying>planned',
  'verifying>awaiting-signoff',
  'awaiting-signoff>planned',
  'awaiting-signoff>containing',
  'awaiting-signoff>verifying',
  'awaiting-signoff>remediated',
  'remediated>reopened',
  'reopened>discovering',
  'reopened>planned',
]);

test('the states are exactly the documented eight', () => {
  assert.deepEqual([...STATES], ['open', 'discovering', 'planned', 'containing', 'verifying', 'awaiting-signoff', 'remediated', 'reopened']);
  assert.deepEqual(Object.keys(TRANSITIONS).sort(), [...STATES].sort());
});

for (const from of STATES) {
  for (const to of STATES) {
    const legal = ALLOWED.has(`${from}>${to}`);
    test(`${from} → ${to} is ${legal ? 'allowed' : 'illegal'}`, () => {
      assert.equal(canTransition(from, to), legal);
      if (legal) {
        assert.equal(transition(from, to), to);
        return;
      }
      assert.throws(
        () => transition(from, to),
        (e: unknown) => {
          assert.ok(e instanceof SeverError);
          assert.equal(e.code, 'ERR_ILLEGAL_TRANSITION');
          assert.ok(e.message.includes(`"${from}"`), e.message);
          assert.ok(e.message.includes(`"${to}"`), e.message);
          for (const next of allowedNext(from)) assert.ok(e.message.includes(next), `${e.message} should name ${next}`);
          assert.deepEqual(e.details, { from, to, allowed: [...TRANSITIONS[from]] });
          return true;
        },
      );
    });
  }
}

test('the table allows nothing beyond the specification', () => {
  const table = STATES.flatMap((from) => TRANSITIONS[from].map((to) => `${from}>${to}`));
  assert.deepEqual(new Set(table), ALLOWED);
  assert.equal(table.length, ALLOWED.size);
});

test('unknown states are refused, never allowed', () => {
  const bogus = 'closed' as IncidentState;
  assert.equal(isIncidentState('closed'), false);
  assert.equal(isIncidentState('open'), true);
  assert.equal(canTransition(bogus, 'open'), false);
  assert.equal(canTransition('open', bogus), false);
  assert.throws(() => transition(bogus, 'open'), { code: 'ERR_ILLEGAL_TRANSITION', message: /"closed" is not an incident state/ });
  assert.throws(() => transition('open', bogus), { code: 'ERR_ILLEGAL_TRANSITION', message: /allowed next states: discovering/ });
});

test('the table is frozen', () => {
  assert.ok(Object.isFrozen(TRANSITIONS));
  for (const s of STATES) assert.ok(Object.isFrozen(TRANSITIONS[s]), s);
});
