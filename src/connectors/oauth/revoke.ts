/** RFC 7009 revocation, with an introspection pre-check for idempotency (shared with other OAuth connectors). */
export { hintFor, notRevocable, revokeToken, valueRequired } from '../shared/oauth/revoke-token.ts';
