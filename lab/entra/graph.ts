/**
 * The Graph v1.0 routes the lab serves, each with its {@link RouteSpec} (what Graph accepts) and
 * its handler. Every answer body is built as a `@microsoft/microsoft-graph-types` type, so a drift
 * of those types fails the type check; errors are Graph's `{"error":{"code","message"}}`.
 */
import type * as Graph from '@microsoft/microsoft-graph-types';
import type { RouteSpec } from './check.ts';
import type { EntraState, LabApp, LabDevice, LabMethod, LabUser } from './state.ts';

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A Graph collection page. */
export interface Collection<T> {
  '@odata.context'?: string;
  '@odata.nextLink'?: string;
  value: T[];
}

/** Graph's error body (not part of the entity types). */
export interface GraphErrorBody {
  error: { code: string; message: string; innerError?: { date: string; 'request-id': string } };
}

export function graphError(status: number, code: string, message: string, headers?: Record<string, string>): Answer {
  const body: GraphErrorBody = { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': crypto.randomUUID() } } };
  return { status, body, ...(headers ? { headers } : {}) };
}

export interface HandlerContext {
  state: EntraState;
  /** `http://127.0.0.1:port/v1.0`. */
  root: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  pageSize: number;
}

export interface Route {
  spec: RouteSpec;
  handle(c: HandlerContext): Answer;
}

const iso = (ms: number) => new Date(ms).toISOString();
const notFound = (what: string, id: string) => graphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present. (${what})`);

/** Only the `$select`ed properties, or the default set. */
function project<T extends object>(full: T, query: URLSearchParams, defaults: ReadonlyArray<keyof T>): Partial<T> {
  const sel = query.get('$select');
  const keys: readonly string[] = sel ? sel.split(',') : (defaults as readonly PropertyKey[] as readonly string[]);
  return Object.fromEntries(Object.entries(full).filter(([k]) => k.startsWith('@odata') || keys.includes(k))) as Partial<T>;
}

function page<T>(c: HandlerContext, items: T[]): Answer {
  const skip = Number(c.query.get('$skiptoken') ?? '0');
  const top = Math.min(Number(c.query.get('$top') ?? c.pageSize), c.pageSize);
  const body: Collection<T> = { '@odata.context': `${c.root}/$metadata#${c.path.slice(1)}`, value: items.slice(skip, skip + top) };
  if (skip + top < items.length) {
    const next = new URLSearchParams();
    for (const k of ['$select', '$top']) if (c.query.has(k)) next.set(k, c.query.get(k)!);
    next.set('$skiptoken', String(skip + top));
    body['@odata.nextLink'] = `${c.root}${c.path}?${next.toString().replace(/%24/g, '$').replace(/%2C/g, ',')}`;
  }
  return { status: 200, body };
}

const userOf = (c: HandlerContext): LabUser | undefined => c.state.userBy(c.params.id!);

function userBody(u: LabUser): Graph.User {
  return { id: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName, accountEnabled: true, signInSessionsValidFromDateTime: iso(u.signInSessionsValidFrom) };
}

function deviceBody(d: LabDevice): Graph.Device & { '@odata.type': string } {
  return { '@odata.type': '#microsoft.graph.device', id: d.id, deviceId: d.deviceId, displayName: d.displayName, operatingSystem: d.operatingSystem, accountEnabled: d.accountEnabled, registrationDateTime: iso(d.registeredAt) };
}

type Typed<T> = T & { '@odata.type': string };

