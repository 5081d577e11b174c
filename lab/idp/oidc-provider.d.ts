/**
 * The small slice of npm `oidc-provider` 9.13.3 the lab uses. The package ships no types and
 * `@types/oidc-provider` is not a dependency; models are left loosely typed on purpose.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AdapterPayload = Record<string, unknown> & {
    jti?: string;
    kind?: string;
    accountId?: string;
    clientId?: string;
    grantId?: string;
    uid?: string;
    userCode?: string;
    exp?: number;
    iat?: number;
    consumed?: number;
  };

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  /** Models are constructors with static helpers; their instances are plain records. */
  export type Model = any;

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly issuer: string;
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: any[]) => void): this;
    urlFor(name: string, opts?: Record<string, unknown>): string;
    readonly Client: Model;
    readonly Grant: Model;
    readonly Session: Model;
    readonly AccessToken: Model;
    readonly RefreshToken: Model;
    readonly AuthorizationCode: Model;
    readonly ResourceServer: Model;
  }

  export const errors: {
    InvalidRequest: new (description?: string) => Error;
    [name: string]: new (description?: string) => Error;
  };

  export default Provider;
}
