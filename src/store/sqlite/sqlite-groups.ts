import type Database from "better-sqlite3";
import { groupFromJson, groupToJson, type GroupPage, type GroupRecord, type GroupStore } from "../groups.js";

/**
 * Groups in the embedded store. The table is created here (IF NOT EXISTS) rather than in the
 * shared migration list, so it lands beside other branches' migrations without renumbering.
 */
export class SqliteGroups implements GroupStore {
  readonly #put: Database.Statement<[string, string, string]>;
  readonly #get: Database.Statement<[string, string], { doc: string }>;
  readonly #first: Database.Statement<[string, number], { doc: string; group_jid: string }>;
  readonly #after: Database.Statement<[string, string, number], { doc: string; group_jid: string }>;
  readonly #delete: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS account_groups (
       account_id TEXT NOT NULL,
       group_jid  TEXT NOT NULL,
       doc        TEXT NOT NULL,
       PRIMARY KEY (account_id, group_jid)
     ) STRICT, WITHOUT ROWID`);
    this.#put = db.prepare("INSERT INTO account_groups (account_id, group_jid, doc) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET doc = excluded.doc");
    this.#get = db.prepare("SELECT doc FROM account_groups WHERE account_id = ? AND group_jid = ?");
    this.#first = db.prepare("SELECT doc, group_jid FROM account_groups WHERE account_id = ? ORDER BY group_jid LIMIT ?");
    this.#after = db.prepare("SELECT doc, group_jid FROM account_groups WHERE account_id = ? AND group_jid > ? ORDER BY group_jid LIMIT ?");
    this.#delete = db.prepare("DELETE FROM account_groups WHERE account_id = ?");
  }

  async put(group: GroupRecord): Promise<void> {
    this.#put.run(group.accountId, group.groupJid, groupToJson(group));
  }

  async get(accountId: string, groupJid: string): Promise<GroupRecord | undefined> {
    const row = this.#get.get(accountId, groupJid);
    return row && groupFromJson(row.doc);
  }

  async list(accountId: string, { pageSize, after }: { pageSize: number; after?: string }): Promise<GroupPage> {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
    const rows = after === undefined ? this.#first.all(accountId, pageSize + 1) : this.#after.all(accountId, after, pageSize + 1);
    const groups = rows.slice(0, pageSize).map((r) => groupFromJson(r.doc));
    return rows.length > pageSize ? { groups, nextAfter: groups[pageSize - 1]!.groupJid } : { groups };
  }

  async deleteAccount(accountId: string): Promise<number> {
    return this.#delete.run(accountId).changes;
  }
}
