/**
 * A custom authorization server's standards endpoints, `/oauth2/{authServerId}/v1/{token,introspect,revoke}`,
 * as Okta answers them: client authentication by Basic or client_secret_post; introspection is
 * `{active:false}` for tokens of another client; the token endpoint refreshes (without rotation:
 * a new access token only). Not in Okta's management description: checked by hand (`contract.ts`).
 *
 * Fault `staleTokenEndpoint`: the token endpoint ignores revocation (introspection and the
 * management API say revoked, a refresh still works): the disagreement Sever must catch.
 */
import type { OktaState } from './state.ts';

export interface OAuthAnswer {
  status: number;
  body: Record<string, unknown>;
}

const err = (status: number, error: string, error_description: string): OAuthAnswer => ({ status, body: { error, error_description } });

function clientOf(state: OktaState, form: URLSearchParams, authorization: string | undefined): string | undefined {
  let id = form.get('client_id') ?? undefined;
  let secret = form.get('client_secret') ?? undefined;
  const basic = /^Basic (.+)$/.exec(authorization ?? '')?.[1];
  if (basic) {
    const [u, p] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    id = decodeURIComponent(u ?? '');
    secret = decodeURIComponent(p ?? '');
  }
  const c = id ? state.clients.get(id) : undefined;
  return c && c.clientSecret === secret ? c.clientId : undefined;
}

export function oauthEndpoint(state: OktaState, o: { authServerId: string; endpoint: 'token' | 'introspect' | 'revoke'; form: URLSearchParams; authorization: string | undefined; staleTokenEndpoint: boolean }): OAuthAnswer {
  if (!state.authServers.has(o.authServerId)) return err(404, 'invalid_request', 'unknown authorization server');
  const clientId = clientOf(state, o.form, o.authorization);
  if (!clientId) return err(401, 'invalid_client', 'client authentication failed');
  const t = state.tokenByValue(o.form.get(o.endpoint === 'token' ? 'refresh_token' : 'token') ?? '');
  const mine = t !== undefined && t.clientId === clientId && t.authServerId === o.authServerId;
  switch (o.endpoint) {
    case 'introspect': {
      if (!mine || !state.liveToken(t)) return { status: 200, body: { active: false } };
      return {
        status: 200,
        body: { active: true, token_type: t.type === 'access_token' ? 'Bearer' : 'refresh_token', scope: t.scopes.join(' '), client_id: t.clientId, sub: state.users.get(t.userId)?.login, uid: t.userId, exp: Math.floor(Date.parse(t.expiresAt) / 1000), iat: Math.floor(Date.parse(t.created) / 1000) },
      };
    }
    case 'revoke':
      if (mine) t.revoked = true;
      return { status: 200, body: {} };
    case 'token': {
      if (o.form.get('grant_type') !== 'refresh_token') return err(400, 'unsupported_grant_type', 'only refresh_token in the lab');
      const unexpired = t !== undefined && Date.parse(t.expiresAt) > state.now();
      const usable = mine && t.type === 'refresh_token' && unexpired && (!t.revoked || o.staleTokenEndpoint);
      if (!usable || !t) return err(400, 'invalid_grant', 'The refresh token is invalid or expired.');
      const at = state.mint({ type: 'access_token', userId: t.userId, clientId: t.clientId, authServerId: t.authServerId, scopes: t.scopes, ...(t.sessionId ? { sessionId: t.sessionId } : {}) });
      return { status: 200, body: { token_type: 'Bearer', expires_in: 3600, access_token: at.value, scope: t.scopes.join(' ') } };
    }
  }
}
