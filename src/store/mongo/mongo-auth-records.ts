import { MongoBulkWriteError, MongoServerError, ObjectId, type Collection } from "mongodb";
import type { AuthRecord, AuthRecordStore, AuthRecordWrite, AuthWriteFaults } from "../auth-records.js";
import { ensureIndexes } from "./ensure-indexes.js";

/**
 * One `auth_keys` collection for every account, keyed by account, rather than the seed's
 * `auth_{accountId}` collection per account: thousands of accounts would mean thousands of
 * collections (each with its own files and indexes on the server), and deleting an account
 * is one indexed deleteMany here.
 */
export interface AuthKeyDocument {
  /** `${accountId}/${type}/${id}`: account ids and types contain no "/", so it is unambiguous. */
  _id: string;
  accountId: string;
  type: string;
  id: string;
  value: Buffer;
}

/** A batch as one document: inserting it is atomic, so it is the commit point of the batch. */
export interface AuthJournalDocument {
  _id: ObjectId;
  accountId: string;
  writes: { type: string; id: string; value: Buffer | null }[];
}

export interface MongoAuthRecordsOptions {
  faults?: AuthWriteFaults;
  /** Rows per delete+insert step while applying a batch. Default 500. */
  applyChunkSize?: number;
}

/**
 * Batches without transactions (FerretDB v1 and standalone MongoDB have none): the batch is
 * journalled in one document, applied with idempotent upserts/deletes, then the journal is
 * removed. Any journal still present (a crash or failed write) is applied before the
 * account's next read or write, in journal order.
 */
export class MongoAuthRecords implements AuthRecordStore {
  readonly #keys: Collection<AuthKeyDocument>;
  readonly #journal: Collection<AuthJournalDocument>;
  readonly #options: MongoAuthRecordsOptions;
  /** Accounts known to have no unapplied journal (written by this process). */
  readonly #clean = new Set<string>();

  constructor(keys: Collection<AuthKeyDocument>, journal: Collection<AuthJournalDocument>, options: MongoAuthRecordsOptions = {}) {
    this.#keys = keys;
    this.#journal = journal;
    this.#options = options;
  }

  static async createIndexes(keys: Collection<AuthKeyDocument>, journal: Collection<AuthJournalDocument>): Promise<void> {
    await ensureIndexes(keys, [{ key: { accountId: 1 }, name: "account" }]);
    await ensureIndexes(journal, [{ key: { accountId: 1, _id: 1 }, name: "account_order" }]);
  }

