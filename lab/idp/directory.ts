/**
 * The lab realm's users and clients. Ids are Keycloak-shaped UUIDs derived from the name, so a
 * username and its user id differ (a connector must resolve one to the other) yet stay stable.
 */
import { createHash } from 'node:crypto';

export interface LabUser {
  id: string;
  username: string;
  email: string;
  enabled: boolean;
  createdTimestamp: number;
}

export interface LabClient {
  /** Keycloak's internal client UUID (used in `/offline-sessions/{clientUuid}`). */
  uuid: string;
  clientId: string;
  name: string;
  clientSecret: string;
  /** Where the scripted login collects the authorization code (nothing needs to listen there). */
  redirectUri: string;
  /** The lab records back-channel logout tokens posted here. */
  backchannelLogoutUri?: string;
}

/** A stable UUID (v4 layout) from a name. */
export function labUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class Directory {
  readonly #byId = new Map<string, LabUser>();
  readonly #byUsername = new Map<string, LabUser>();
  readonly #realm: string;

  constructor(realm: string, usernames: string[]) {
    this.#realm = realm;
    for (const u of usernames) this.add(u);
  }

  /** Adds a user (idempotent) and returns it. */
  add(username: string): LabUser {
    const name = username.toLowerCase();
    const existing = this.#byUsername.get(name);
    if (existing) return existing;
    const user: LabUser = { id: labUuid(`${this.#realm}/user/${name}`), username: name, email: `${name}@lab.test`, enabled: true, createdTimestamp: Date.now() };
    this.#byId.set(user.id, user);
    this.#byUsername.set(name, user);
    return user;
  }

  byId(id: string): LabUser | undefined {
    return this.#byId.get(id);
  }

  byUsername(username: string): LabUser | undefined {
    return this.#byUsername.get(username.toLowerCase());
  }

  all(): LabUser[] {
    return [...this.#byId.values()];
  }
}
