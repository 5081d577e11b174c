/**
 * The built-in revocation policy. `docs/policy.md` shows it as YAML and explains each rule; a test
 * keeps that block and this object identical.
 */
import type { Policy, ProofPolicy } from './policy.ts';

/**
 * The proof each artifact needs by default: a credential an attacker can present is proved dead
 * only by presenting it (`replay`); what cannot be presented (a session Sever holds no cookie for,
 * a grant, a device registration, a signing key) needs at least an independent admin read
 * (`relist`). Kerberos tickets are the one exception, and say why.
 */
export const DEFAULT_PROOF: ProofPolicy = {
  rules: [
    {
      id: 'kerberos-tickets',
      match: { connector: 'kerberos:*', kind: 'access-token' },
      requires: 'self-report',
      reason: "Sever never holds a user's issued tickets, so it cannot present them; the KDC's recorded end time (or a krbtgt rotation) is the evidence there is.",
    },
    {
      id: 'database-connections',
      match: { connector: 'postgres-roles:*', kind: 'app-session' },
      requires: 'relist',
      reason: 'An ended database connection cannot be presented again; pg_stat_activity shows it gone (the login behind it is proved dead by replaying its password).',
    },
    {
      id: 'hashed-remember-me',
      match: { connector: 'redis-sessions:*', kind: 'trusted-browser' },
      requires: 'relist',
      reason: "The app keeps only a hash of each remember-me token, so Sever never sees one to present; the app signs a browser in only through that key, and reading it back gone is the app's own state, not its opinion.",
    },
    {
      id: 'aws-signing-certificates',
      match: { connector: 'aws-iam:*', kind: 'api-key', attributes: { credentialType: 'signing-certificate' } },
      requires: 'relist',
      reason: 'An IAM signing certificate is accepted only by legacy services Sever cannot call, so it cannot be presented; ListSigningCertificates showing it gone is the evidence there is.',
    },
    {
      id: 'aws-console-login',
      match: { connector: 'aws-iam:*', kind: 'directory-account' },
      requires: 'relist',
      reason: 'An AWS console password signs in only through a browser flow (MFA, CAPTCHA) that no API replays; GetLoginProfile answering NoSuchEntity is the evidence there is.',
    },
    {
      id: 'entra-app-certificates',
      match: { connector: 'entra:*', kind: 'api-key', attributes: { credentialType: 'certificate' } },
      requires: 'relist',
      reason: "Sever never holds an app certificate's private key, so it cannot present it; the application's keyCredentials read back without it is the evidence there is.",
    },
    {
      id: 'replayable-credentials',
      match: {
        kind: ['refresh-token', 'offline-token', 'access-token', 'api-key', 'app-session', 'trusted-browser', 'ssh-certificate', 'directory-account', 'delegated-tool-grant', 'service-account-binding'],
      },
      requires: 'replay',
      reason: "A credential an attacker can present is proved dead only by presenting it: the provider's own opinion (introspection) is no better than its acknowledgement.",
    },
  ],
  default: 'relist',
};

/**
 * Sensible defaults: everything an attacker can use right now is revoked immediately; changes
 * that can break other people or production (signing keys, service-account bindings) are
 * scheduled rotations; device registrations are validated with the subject before removal.
 * Rules without an `action` revoke, or await expiry when the provider cannot revoke selectively.
 */
export const DEFAULT_POLICY: Policy = {
  version: 1,
  rules: [
    {
      id: 'sessions',
      match: { kind: ['idp-session', 'app-session', 'trusted-browser'] },
      tier: 'immediate',
      reason: 'A live session or remembered browser is a foothold in use now; ending it costs the real user one sign-in.',
    },
    {
      id: 'tokens',
      match: { kind: ['refresh-token', 'offline-token', 'access-token'] },
      tier: 'immediate',
      reason: 'Tokens act without a session and refresh or offline tokens survive a password reset.',
    },
    {
      id: 'grants',
      match: { kind: ['oauth-grant', 'delegated-tool-grant'] },
      tier: 'immediate',
      reason: 'A grant mints new tokens, and a delegated tool grant lets an agent act as the subject; revoke the source.',
    },
    {
      id: 'factors-enrolled-since-compromise',
      match: { kind: 'mfa-factor', issued: 'after-compromise' },
      tier: 'immediate',
      reason: "A factor enrolled after the compromise began (or at an unknown time) is the attacker's persistence: it survives a password reset and answers the next MFA prompt.",
    },
    {
      id: 'factors-from-before',
      match: { kind: 'mfa-factor' },
      tier: 'post-incident-validation',
      action: 'validate',
      reason: "A factor enrolled before the compromise began is most likely the user's own; removing it locks them out. Confirm with them.",
    },
    {
      id: 'workload-keys-with-rotation',
      // Marked rotatable only where the connector has a rotation configured (a delivery for the new key).
      match: { kind: ['api-key', 'ssh-public-key'], subjectType: ['workload', 'service-account'], attributes: { rotatable: true } },
      tier: 'scheduled-rotation',
      action: 'rotate-then-revoke',
      reason: 'A workload runs on this key: a new key goes to it first, and the old one dies once the provider shows the workload using the new one. Until then the old key works for whoever holds it: contain --tier immediate leaves it for its owners to schedule.',
    },
    {
      id: 'standing-credentials',
      match: { kind: ['api-key', 'ssh-certificate', 'directory-account', 'ssh-public-key', 'app-password'] },
      tier: 'immediate',
      reason: 'Long-lived credentials work from anywhere without MFA.',
    },
    {
      id: 'signing-keys',
      match: { kind: 'signing-key' },
      tier: 'scheduled-rotation',
      reason: 'Rotating a signing key invalidates everything it signed, for every subject; schedule it with the key owners.',
    },
    {
      id: 'service-account-bindings',
      match: { kind: 'service-account-binding' },
      tier: 'scheduled-rotation',
      action: 'rotate-then-revoke',
      reason: 'Removing a binding can stop the production workloads that use it: a new credential goes to them first, and the old one dies once they are seen using the new one.',
    },
    {
      id: 'device-registrations',
      match: { kind: 'device-registration' },
      tier: 'post-incident-validation',
      action: 'validate',
      reason: 'A registered device is not a credential by itself; confirm with the subject whether it is theirs before removing it.',
    },
  ],
  default: {
    tier: 'immediate',
    action: 'revoke',
    reason: 'No rule matched: contain first, review afterwards.',
  },
  proof: DEFAULT_PROOF,
};
