/**
 * The tenant's OAuth 2.0 token endpoint, `POST /{tenantId}/oauth2/v2.0/token` (Microsoft identity
 * platform v2.0), form-encoded, checked by hand against RFC 6749 and the platform's documented
 * parameters:
 * - `client_credentials`: `client_id`, `client_secret`, `scope` ending in `/.default`; an unknown or
 *   removed secret answers 401 `invalid_client` (AADSTS7000215);
 * - `refresh_token`: `client_id`, `refresh_token`, optional `scope`; a token whose sign-in is older
 *   than an honoured revocation answers 400 `invalid_grant` (AADSTS50173). A refresh returns a new
 *   refresh token with the same sign-in time.
 * Error bodies carry `error`, `error_description`, `error_codes`, `timestamp`, `trace_id`,
 * `correlation_id`, as the platform's.
 */
import { randomUUID } from 'node:crypto';
import type { EntraState } from './state.ts';

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

const GRAPH_DEFAULT = /\/\.default$/;
const MSAL_EXTRAS = /^(x-client-[A-Za-z]+|x-ms-lib-capability|x-client-current-telemetry|x-client-last-telemetry|client-request-id|client_info|x-app-name|x-app-ver)$/;

function oauthError(status: number, error: string, code: number, description: string): TokenAnswer {
  return { status, body: { error, error_description: `AADSTS${code}: ${description}`, error_codes: [code], timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z', trace_id: randomUUID(), correlation_id: randomUUID() } };
}

/** Hand check of the request: every way it differs from what the endpoint accepts. */
export function tokenRequestErrors(contentType: string, form: URLSearchParams): string[] {
  const errors: string[] = [];
  if (!contentType.startsWith('application/x-www-form-urlencoded')) errors.push(`content-type must be application/x-www-form-urlencoded, got ${JSON.stringify(contentType)}`);
  const grant = form.get('grant_type');
  const allowed: Record<string, string[]> = {
    client_credentials: ['grant_type', 'client_id', 'client_secret', 'scope'],
    refresh_token: ['grant_type', 'client_id', 'client_secret', 'refresh_token', 'scope'],
  };
  if (!grant || !allowed[grant]) return [...errors, `grant_type ${JSON.stringify(grant)} is not client_credentials or refresh_token`];
  const required = grant === 'client_credentials' ? ['client_id', 'client_secret', 'scope'] : ['client_id', 'refresh_token'];
  for (const k of required) if (!form.get(k)) errors.push(`${k} is required for ${grant}`);
  // MSAL adds its documented telemetry and client-info parameters to every token request.
  for (const k of new Set(form.keys())) if (!allowed[grant]!.includes(k) && !MSAL_EXTRAS.test(k)) errors.push(`${k} is not a parameter of ${grant}`);
  if (grant === 'client_credentials' && form.get('scope') && !GRAPH_DEFAULT.test(form.get('scope')!)) errors.push('client_credentials needs scope <resource>/.default');
  return errors;
}

export function tokenEndpoint(state: EntraState, tenantId: string, expectedTenant: string, form: URLSearchParams): TokenAnswer {
  if (tenantId !== expectedTenant) return oauthError(400, 'invalid_request', 90002, `Tenant '${tenantId}' not found.`);
  const clientId = form.get('client_id') ?? '';
  if (form.get('grant_type') === 'client_credentials') {
    const app = state.appByAppId(clientId);
    const ok = app?.passwords.some((p) => !p.removed && p.value === form.get('client_secret') && p.end > state.now());
    if (!app || !ok) return oauthError(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
    const t = state.accessToken(app.appId);
    return { status: 200, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: t.value } };
  }
  if (form.get('grant_type') === 'refresh_token') {
    const rt = state.refreshTokens.get(form.get('refresh_token') ?? '');
    if (!rt || rt.clientId !== clientId) return oauthError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    if (!state.refreshable(rt)) return oauthError(400, 'invalid_grant', 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.");
    const next = state.signIn(rt.userId, rt.clientId, rt.authTime);
    const at = state.accessToken(rt.clientId, rt.userId);
    return { status: 200, body: { token_type: 'Bearer', scope: rt.scope, expires_in: 3599, ext_expires_in: 3599, access_token: at.value, refresh_token: next.value } };
  }
  return oauthError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
}
