import { SeverError } from '../../core/errors.ts';
import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { PgRolesClient } from './client.ts';
import { DISABLE_ROLE, TERMINATE } from './manifest.ts';

export async function revokeRole(c: PgRolesClient, a: ArtifactHandle): Promise<RevokeOutcome> {
  if (a.kind === 'service-account-binding') {
    const role = String(a.attributes.role);
    const before = await c.role(role);
    if (!before || !before.canLogin) {
      // Already disabled: connections opened before that may still be there; end them all the same.
      const swept = before ? await sweep(c, role) : 0;
      return { status: 'already_revoked', method: DISABLE_ROLE, request: { role }, response: { body: { role: before ? 'nologin' : 'absent', backendsTerminated: swept } } };
    }
    await c.disable(role);
    // NOLOGIN refuses new logins only: every connection of the role still open is ended now,
    // including any opened after discovery (an attacker reconnecting, a pool refilling).
    const swept = await sweep(c, role);
    return { status: 'revoked', method: DISABLE_ROLE, request: { role, statement: 'ALTER ROLE … NOLOGIN PASSWORD NULL' }, response: { body: { result: 'ALTER ROLE', backendsTerminated: swept } } };
  }
  if (a.kind === 'app-session') {
    const pid = Number(a.attributes.pid);
    const start = String(a.attributes.backendStart);
    const ok = await c.terminate(pid, start);
    return { status: ok ? 'revoked' : 'already_revoked', method: TERMINATE, request: { pid, backendStart: start }, response: { body: { terminated: ok } } };
  }
  throw new SeverError('ERR_INPUT_INVALID', `postgres-roles cannot handle ${a.kind}`, { details: { kind: a.kind } });
}

const sweep = (c: PgRolesClient, role: string): Promise<number> => c.terminateAll(role);
