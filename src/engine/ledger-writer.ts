/**
 * Appends signed, hash-chained evidence entries inside the caller's transaction. The incident row
 * is locked first, so concurrent workers (one process or many) append one after another. Only the
 * chain head is read; the whole chain is verified when evidence is exported.
 */
import { buildEntry, type ChainHead, type Entry, type EntryType, type Signer } from '../ledger/index.ts';
import type { Clock } from '../core/clock.ts';
import { lockIncident, insertLedgerEntry, lastLedgerEntry, ledgerHead, updateIncident } from '../store/repo.ts';
import type { DbOrTx } from '../store/types.ts';

export interface LedgerWriter {
  readonly signer: Signer;
  append(tx: DbOrTx, incidentId: string, type: string, actor: string, payload: Record<string, unknown>): Promise<Entry>;
}

export function createLedgerWriter(signer: Signer, clock: Clock): LedgerWriter {
  return {
    signer,
    async append(tx, incidentId, type, actor, payload) {
      // The chain is per incident: its row lock orders the appends (the plan it holds is not read).
      await lockIncident(tx, incidentId);
      let prev: Entry | ChainHead | undefined = await ledgerHead(tx, incidentId);
      // A key change needs the previous entry's payload (key.announced rules).
      if (prev && prev.keyId !== signer.keyId) prev = (await lastLedgerEntry(tx, incidentId)) as Entry;
      const entry = buildEntry(prev, { incidentId, type: type as EntryType, actor, payload }, { clock, signer });
      await insertLedgerEntry(tx, { incidentId, seq: entry.seq, type: entry.type, hash: entry.hash, entry });
      await updateIncident(tx, incidentId, { ledgerSeq: entry.seq + 1, ledgerHead: entry.hash });
      return entry;
    },
  };
}
