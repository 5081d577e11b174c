/**
 * Graded proof. Every verification path a connector declares has a strength:
 *
 * - `replay`: the artifact itself is refused where it is used (a refresh, a call with the token, a
 *   login, a bind). The strongest: it is what an attacker would do.
 * - `relist`: an independent admin read shows the artifact gone (sessions, consents, a KRL entry).
 * - `self-report`: the provider's own statement about the artifact (RFC 7662 introspection, a
 *   `validFrom` timestamp, a ticket's recorded end time): the same class as an acknowledgement.
 *
 * The policy sets the strength each artifact needs; {@link gradeProof} decides, from the checks
 * one observation made, whether the artifact is proved dead (or expired), still live, or unproven
 * (every path that ran says dead, none strong enough). When paths disagree, the artifact is live and
 * the disagreement is kept as a provider fault worth reporting. Pure: no I/O.
 */

/** Proof strengths, weakest first. */
export const PROOF_STRENGTHS = ['self-report', 'relist', 'replay'] as const;
export type ProofStrength = (typeof PROOF_STRENGTHS)[number];

/** Whether `have` is at least as strong as `need`. */
export function atLeast(have: ProofStrength, need: ProofStrength): boolean {
  return PROOF_STRENGTHS.indexOf(have) >= PROOF_STRENGTHS.indexOf(need);
}

/** One check of an observation, with the strength its path has in the connector's manifest. */
export interface GradedCheck {
  path: string;
  strength: ProofStrength;
  result: 'dead' | 'live' | 'expired';
}

/** A path the connector could not run for this artifact, and what it would need. */
export interface UnavailablePath {
  path: string;
  strength: ProofStrength;
  /** What would make it runnable, e.g. "add `--attribute clientId=<client>`". */
  why: string;
}

/** Paths that contradict each other: weaker ones say dead while a path says the artifact works. */
export interface Inconsistency {
  /** The paths that said dead or expired. */
  deadPaths: string[];
  /** The paths that found it working. */
  livePaths: string[];
  /** A sentence for the evidence and the provider's bug report. */
  message: string;
}

export interface ProofGrade {
  /** `dead`/`expired`: proved at the required strength; `live`: a path found it working; `unproven`: dead by weaker paths only. */
  verdict: 'dead' | 'expired' | 'live' | 'unproven';
  /** The strongest path that said dead or expired (null when none did). */
  strength: ProofStrength | null;
  required: ProofStrength;
  inconsistency?: Inconsistency;
  /** For `unproven`: the stronger paths that could not run and what they need. */
  wanting?: UnavailablePath[];
}

/**
 * Grades one observation.
 *
 * @param checks Each check with its path's strength (a path the manifest does not declare counts
 *   as `self-report`).
 * @param required The strength the policy requires for this artifact.
 * @param unavailable Paths the connector could not run, and why.
 * @param connectorSaysLive The connector's own verdict was `live` (kept even if no check says so).
 */
export function gradeProof(checks: readonly GradedCheck[], required: ProofStrength, unavailable: readonly UnavailablePath[] = [], connectorSaysLive = false): ProofGrade {
  // Nothing could be observed at all (no API reads the artifact): no proof either way, and polling
  // cannot change that. The paths that would prove it are named.
  if (checks.length === 0 && unavailable.length > 0) {
    return { verdict: 'unproven', strength: null, required, wanting: unavailable.filter((u) => atLeast(u.strength, required)) };
  }
  const live = checks.filter((c) => c.result === 'live');
  const dead = checks.filter((c) => c.result !== 'live');
  const strength = dead.reduce<ProofStrength | null>((best, c) => (best === null || atLeast(c.strength, best) ? c.strength : best), null);
  if (live.length > 0 || connectorSaysLive || checks.length === 0) {
    const inconsistency: Inconsistency | undefined =
      live.length > 0 && dead.length > 0
        ? {
            deadPaths: dead.map((c) => c.path),
            livePaths: live.map((c) => c.path),
            message: `the provider's paths disagree: ${dead.map((c) => `${c.path} (${c.strength})`).join(', ')} said dead while ${live
              .map((c) => `${c.path} (${c.strength})`)
              .join(', ')} found it working; the artifact is treated as live, and the provider's weaker path is wrong`,
          }
        : undefined;
    return { verdict: 'live', strength, required, ...(inconsistency ? { inconsistency } : {}) };
  }
  const verdict = dead.every((c) => c.result === 'expired') ? 'expired' : 'dead';
  if (strength !== null && atLeast(strength, required)) return { verdict, strength, required };
  const wanting = unavailable.filter((u) => atLeast(u.strength, required));
  return { verdict: 'unproven', strength, required, wanting };
}

/**
 * What would prove an unproven artifact, as one sentence for the closure gate.
 *
 * @param grade An `unproven` grade.
 */
export function whatWouldProve(grade: Pick<ProofGrade, 'strength' | 'required' | 'wanting'>): string {
  const have = grade.strength ? `only ${grade.strength} proof (${grade.strength === 'self-report' ? "the provider's own word" : 'an admin read'})` : 'no proof';
  const ways = (grade.wanting ?? []).map((w) => `${w.path}: ${w.why}`);
  const how = ways.length > 0 ? ` To prove it: ${ways.join('; ')}; then run \`incident verify\`.` : ' No path of its connector that is that strong could run; prove it another way, or the IR lead grants an exception.';
  return `it has ${have}, and the policy requires ${grade.required}.${how}`;
}
