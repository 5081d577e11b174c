/**
 * The closure gate's finding codes. These are not errors: they are the items a refused close lists
 * (the error is `ERR_CLOSE_REFUSED`, whose details carry them). `docs/errors.md` lists them too, and
 * a test keeps that table and this catalogue identical.
 */
export const CLOSURE_CATALOGUE = {
  WRONG_STATE: {
    meaning: 'The incident is not in a state it can close from.',
    todo: 'Finish containment and verification so the incident reaches awaiting-signoff.',
  },
  DISCOVERY_INCOMPLETE: {
    meaning: 'The last discovery could not ask a connector (it failed): what the subject holds there is unknown, so nothing there can be called contained.',
    todo: 'Fix the cause the message names (credentials, reachability) and run discover again; then contain what it finds.',
  },
  MISSING_EVIDENCE: {
    meaning: 'An artifact has not been proved dead or expired by independent verification.',
    todo: 'Run contain and verify for the incident.',
  },
  STILL_LIVE: {
    meaning: 'Verification found the artifact still working after containment.',
    todo: 'Revoke it another way (or through the compensating action), then verify; or the IR lead grants an exception.',
  },
  UNPROVEN: {
    meaning: 'Every path that ran says the artifact is dead, but none of them is as strong as the policy requires for its kind (e.g. introspection alone for a refresh token).',
    todo: 'Supply what the stronger path needs (the message names it, e.g. `--attribute clientId=…`) and run verify, or the IR lead grants an exception.',
  },
  REVOKE_FAILED: {
    meaning: 'The revocation of an artifact failed permanently.',
    todo: 'Fix the cause (permissions, provider state) and revoke again, or the IR lead grants an exception.',
  },
  RESIDUAL_EXPOSURE: {
    meaning: 'An artifact cannot be revoked selectively and stays usable until it expires.',
    todo: 'Verify it expired after its expiry time, or the IR lead grants an exception.',
  },
  EXCEPTION_EXPIRED: {
    meaning: 'An exception for an unproved artifact has expired and no longer counts.',
    todo: 'Prove the artifact dead or expired, or the IR lead grants a new exception.',
  },
  EXCEPTION_INVALID: {
    meaning: 'An exception does not count: not granted by an IR lead, no reason, or no valid expiry.',
    todo: 'An IR lead grants the exception again with a reason and a future expiry.',
  },
  STALE_EXCEPTION: {
    meaning: 'An exception was granted for an artifact whose status has changed since, or before the incident was reopened.',
    todo: 'An IR lead reviews the artifact as it is now and grants the exception again.',
  },
  MISSING_SIGNOFF: {
    meaning: 'A required role has no sign-off from a person holding it in the runbook.',
    todo: 'A holder of the role signs off; check the runbook if nobody can.',
  },
  STALE_SIGNOFF: {
    meaning: 'A sign-off names a ledger head older than the last change to the inventory or to an artifact status, or than a reopen: it attests to a state that no longer holds.',
    todo: 'The holder of the role reviews the incident as it is now and signs off again.',
  },
  UNVERIFIED_SIGNOFF: {
    meaning: 'A sign-off is not signed by one of the person\'s keys registered in the runbook now (the key was removed, or the stored signature does not verify): it attests to nothing.',
    todo: 'The holder of the role signs off again with a key registered for them in the runbook.',
  },
  UNVERIFIED_EXCEPTION: {
    meaning: 'An exception is not signed by one of the IR lead\'s keys registered in the runbook now: it does not count.',
    todo: 'An IR lead grants the exception again, signed with a key registered for them in the runbook.',
  },
  STALE_CLOSURE: {
    meaning: 'The signed closure names a ledger head older than the last change to the incident: it decides on a state that no longer holds.',
    todo: 'The IR lead reviews the incident as it is now and signs the closure again.',
  },
  NOT_IR_LEAD: {
    meaning: 'The person closing the incident does not hold ir-lead.',
    todo: 'An IR lead named in the runbook closes the incident.',
  },
  SOLE_EXECUTOR: {
    meaning: 'The person closing is the only person who ran the revocations.',
    todo: 'Another IR lead closes the incident.',
  },
  SELF_SIGNOFF: {
    meaning: 'Every sign-off was given by the only person who ran the revocations.',
    todo: 'Another holder of a required role signs off.',
  },
} as const satisfies Record<string, { meaning: string; todo: string }>;

export type ClosureCode = keyof typeof CLOSURE_CATALOGUE;

/** Every closure code, in catalogue order. */
export const CLOSURE_CODES = Object.keys(CLOSURE_CATALOGUE) as ClosureCode[];
