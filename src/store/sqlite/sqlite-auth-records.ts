import type Database from "better-sqlite3";
import type { AuthRecord, AuthRecordStore, AuthRecordWrite, AuthWriteFaults } from "../auth-records.js";

/**
 * Auth rows in one table keyed by (account, type, id). A batch is one SQLite transaction:
 * the WAL makes it all-or-nothing across a crash, which is the same observable guarantee
 * the MongoDB adapter gets from its journal.
 */
export class SqliteAuthRecords implements AuthRecordStore {
  readonly #select: Database.Statement<[string, string, string], { value: Buffer }>;
  readonly #selectAll: Database.Statement<[string], { type: string; id: string; value: Buffer }>;
  readonly #upsert: Database.Statement<[string, string, string, Uint8Array]>;
  readonly #delete: Database.Statement<[string, string, string]>;
  readonly #clear: Database.Statement<[string]>;
  readonly #write: (accountId: string, writes: readonly AuthRecordWrite[]) => void;

  constructor(db: Database.Database, faults: AuthWriteFaults = {}) {
    this.#select = db.prepare("SELECT value FROM auth_keys WHERE account_id = ? AND type = ? AND id = ?");
    this.#selectAll = db.prepare("SELECT type, id, value FROM auth_keys WHERE account_id = ?");
    this.#upsert = db.prepare(
      `INSERT INTO auth_keys (account_id, type, id, value) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_id, type, id) DO UPDATE SET value = excluded.value`,
    );
    this.#delete = db.prepare("DELETE FROM auth_keys WHERE account_id = ? AND type = ? AND id = ?");
    this.#clear = db.prepare("DELETE FROM auth_keys WHERE account_id = ?");
    this.#write = db.transaction((accountId: string, writes: readonly AuthRecordWrite[]) => {
      let written = 0;
      for (const w of writes) {
        if (w.value === null) this.#delete.run(accountId, w.type, w.id);
        else this.#upsert.run(accountId, w.type, w.id, w.value);
        faults.afterRowWritten?.(++written);
      }
    });
  }

  async read(accountId: string, type: string, ids: readonly string[]): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    for (const id of ids) {
      const row = this.#select.get(accountId, type, id);
      if (row) out.set(id, row.value);
    }
    return out;
  }

  async readAll(accountId: string): Promise<AuthRecord[]> {
    return this.#selectAll.all(accountId);
  }

  async write(accountId: string, writes: readonly AuthRecordWrite[]): Promise<void> {
    this.#write(accountId, writes);
  }

  async clear(accountId: string): Promise<void> {
    this.#clear.run(accountId);
  }
}
