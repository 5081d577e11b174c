/**
 * The only code of the agent-grants connector that talks HTTP: the realm admin API (users,
 * consents, the lab's tokens extension) and the tool APIs. HTTP plumbing and error mapping are
 * the shared standards client's.
 */
import { call, providerError, type HttpDeps } from '../shared/oauth/client.ts';

export interface AgentConsent {
  clientId: string;
  grantedClientScopes?: string[];
}

export interface AgentToken {
  id: string;
  value?: string;
  type: string;
  clientId: string;
  exp?: number;
}

const seg = encodeURIComponent;

export class AgentGrantsClient {
  readonly http: HttpDeps;
  readonly admin: string;
  readonly adminToken: () => Promise<string>;
  constructor(http: HttpDeps, admin: string, adminToken: () => Promise<string>) {
    this.http = http;
    this.admin = admin;
    this.adminToken = adminToken;
  }

  async #get<T>(path: string, what: string): Promise<T | undefined> {
    const a = await call(this.http, what, `${this.admin}${path}`, { headers: { authorization: `Bearer ${await this.adminToken()}`, accept: 'application/json' } });
    if (a.status === 404) return undefined;
    if (a.status !== 200) throw providerError(this.http, what, a);
    return a.body as T;
  }

  async userId(usernameOrId: string): Promise<string | undefined> {
    const byName = await this.#get<Array<{ id: string }>>(`/users?username=${seg(usernameOrId)}&exact=true`, 'admin GET users');
    if (byName?.[0]) return byName[0].id;
    return (await this.#get<{ id: string }>(`/users/${seg(usernameOrId)}`, 'admin GET user'))?.id;
  }

  /** Every user of the realm, page by page (Keycloak answers at most `max` users per call). */
  async allUsers(pageSize = 100): Promise<Array<{ id: string; username: string }>> {
    const out: Array<{ id: string; username: string }> = [];
    for (let first = 0; ; first += pageSize) {
      const page = (await this.#get<Array<{ id: string; username: string }>>(`/users?first=${first}&max=${pageSize}&briefRepresentation=true`, 'admin GET users')) ?? [];
      out.push(...page);
      if (page.length < pageSize) return out;
    }
  }

  consents(userId: string): Promise<AgentConsent[] | undefined> {
    return this.#get(`/users/${seg(userId)}/consents`, 'admin GET consents');
  }

  tokens(userId: string): Promise<AgentToken[] | undefined> {
    return this.#get(`/users/${seg(userId)}/tokens`, 'admin GET tokens (lab extension)');
  }

  /** 204 when revoked, 404 when there was nothing left. */
  async deleteConsent(userId: string, clientId: string): Promise<number> {
    const what = 'admin DELETE consent';
    const a = await call(this.http, what, `${this.admin}/users/${seg(userId)}/consents/${seg(clientId)}`, { method: 'DELETE', headers: { authorization: `Bearer ${await this.adminToken()}` } });
    if ((a.status >= 200 && a.status < 300) || a.status === 404) return a.status;
    throw providerError(this.http, what, a);
  }

  /** A tool API's answer to the agent's token. */
  async tool(url: string, token: string): Promise<number> {
    return (await call(this.http, 'tool API call', url, { headers: { authorization: `Bearer ${token}` } })).status;
  }
}
