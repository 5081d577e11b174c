import type { ArtifactHandle } from '../../core/model.ts';
import type { RevokeOutcome } from '../contract.ts';
import type { JwtIssuerClient } from './client.ts';
import { ROTATE } from './manifest.ts';

export async function retireKey(c: JwtIssuerClient, a: ArtifactHandle): Promise<RevokeOutcome> {
  const kid = String(a.attributes.kid);
  const r = await c.retire(kid);
  return {
    status: r.result === 'rotated' ? 'revoked' : 'already_revoked', method: ROTATE,
    request: { retire: kid, collateralTokens: a.attributes.collateralTokens ?? null },
    response: { status: r.status, body: { current: r.current ?? null } },
  };
}
