/**
 * Bulk creation of trust artifacts through the provider's own models (no HTTP): the records are
 * the ones a real login would leave, so every endpoint and the admin API treat them alike.
 * A thousand artifacts take a few tens of milliseconds.
 */
import { randomUUID } from 'node:crypto';
import type { Provider } from 'oidc-provider';
import { decodeJwt } from 'jose';
import type { LabTtl } from './config.ts';
import type { Operations } from './operations.ts';

export interface MintSpec {
  /** Username or user id. */
  user: string;
  clientId?: string;
  /** How many grants (consents) to create. Default 1. */
  grants?: number;
  /** Give each grant its own SSO session (non-offline tokens are bound to it). Default false. */
  session?: boolean;
  /** offline_access grants: tokens survive logout. Default true. */
  offline?: boolean;
  /** Per grant. Defaults 1, 1, 0. */
  accessTokens?: number;
  refreshTokens?: number;
  jwtAccessTokens?: number;
  /** Seconds; defaults from the lab's ttl. */
  ttl?: { accessToken?: number; refreshToken?: number; jwtAccessToken?: number };
}

export interface MintedGrant {
  grantId: string;
  /** The SSO session id (Keycloak-style: the session's uid) when `session` was asked. */
  sessionId?: string;
  accessTokens: string[];
  refreshTokens: string[];
  jwtAccessTokens: string[];
}

export interface Minted {
  userId: string;
  clientId: string;
  grants: MintedGrant[];
}

export interface MintEnv {
  provider: Provider;
  ops: Operations;
  ttl: LabTtl;
  resourceServer: string;
  userId(user: string): string;
}

export async function mint(env: MintEnv, spec: MintSpec): Promise<Minted> {
  const { provider } = env;
  const accountId = env.userId(spec.user);
  const clientId = spec.clientId ?? 'app';
  const client = await provider.Client.find(clientId);
  if (!client) throw new Error(`lab mint: unknown client ${clientId}`);
  const offline = spec.offline ?? true;
  const scope = offline ? 'openid profile offline_access' : 'openid profile';
  const rs = new provider.ResourceServer(env.resourceServer, {
    scope: 'api:read', audience: env.resourceServer, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } },
    accessTokenTTL: spec.ttl?.jwtAccessToken ?? env.ttl.jwtAccessToken,
  });
  const out: Minted = { userId: accountId, clientId, grants: [] };
  for (let i = 0; i < (spec.grants ?? 1); i++) {
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(scope);
    if (spec.jwtAccessTokens) grant.addResourceScope(env.resourceServer, 'api:read');
    const grantId: string = await grant.save();
    const minted: MintedGrant = { grantId, accessTokens: [], refreshTokens: [], jwtAccessTokens: [] };
    let binding: Record<string, unknown> = {};
    if (spec.session) {
      const sid = randomUUID();
      const session = new provider.Session({ accountId, loginTs: Math.floor(Date.now() / 1000) });
      session.authorizations = { [clientId]: { sid, grantId, ...(offline ? { persistsLogout: true } : {}) } };
      await session.save(env.ttl.session);
      minted.sessionId = session.uid;
      binding = { sessionUid: session.uid, sid, ...(offline ? {} : { expiresWithSession: true }) };
    }
    const common = { accountId, client, grantId, gty: 'authorization_code', ...binding };
    for (let n = 0; n < (spec.accessTokens ?? 1); n++) {
      const at = new provider.AccessToken({ ...common, scope, ...(spec.ttl?.accessToken ? { expiresIn: spec.ttl.accessToken } : {}) });
      minted.accessTokens.push(await at.save());
    }
    for (let n = 0; n < (spec.refreshTokens ?? 1); n++) {
      const rt = new provider.RefreshToken({ ...common, scope, ...(spec.ttl?.refreshToken ? { expiresIn: spec.ttl.refreshToken } : {}) });
      minted.refreshTokens.push(await rt.save());
    }
    for (let n = 0; n < (spec.jwtAccessTokens ?? 0); n++) {
      const at = new provider.AccessToken({ accountId, client, grantId, gty: 'authorization_code', scope: 'api:read', resourceServer: rs });
      const value: string = await at.save();
      const claims = decodeJwt(value);
      env.ops.recordJwt({
        value, jti: String(claims.jti), accountId, clientId, grantId, aud: env.resourceServer, scope: 'api:read',
        iat: Number(claims.iat), exp: Number(claims.exp),
      });
      minted.jwtAccessTokens.push(value);
    }
    out.grants.push(minted);
  }
  return out;
}
