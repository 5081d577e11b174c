/** Manifest helpers: a verification path with its proof strength (see `VerifyPath`). */
import type { VerifyPath } from '../contract.ts';

/** The artifact itself is refused where it is used (a refresh, a call, a login, a bind). */
export const replay = (path: string): VerifyPath => ({ path, strength: 'replay' });
/** An independent admin read shows the artifact gone. */
export const relist = (path: string): VerifyPath => ({ path, strength: 'relist' });
/** The provider's own statement about the artifact (introspection, a recorded end time). */
export const selfReport = (path: string): VerifyPath => ({ path, strength: 'self-report' });
