/**
 * What the auditor report is made from: the bundle as read (untrusted until verified), the
 * verifier's verdict on it, and the controls mappings. The renderer is pure: the caller verifies
 * the bundle and loads the mappings, and passes both in.
 */
import type { BundleResult } from '../ledger/index.ts';
import type { ControlFramework } from './controls-schema.ts';

/**
 * The verdict of the verifier on one attestation (sign-off, exception, closure, reopen), as
 * `verifyBundle` reports it once attestations are signed. Optional in {@link ReportVerification}:
 * a verifier that does not check them leaves the list out.
 */
export interface AttestationCheck {
  /** The `seq` of the ledger entry that records the attestation. */
  seq: number;
  type: string;
  person: string;
  role?: string;
  /** `system`: Sever's own action (a reopen by the reuse watch), signed by the ledger key only. Other words are shown as they are. */
  status: 'verified' | 'failed' | 'unsigned' | 'system' | (string & {});
  /** OpenSSH fingerprint of the key that signed it (`SHA256:…`). */
  keyFingerprint?: string;
  /** Why it failed or is unsigned. */
  reason?: string;
}

/** The result of verifying the bundle (`verifyBundle`), possibly with the attestations checked. */
export type ReportVerification = BundleResult & { attestations?: readonly AttestationCheck[] };

export interface ReportOptions {
  /** When the report was made (ISO 8601); printed, never read from a clock here. */
  generatedAt: string;
  /** The controls mappings (docs/controls), one per framework; none means no controls section. */
  controls?: readonly ControlFramework[];
  /** Where the bundle was read from, as the person gave it; printed in the header. */
  source?: string;
}
