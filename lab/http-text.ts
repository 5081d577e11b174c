/** node:http helpers shared by the SaaS simulators (Okta, Entra, Google, Slack). */
import type { IncomingMessage } from 'node:http';
import { readBody } from './idp/http.ts';

/** The request body as UTF-8 text (at most 1 MiB). */
export async function readText(req: IncomingMessage): Promise<string> {
  return (await readBody(req, 1024 * 1024)).toString('utf8');
}

/** The request headers with lower-case names, repeated ones joined. */
export const lowerHeaders = (req: IncomingMessage): Record<string, string> =>
  Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : (v ?? '')]));
