/**
 * The lab provider's storage: one Map we own, with indexes by accountId and by grantId so the
 * admin API can enumerate what oidc-provider's adapter interface cannot (it only finds by id).
 * Unlike the package's LRU memory adapter it never evicts; expired records vanish on read.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

export interface StoredRecord {
  model: string;
  id: string;
  payload: AdapterPayload;
  /** Epoch ms; Infinity when the model has no TTL. */
  expiresAt: number;
}

export interface ListFilter {
  model?: string | string[];
  accountId?: string;
  grantId?: string;
}

const keyOf = (model: string, id: string): string => `${model}:${id}`;

function addTo(index: Map<string, Set<string>>, k: string | undefined, key: string): void {
  if (!k) return;
  let set = index.get(k);
  if (!set) index.set(k, (set = new Set()));
  set.add(key);
}

function removeFrom(index: Map<string, Set<string>>, k: string | undefined, key: string): void {
  if (!k) return;
  const set = index.get(k);
  if (!set) return;
  set.delete(key);
  if (set.size === 0) index.delete(k);
}

export class LabStore {
  readonly #records = new Map<string, StoredRecord>();
  readonly #byAccount = new Map<string, Set<string>>();
  readonly #byGrant = new Map<string, Set<string>>();
  readonly #byUid = new Map<string, string>();
  readonly #byUserCode = new Map<string, string>();

  /** The adapter factory handed to oidc-provider (`configuration.adapter`). */
  adapterFor(model: string): Adapter {
    return {
      upsert: async (id, payload, expiresIn) => this.put(model, id, payload, expiresIn),
      find: async (id) => this.get(model, id)?.payload,
      findByUid: async (uid) => {
        const id = this.#byUid.get(uid);
        return id === undefined ? undefined : this.get(model, id)?.payload;
      },
      findByUserCode: async (code) => {
        const id = this.#byUserCode.get(code);
        return id === undefined ? undefined : this.get(model, id)?.payload;
      },
      consume: async (id) => {
        const rec = this.get(model, id);
        if (rec) rec.payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.delete(model, id);
      },
      revokeByGrantId: async (grantId) => {
        for (const rec of this.list({ grantId, model })) this.delete(rec.model, rec.id);
      },
    };
  }

  put(model: string, id: string, payload: AdapterPayload, expiresIn?: number): void {
    const key = keyOf(model, id);
    if (this.#records.has(key)) this.delete(model, id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    this.#records.set(key, { model, id, payload, expiresAt });
    addTo(this.#byAccount, payload.accountId, key);
    // A Grant is indexed under its own id so that "everything of grant X" includes the grant.
    addTo(this.#byGrant, model === 'Grant' ? id : payload.grantId, key);
    if (model === 'Session' && payload.uid) this.#byUid.set(payload.uid, id);
    if (payload.userCode) this.#byUserCode.set(payload.userCode, id);
  }

  get(model: string, id: string): StoredRecord | undefined {
    const rec = this.#records.get(keyOf(model, id));
    if (!rec) return undefined;
    if (rec.expiresAt <= Date.now()) {
      this.delete(model, id);
      return undefined;
    }
    return rec;
  }

  delete(model: string, id: string): boolean {
    const key = keyOf(model, id);
    const rec = this.#records.get(key);
    if (!rec) return false;
    this.#records.delete(key);
    removeFrom(this.#byAccount, rec.payload.accountId, key);
    removeFrom(this.#byGrant, model === 'Grant' ? id : rec.payload.grantId, key);
    if (model === 'Session' && rec.payload.uid && this.#byUid.get(rec.payload.uid) === id) this.#byUid.delete(rec.payload.uid);
    if (rec.payload.userCode && this.#byUserCode.get(rec.payload.userCode) === id) this.#byUserCode.delete(rec.payload.userCode);
    return true;
  }

  /** Live records matching every given filter, in insertion order. */
  list(filter: ListFilter = {}): StoredRecord[] {
    const models = filter.model === undefined ? undefined : new Set(Array.isArray(filter.model) ? filter.model : [filter.model]);
    let keys: Iterable<string>;
    if (filter.grantId !== undefined) keys = [...(this.#byGrant.get(filter.grantId) ?? [])];
    else if (filter.accountId !== undefined) keys = [...(this.#byAccount.get(filter.accountId) ?? [])];
    else keys = [...this.#records.keys()];
    const now = Date.now();
    const out: StoredRecord[] = [];
    for (const key of keys) {
      const rec = this.#records.get(key);
      if (!rec) continue;
      if (rec.expiresAt <= now) {
        this.delete(rec.model, rec.id);
        continue;
      }
      if (models && !models.has(rec.model)) continue;
      if (filter.accountId !== undefined && rec.payload.accountId !== filter.accountId) continue;
      out.push(rec);
    }
    return out;
  }

  findSessionByUid(uid: string): StoredRecord | undefined {
    const id = this.#byUid.get(uid);
    return id === undefined ? undefined : this.get('Session', id);
  }

  get size(): number {
    return this.#records.size;
  }
}
