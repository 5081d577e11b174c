/**
 * Independent proof, per kind:
 *   api-key (access key)        replay: STS GetCallerIdentity signed with the leaked key must be
 *                               refused (InvalidClientTokenId); relist: ListAccessKeys without it
 *   api-key (signing cert.)     relist: ListSigningCertificates without it (no replay path exists)
 *   directory-account           relist: GetLoginProfile answers NoSuchEntity
 *   mfa-factor                  relist: ListMFADevices without the serial
 *   ssh-public-key              relist: ListSSHPublicKeys without it
 *   access-token (STS session)  replay: GetCallerIdentity with the session credentials; `expired`
 *                               only when refused AND past its expiry
 * An accepted replay is `live` whatever else says dead. The held value never reaches an observation.
 */
import type { Clock } from '../../core/clock.ts';
import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { VerifyCheck, VerifyObservation } from '../contract.ts';
import { REFUSED, type AwsIamClient, type ReplayAnswer } from './client.ts';
import {
  AMEND_KEY, RELIST_ACCESS_KEYS, RELIST_LOGIN_PROFILE, RELIST_MFA, RELIST_SIGNING_CERTS, RELIST_SSH_KEYS, REPLAY_ACCESS_KEY, REPLAY_SESSION,
} from './manifest.ts';
import { apiKeyTarget, heldCredential, userOf } from './target.ts';

type Unavailable = NonNullable<VerifyObservation['unavailable']>;

const AMEND_SESSION = 'incident amend <incident> --artifact <artifactId> --value-file <file holding AccessKeyId:SecretAccessKey:SessionToken>';

function relistCheck(path: string, list: Array<{ id: string; status?: string | null }> | undefined, id: string): VerifyCheck {
  const found = list?.find((x) => x.id === id);
  return { path, result: found ? 'live' : 'dead', observed: found ? { listed: true, status: found.status ?? null } : { listed: false, userExists: list !== undefined } };
}

/** What a refused replay code means: the credential is not accepted (dead), or the held value is wrong (no verdict). */
function refusal(a: ReplayAnswer & { accepted: false }): 'refused' | 'wrong-value' | 'unknown' {
  if (REFUSED.has(a.code)) return 'refused';
  // The key id is known to STS but the held secret does not sign for it: the value is wrong, the key may well work.
  if (a.code === 'SignatureDoesNotMatch' || a.code === 'IncompleteSignature') return 'wrong-value';
  return 'unknown';
}

async function replayKey(c: AwsIamClient, a: ArtifactHandle, accessKeyId: string, checks: VerifyCheck[], unavailable: Unavailable): Promise<void> {
  const held = heldCredential(a);
  if (held === undefined) {
    unavailable.push({ path: REPLAY_ACCESS_KEY, why: `the leaked secret access key is not held (IAM never shows it after creation), so the key cannot be replayed: give it to the artifact with \`${AMEND_KEY}\`` });
    return;
  }
  if ('problem' in held) {
    unavailable.push({ path: REPLAY_ACCESS_KEY, why: `${held.problem}: give the right value with \`${AMEND_KEY}\`` });
    return;
  }
  if (held.credential.accessKeyId !== accessKeyId) {
    unavailable.push({ path: REPLAY_ACCESS_KEY, why: `the held value is for access key ${held.credential.accessKeyId}, not ${accessKeyId}: give this key's value with \`${AMEND_KEY}\`, or add the other key as its own artifact` });
    return;
  }
  const answer = await c.replay({ accessKeyId: held.credential.accessKeyId, secretAccessKey: held.credential.secretAccessKey });
  if (answer.accepted) {
    checks.push({ path: REPLAY_ACCESS_KEY, result: 'live', observed: { answer: 'accepted', arn: answer.arn } });
    return;
  }
  const why = refusal(answer);
  if (why === 'refused') checks.push({ path: REPLAY_ACCESS_KEY, result: 'dead', observed: { answer: 'refused', code: answer.code, status: answer.status } });
  else unavailable.push({ path: REPLAY_ACCESS_KEY, why: why === 'wrong-value' ? `STS knows access key ${accessKeyId} but the held secret does not sign for it (${answer.code}): the held value is wrong; give the right one with \`${AMEND_KEY}\`` : `STS answered ${answer.code} (${answer.status ?? 'no status'}), which says nothing about the key; try \`incident verify\` again` });
}

