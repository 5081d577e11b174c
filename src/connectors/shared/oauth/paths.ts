/** Verification and revocation path names shared by the OAuth-speaking connectors (manifest + evidence). */
export const RFC7009 = 'rfc7009';
export const INTROSPECTION = 'rfc7662-introspection';
export const USERINFO = 'userinfo';
export const REFRESH_REPLAY = 'refresh-replay';
