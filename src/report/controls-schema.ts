/**
 * The format of a controls mapping (docs/controls/*.yaml, described in docs/controls/README.md):
 * one file per framework, each control with its source and the rule that says which evidence in an
 * evidence bundle satisfies it. Rules name only entry types, artifact kinds and subject types that
 * exist in the code, so a mapping that names anything else does not load.
 */
import { z } from 'zod';
import { ARTIFACT_KINDS, SUBJECT_TYPES } from '../core/model.ts';
import { PROOF_STRENGTHS } from '../core/proof.ts';
import { ENTRY_TYPES } from '../ledger/index.ts';

const text = z.string().trim().min(1).max(2_000);
const url = z.url({ protocol: /^https$/ });

/** Where a control's wording comes from: the official publication. */
const sourceSchema = z.strictObject({
  /** The publication's title, e.g. "The NIST Cybersecurity Framework (CSF) 2.0". */
  document: text,
  /** The official publication (https). */
  url,
  /** Where in it, e.g. "Appendix A, RESPOND (RS), Incident Mitigation (RS.MI)". */
  section: text,
});

/** When a control applies: any one alternative, each alternative matching all of its members. */
const applicabilitySchema = z.strictObject({
  subjectTypes: z.array(z.enum(SUBJECT_TYPES)).min(1).optional(),
  /** The incident holds at least one artifact of one of these kinds. */
  artifactKinds: z.array(z.enum(ARTIFACT_KINDS)).min(1).optional(),
  /** The chain holds at least one entry of one of these types. */
  entryTypes: z.array(z.enum(ENTRY_TYPES)).min(1).optional(),
}).refine((a) => a.subjectTypes || a.artifactKinds || a.entryTypes, 'an alternative names subjectTypes, artifactKinds or entryTypes');

/**
 * One piece of evidence a control needs, checked on the bundle. `says` is what it means, printed
 * in the report beside whether this incident's evidence holds it.
 */
export const requirementSchema = z.discriminatedUnion('check', [
  /** At least one entry of one of `types`. */
  z.strictObject({ check: z.literal('entries'), says: text, types: z.array(z.enum(ENTRY_TYPES)).min(1) }),
  /**
   * Every artifact (of `kinds`, when given) has `verified-dead` or `verified-expired` as its last
   * verdict, proved at least at strength `atLeast` when given. No such artifact: not applicable.
   */
  z.strictObject({ check: z.literal('artifacts-proved'), says: text, kinds: z.array(z.enum(ARTIFACT_KINDS)).min(1).optional(), atLeast: z.enum(PROOF_STRENGTHS).optional() }),
  /** Every artifact not proved has an `exception.granted` after its last verdict. None unproved: not applicable. */
  z.strictObject({ check: z.literal('unproved-accepted'), says: text }),
  /** The last of `incident.closed` and `incident.reopened` is `incident.closed`. */
  z.strictObject({ check: z.literal('incident-closed'), says: text }),
  /** The closer is not the only person whose runs changed provider state. */
  z.strictObject({ check: z.literal('separation-of-duties'), says: text }),
  /** The bundle verifies (chain, signatures, summary). */
  z.strictObject({ check: z.literal('bundle-verified'), says: text }),
  /** The bundle verifies with the signer's key pinned: it proves who made it. */
  z.strictObject({ check: z.literal('bundle-pinned'), says: text }),
]);

export const controlSchema = z.strictObject({
  /** The framework's own id, exactly as published (`RS.MI-01`, `NHI1:2025`, `GOVERN 2.1`). */
  id: text,
  /** The official title or outcome text, as published. */
  title: text,
  source: z.strictObject({ section: text, url: url.optional() }),
  /** Absent: the control applies to every incident. */
  appliesWhen: z.array(applicabilitySchema).min(1).optional(),
  /**
   * `full`: the requirements, all held, achieve the control for this incident. `partial`: Sever's
   * evidence covers only part of it (at best `partly`). `none`: the bundle cannot show it (always
   * `not applicable`, with `note` saying why).
   */
  coverage: z.enum(['full', 'partial', 'none']),
  /** Why the coverage is what it is; required unless `full`. */
  note: text.optional(),
  requires: z.array(requirementSchema).default([]),
}).superRefine((c, ctx) => {
  if (c.coverage !== 'full' && !c.note) ctx.addIssue({ code: 'custom', path: ['note'], message: `coverage ${c.coverage} needs a note saying what Sever's evidence does not cover` });
  if (c.coverage === 'none' && c.requires.length) ctx.addIssue({ code: 'custom', path: ['requires'], message: 'coverage none takes no requirements' });
  if (c.coverage !== 'none' && !c.requires.length) ctx.addIssue({ code: 'custom', path: ['requires'], message: 'at least one requirement' });
});

export const frameworkSchema = z.strictObject({
  kind: z.literal('sever.controls'),
  version: z.literal(1),
  /** Short stable id, e.g. `nist-csf-2.0`; the file is `<id>.yaml`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/),
  /** The framework's name as its publisher gives it. */
  title: text,
  source: sourceSchema,
  controls: z.array(controlSchema).min(1),
}).superRefine((f, ctx) => {
  const seen = new Set<string>();
  f.controls.forEach((c, i) => {
    if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['controls', i, 'id'], message: `${c.id} is listed twice` });
    seen.add(c.id);
  });
});

export type Requirement = z.output<typeof requirementSchema>;
export type Control = z.output<typeof controlSchema>;
export type ControlFramework = z.output<typeof frameworkSchema>;
