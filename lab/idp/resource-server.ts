/**
 * A tiny resource server: `GET /rs/whoami` with a JWT access token answers 200 when the token
 * verifies against the provider's JWKS (signature, issuer, audience, `exp`), 401 otherwise.
 * It is how a verifier proves that a self-contained token, which nobody can revoke, has expired.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { bearerOf, send } from './http.ts';

export function createResourceServer(o: { issuer: string; audience: string; jwksUri: string }) {
  const jwks = createRemoteJWKSet(new URL(o.jwksUri));
  return async function whoami(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = bearerOf(req);
    const challenge = (code: string) => ({ 'www-authenticate': `Bearer error="invalid_token", error_description="${code}"` });
    if (!token) return send(res, 401, { error: 'invalid_token', error_description: 'no bearer token' }, { 'www-authenticate': 'Bearer' });
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: o.issuer, audience: o.audience, typ: 'at+jwt' });
      return send(res, 200, { sub: payload.sub, client_id: payload.client_id, scope: payload.scope, exp: payload.exp });
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'ERR_JWT_INVALID';
      return send(res, 401, { error: 'invalid_token', error_description: code }, challenge(code));
    }
  };
}