  async read(accountId: string, type: string, ids: readonly string[]): Promise<Map<string, Uint8Array>> {
    await this.#recover(accountId);
    const out = new Map<string, Uint8Array>();
    if (ids.length === 0) return out;
    const rowIds = ids.map((id) => rowId(accountId, type, id));
    const docs =
      rowIds.length <= FEW_IDS
        ? (await Promise.all(rowIds.map((_id) => this.#keys.findOne({ _id })))).filter((d) => d !== null)
        : await this.#keys.find({ _id: { $in: rowIds } }).toArray();
    for (const doc of docs) out.set(doc.id, doc.value);
    return out;
  }

  async readAll(accountId: string): Promise<AuthRecord[]> {
    await this.#recover(accountId);
    const docs = await this.#keys.find({ accountId }).toArray();
    return docs.map((d) => ({ type: d.type, id: d.id, value: d.value }));
  }

  async write(accountId: string, writes: readonly AuthRecordWrite[]): Promise<void> {
    await this.#recover(accountId);
    const journal: AuthJournalDocument = {
      _id: new ObjectId(),
      accountId,
      writes: writes.map((w) => ({ type: w.type, id: w.id, value: w.value === null ? null : Buffer.from(w.value) })),
    };
    // Until the journal is gone, the account must be recovered before anyone reads it.
    this.#clean.delete(accountId);
    await this.#journal.insertOne(journal);
    await this.#apply(journal);
    this.#clean.add(accountId);
  }

  async clear(accountId: string): Promise<void> {
    // Journals first: a replay after the rows are gone would resurrect keys.
    await this.#journal.deleteMany({ accountId });
    await this.#keys.deleteMany({ accountId });
    this.#clean.add(accountId);
  }

  forget(accountId: string): void {
    this.#clean.delete(accountId);
  }

  async #recover(accountId: string): Promise<void> {
    if (this.#clean.has(accountId)) return;
    const pending = await this.#journal.find({ accountId }).sort({ _id: 1 }).toArray();
    for (const journal of pending) await this.#apply(journal);
    this.#clean.add(accountId);
  }

  async #apply(journal: AuthJournalDocument): Promise<void> {
    // Delete-then-insert per chunk rather than replace-upserts: idempotent all the same (a
    // replay redoes both steps), several times faster on FerretDB v1, and clear of its hang on
    // update commands of 100 or more upserts. Rows missing between the two steps are never
    // observed: this account's reads wait on the caller's mutex, and after a crash the journal
    // is replayed before any read.
    const chunkSize = this.#options.applyChunkSize ?? 500;
    let written = 0;
    for (let i = 0; i < journal.writes.length; i += chunkSize) {
      const chunk = journal.writes.slice(i, i + chunkSize);
      // The last write of an id in a batch wins, as if applied one by one.
      const last = new Map(chunk.map((w) => [rowId(journal.accountId, w.type, w.id), w]));
      const docs: AuthKeyDocument[] = [];
      for (const [_id, w] of last) {
        if (w.value !== null) docs.push({ _id, accountId: journal.accountId, type: w.type, id: w.id, value: w.value });
      }
      if (last.size <= FEW_IDS) {
        // Mostly a session or two overwritten: delete, then insert.
        await this.#deleteRows([...last.keys()]);
        await this.#insertRows(docs);
      } else {
        // Mostly new rows (a pre-key upload): removals first, then the inserts, and only the rows
        // that already existed are replaced, without a delete of many ids (a scan on FerretDB).
        await this.#deleteRows([...last].filter(([, w]) => w.value === null).map(([id]) => id));
        const existing = await this.#insertNew(docs);
        await this.#deleteRows(existing.map((d) => d._id));
        await this.#insertRows(existing);
      }
      for (let k = 0; k < chunk.length; k++) this.#options.faults?.afterRowWritten?.(++written);
    }
    await this.#journal.deleteOne({ _id: journal._id });
  }

  /** Inserts rows whose ids are free (deleted just before). */
  async #insertRows(docs: AuthKeyDocument[]): Promise<void> {
    if (docs.length === 0) return;
    try {
      await this.#keys.insertMany(docs, { ordered: true });
    } catch (e) {
      // Two processes completing the same journal at once (the previous owner of the account
      // still applying it while the new owner replays it): the rows are the same; redo the
      // chunk so that this applier, too, ends with every row of it in place.
      if (!(e instanceof MongoServerError && e.code === 11000)) throw e;
      await this.#deleteRows(docs.map((d) => d._id));
      await this.#keys.insertMany(docs, { ordered: true });
    }
  }

  /** Inserts every row whose id is free; returns the rows whose id was taken (to replace). */
  async #insertNew(docs: AuthKeyDocument[]): Promise<AuthKeyDocument[]> {
    if (docs.length === 0) return [];
    try {
      await this.#keys.insertMany(docs, { ordered: false });
      return [];
    } catch (e) {
      if (!(e instanceof MongoBulkWriteError) || e.writeErrors === undefined) throw e;
      const errors = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
      if (errors.some((w) => w.code !== 11000)) throw e;
      return errors.map((w) => docs[w.index]);
    }
  }

  async #deleteRows(rowIds: string[]): Promise<void> {
    if (rowIds.length === 0) return;
    if (rowIds.length <= FEW_IDS) await this.#keys.bulkWrite(rowIds.map((_id) => ({ deleteOne: { filter: { _id } } })), { ordered: false });
    else await this.#keys.deleteMany({ _id: { $in: rowIds } });
  }
}

/**
 * Up to this many rows are found (or deleted) one `_id` equality each (parallel finds, or one
 * bulk write of deletes); more, with one `$in`. FerretDB v1 filters `$in` in its own
 * process after reading every row of the collection (every account's keys: about 0.2 s at 6,000
 * rows here), but hands an `_id` equality to its backend (about 20 ms); Baileys mostly reads and
 * writes one or two keys at a time. MongoDB answers either from its `_id` index.
 */
const FEW_IDS = 8;

function rowId(accountId: string, type: string, id: string): string {
  return `${accountId}/${type}/${id}`;
}