function methodBody(m: LabMethod): Typed<Graph.AuthenticationMethod> {
  switch (m.type) {
    case 'password': {
      const b: Typed<Graph.PasswordAuthenticationMethod> = { '@odata.type': '#microsoft.graph.passwordAuthenticationMethod', id: m.id, password: null };
      return b;
    }
    case 'fido2': {
      const b: Typed<Graph.Fido2AuthenticationMethod> = { '@odata.type': '#microsoft.graph.fido2AuthenticationMethod', id: m.id, displayName: m.displayName, model: 'YubiKey 5', aaGuid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8', attestationLevel: 'attested', createdDateTime: m.createdAt === undefined ? null : iso(m.createdAt) };
      return b;
    }
    case 'microsoftAuthenticator': {
      const b: Typed<Graph.MicrosoftAuthenticatorAuthenticationMethod> = { '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', id: m.id, displayName: m.displayName, deviceTag: 'SoftwareTokenActivated', phoneAppVersion: '6.2401.0119', createdDateTime: m.createdAt === undefined ? null : iso(m.createdAt) };
      return b;
    }
    case 'phone': {
      const b: Typed<Graph.PhoneAuthenticationMethod> = { '@odata.type': '#microsoft.graph.phoneAuthenticationMethod', id: m.id, phoneNumber: m.phoneNumber ?? null, phoneType: 'mobile', smsSignInState: 'notConfigured' };
      return b;
    }
    case 'windowsHelloForBusiness': {
      const b: Typed<Graph.WindowsHelloForBusinessAuthenticationMethod> = { '@odata.type': '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod', id: m.id, displayName: m.displayName, keyStrength: 'normal', createdDateTime: m.createdAt === undefined ? null : iso(m.createdAt) };
      return b;
    }
  }
}

function appBody(a: LabApp): Typed<Graph.Application | Graph.ServicePrincipal> {
  const passwordCredentials: Graph.PasswordCredential[] = a.passwords.filter((p) => !p.removed).map((p) => ({ keyId: p.keyId, displayName: p.displayName, hint: p.value.slice(0, 3), startDateTime: iso(p.start), endDateTime: iso(p.end), secretText: null, customKeyIdentifier: null }));
  const keyCredentials: Graph.KeyCredential[] = a.keys.map((k) => ({ keyId: k.keyId, displayName: k.displayName, type: 'AsymmetricX509Cert', usage: 'Verify', startDateTime: iso(k.start), endDateTime: iso(k.end), key: null, customKeyIdentifier: null }));
  return { '@odata.type': `#microsoft.graph.${a.type}`, id: a.id, appId: a.appId, displayName: a.displayName, passwordCredentials, keyCredentials };
}

const USER_SELECT = ['id', 'userPrincipalName', 'displayName', 'accountEnabled', 'signInSessionsValidFromDateTime'] as const;
const DEVICE_SELECT = ['id', 'deviceId', 'displayName', 'operatingSystem', 'accountEnabled', 'registrationDateTime'] as const;
const APP_SELECT = ['id', 'appId', 'displayName', 'passwordCredentials', 'keyCredentials'] as const;
const METHOD_SEGMENTS: Record<string, LabMethod['type']> = { fido2Methods: 'fido2', microsoftAuthenticatorMethods: 'microsoftAuthenticator', phoneMethods: 'phone' };

function appRoutes(collection: 'applications' | 'servicePrincipals', type: LabApp['type']): Route[] {
  const find = (c: HandlerContext) => {
    const a = c.state.apps.get(c.params.id!);
    return a && a.type === type ? a : undefined;
  };
  return [
    {
      spec: { method: 'GET', path: `/${collection}/{id}`, select: APP_SELECT },
      handle(c) {
        const a = find(c);
        if (!a) return notFound(collection, c.params.id!);
        return { status: 200, body: project(appBody(a), c.query, ['id', 'appId', 'displayName', 'passwordCredentials', 'keyCredentials']) };
      },
    },
    {
      spec: { method: 'POST', path: `/${collection}/{id}/removePassword`, body: { required: { keyId: 'string' } } },
      handle(c) {
        const a = find(c);
        if (!a) return notFound(collection, c.params.id!);
        const p = a.passwords.find((x) => x.keyId === c.body.keyId && !x.removed);
        if (!p) return graphError(400, 'Request_BadRequest', `No password credential found with keyId ${String(c.body.keyId)}.`);
        p.removed = true;
        return { status: 204 };
      },
    },
  ];
}

export const ROUTES: Route[] = [
  {
    spec: { method: 'GET', path: '/users/{id}', select: USER_SELECT },
    handle(c) {
      const u = userOf(c);
      if (!u) return notFound('users', c.params.id!);
      // signInSessionsValidFromDateTime is returned only on $select, as in Graph.
      const body = project(userBody(u), c.query, ['id', 'userPrincipalName', 'displayName', 'accountEnabled']);
      return { status: 200, body: { '@odata.context': `${c.root}/$metadata#users/$entity`, ...body } };
    },
  },
  {
    spec: { method: 'POST', path: '/users/{id}/revokeSignInSessions' },
    handle(c) {
      const u = userOf(c);
      if (!u) return notFound('users', c.params.id!);
      c.state.revokeSignInSessions(u.id);
      // The documented answer: true, whatever happens next.
      return { status: 200, body: { '@odata.context': `${c.root}/$metadata#Edm.Boolean`, value: true } };
    },
  },
  {
    spec: { method: 'GET', path: '/users/{id}/registeredDevices', select: DEVICE_SELECT, paged: true },
    handle(c) {
      const u = userOf(c);
      if (!u) return notFound('users', c.params.id!);
      const list = [...c.state.devices.values()].filter((d) => d.userIds.includes(u.id)).map((d) => project(deviceBody(d), c.query, DEVICE_SELECT));
      return page(c, list);
    },
  },
  {
    spec: { method: 'GET', path: '/devices/{id}', select: DEVICE_SELECT },
    handle(c) {
      const d = c.state.devices.get(c.params.id!);
      return d ? { status: 200, body: project(deviceBody(d), c.query, DEVICE_SELECT) } : notFound('devices', c.params.id!);
    },
  },
  {
    spec: { method: 'PATCH', path: '/devices/{id}', body: { required: {}, optional: { accountEnabled: 'boolean', displayName: 'string' } } },
    handle(c) {
      const d = c.state.devices.get(c.params.id!);
      if (!d) return notFound('devices', c.params.id!);
      if (typeof c.body.accountEnabled === 'boolean') d.accountEnabled = c.body.accountEnabled;
      if (typeof c.body.displayName === 'string') d.displayName = c.body.displayName;
      return { status: 204 };
    },
  },
  {
    spec: { method: 'GET', path: '/users/{id}/authentication/methods', paged: true },
    handle(c) {
      const u = userOf(c);
      if (!u) return notFound('users', c.params.id!);
      return page(c, [...c.state.methods.values()].filter((m) => m.userId === u.id && !m.deleted).map(methodBody));
    },
  },
  {
    spec: { method: 'DELETE', path: '/users/{id}/authentication/{segment}/{methodId}' },
    handle(c) {
      const u = userOf(c);
      const type = METHOD_SEGMENTS[c.params.segment!];
      if (!u || !type) return notFound('authentication', c.params.methodId!);
      const m = c.state.methods.get(`${u.id}/${c.params.methodId}`);
      if (!m || m.deleted || m.type !== type) return notFound(c.params.segment!, c.params.methodId!);
      m.deleted = true;
      return { status: 204 };
    },
  },
  {
    spec: { method: 'GET', path: '/users/{id}/oauth2PermissionGrants', paged: true },
    handle(c) {
      const u = userOf(c);
      if (!u) return notFound('users', c.params.id!);
      const list: Graph.OAuth2PermissionGrant[] = [...c.state.grants.values()].filter((g) => g.principalId === u.id && !g.deleted)
        .map((g) => ({ id: g.id, clientId: g.clientId, consentType: 'Principal', principalId: g.principalId, resourceId: g.resourceId, scope: g.scope }));
      return page(c, list);
    },
  },
  {
    // A client app's delegated grants for every user (a compromised integration).
    spec: { method: 'GET', path: '/servicePrincipals/{id}/oauth2PermissionGrants', paged: true },
    handle(c) {
      const list: Graph.OAuth2PermissionGrant[] = [...c.state.grants.values()].filter((g) => g.clientId === c.params.id && !g.deleted)
        .map((g) => ({ id: g.id, clientId: g.clientId, consentType: 'Principal', principalId: g.principalId, resourceId: g.resourceId, scope: g.scope }));
      return page(c, list);
    },
  },
  {
    spec: { method: 'DELETE', path: '/oauth2PermissionGrants/{id}' },
    handle(c) {
      const g = c.state.grants.get(c.params.id!);
      if (!g || g.deleted) return notFound('oauth2PermissionGrants', c.params.id!);
      g.deleted = true;
      return { status: 204 };
    },
  },
  {
    spec: { method: 'GET', path: '/users/{id}/ownedObjects', paged: true },
    handle(c) {
      const u = userOf(c);
      if (!u) return notFound('users', c.params.id!);
      return page(c, [...c.state.apps.values()].filter((a) => a.ownerIds.includes(u.id)).map((a) => appBody(a)));
    },
  },
  ...appRoutes('applications', 'application'),
  ...appRoutes('servicePrincipals', 'servicePrincipal'),
];
