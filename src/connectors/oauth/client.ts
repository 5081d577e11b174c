/** The oauth connector talks only the standards: its client is the shared RFC 7009/7662 client. */
export { call, discoverEndpoints, OAuthClient, providerError, retryAfterMs } from '../shared/oauth/client.ts';
export type { ClientCredentials, HttpAnswer, HttpDeps, Introspection, OAuthEndpoints, Probe, TokenHint } from '../shared/oauth/client.ts';