async function replaySession(c: AwsIamClient, a: ArtifactHandle, now: number, checks: VerifyCheck[], unavailable: Unavailable): Promise<void> {
  const held = heldCredential(a);
  if (held === undefined || 'problem' in held || !held.credential.sessionToken) {
    const problem = held === undefined ? 'the session credentials are not held' : 'problem' in held ? held.problem : 'the held value has no session token';
    unavailable.push({ path: REPLAY_SESSION, why: `${problem}, so they cannot be replayed: give them with \`${AMEND_SESSION}\`` });
    return;
  }
  const pastExpiry = a.expiresAt !== undefined && Date.parse(a.expiresAt) <= now;
  const answer = await c.replay(held.credential);
  if (answer.accepted) {
    // Accepted after its recorded expiry: either the expiry given is wrong or the provider does not enforce it (moto). Live either way.
    checks.push({ path: REPLAY_SESSION, result: 'live', observed: { answer: 'accepted', arn: answer.arn, expiresAt: a.expiresAt ?? null, pastExpiry } });
    return;
  }
  const why = refusal(answer);
  if (why !== 'refused') {
    unavailable.push({ path: REPLAY_SESSION, why: why === 'wrong-value' ? `STS refused the held session credentials' signature (${answer.code}): the held value is wrong; give the right one with \`${AMEND_SESSION}\`` : `STS answered ${answer.code}, which says nothing about the session; try \`incident verify\` again` });
    return;
  }
  checks.push({ path: REPLAY_SESSION, result: pastExpiry ? 'expired' : 'dead', observed: { answer: 'refused', code: answer.code, status: answer.status, expiresAt: a.expiresAt ?? null, pastExpiry } });
}

export async function verifyCredential(c: AwsIamClient, clock: Clock, a: ArtifactHandle): Promise<VerifyObservation> {
  const checks: VerifyCheck[] = [];
  const unavailable: Unavailable = [];
  switch (a.kind) {
    case 'api-key': {
      const t = apiKeyTarget(a);
      if (t.type === 'access-key') {
        await replayKey(c, a, t.accessKeyId, checks, unavailable);
        checks.push(relistCheck(RELIST_ACCESS_KEYS, await c.accessKeys(t.user), t.accessKeyId));
      } else {
        checks.push(relistCheck(RELIST_SIGNING_CERTS, await c.signingCertificates(t.user), t.certificateId));
      }
      break;
    }
    case 'directory-account': {
      const profile = await c.loginProfile(userOf(a));
      checks.push({ path: RELIST_LOGIN_PROFILE, result: profile ? 'live' : 'dead', observed: profile ? { loginProfile: 'present', createdAt: profile.createdAt } : { loginProfile: 'NoSuchEntity' } });
      break;
    }
    case 'mfa-factor': {
      const serial = String(a.attributes.serialNumber ?? '');
      const devices = await c.mfaDevices(userOf(a));
      checks.push(relistCheck(RELIST_MFA, devices?.map((d) => ({ id: d.serialNumber })), serial));
      break;
    }
    case 'ssh-public-key':
      checks.push(relistCheck(RELIST_SSH_KEYS, await c.sshPublicKeys(userOf(a)), String(a.attributes.sshPublicKeyId ?? '')));
      break;
    case 'access-token':
      await replaySession(c, a, clock.now(), checks, unavailable);
      break;
    default:
      throw new SeverError('ERR_INPUT_INVALID', `aws-iam cannot verify ${a.kind}`, { details: { kind: a.kind } });
  }
  const verdict = checks.length === 0 || checks.some((x) => x.result === 'live') ? 'live' : checks.every((x) => x.result === 'expired') ? 'expired' : 'dead';
  return { verdict, checks, ...(unavailable.length ? { unavailable } : {}) };
}
