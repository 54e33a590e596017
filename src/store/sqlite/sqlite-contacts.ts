import type Database from "better-sqlite3";
import { decodeToken, encodeToken } from "../keyset-token.js";
import {
  checkContactPageSize,
  contactSearchText,
  mergeContact,
  type ContactIds,
  type ContactPage,
  type ContactPatch,
  type ContactQuery,
  type ContactRecord,
  type ContactStore,
  type ContactUpsert,
} from "../contacts.js";

const dateKeys = new Set(["aboutTime", "pictureTime", "updateTime"]);

interface ContactRow {
  account_id: string;
  jid: string;
  sort_time: number;
  doc: string;
}

/** The contacts table has its own schema version (row `contacts_schema` in `meta`), like chats. */
const contactMigrations: readonly string[] = [
  `CREATE TABLE contacts (
     account_id TEXT NOT NULL,
     jid        TEXT NOT NULL,
     pn_jid     TEXT,
     lid_jid    TEXT,
     sort_time  INTEGER NOT NULL,
     search     TEXT NOT NULL,
     doc        TEXT NOT NULL,
     PRIMARY KEY (account_id, jid)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX contacts_account_time ON contacts (account_id, sort_time DESC, jid DESC);
   CREATE INDEX contacts_account_lid ON contacts (account_id, lid_jid);`,
];

export class SqliteContacts implements ContactStore {
  readonly #db: Database.Database;
  readonly #find: Database.Statement<[string, string, string, string], ContactRow>;
  readonly #upsert: (accountId: string, ids: ContactIds, patch: ContactPatch, time: Date) => ContactUpsert;

  constructor(db: Database.Database) {
    this.#db = db;
    db.transaction(() => {
      const row = db.prepare<[], { value: number }>("SELECT value FROM meta WHERE name = 'contacts_schema'").get();
      const current = row?.value ?? 0;
      if (current > contactMigrations.length) throw new Error(`contacts schema version ${current} is newer than this build knows; upgrade Wildcat`);
      for (let v = current; v < contactMigrations.length; v++) db.exec(contactMigrations[v]);
      db.prepare("INSERT INTO meta (name, value) VALUES ('contacts_schema', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(contactMigrations.length);
    }).immediate();
    this.#find = db.prepare("SELECT * FROM contacts WHERE account_id = ? AND (jid = ? OR pn_jid = ? OR lid_jid = ?)");
    const write = db.prepare<[Record<string, unknown>]>(
      `INSERT INTO contacts (account_id, jid, pn_jid, lid_jid, sort_time, search, doc) VALUES (@account_id, @jid, @pn_jid, @lid_jid, @sort_time, @search, @doc)
       ON CONFLICT (account_id, jid) DO UPDATE SET pn_jid = excluded.pn_jid, lid_jid = excluded.lid_jid, sort_time = excluded.sort_time, search = excluded.search, doc = excluded.doc`,
    );
    const remove = db.prepare("DELETE FROM contacts WHERE account_id = ? AND jid = ?");
    // Read-merge-write in one transaction: SQLite serializes writers.
    this.#upsert = db.transaction((accountId: string, ids: ContactIds, patch: ContactPatch, time: Date) => {
      const found = new Map<string, ContactRecord>();
      for (const jid of [ids.pnJid, ids.lidJid]) {
        if (jid) for (const row of this.#find.all(accountId, jid, jid, jid)) found.set(row.jid, fromRow(row));
      }
      const { next, remove: gone, changed } = mergeContact(accountId, [...found.values()], ids, patch, time);
      if (changed.length === 0) return { contact: next, changed };
      for (const jid of gone) remove.run(accountId, jid);
      write.run(toRow(next));
      return { contact: next, changed };
    });
  }

  async upsert(accountId: string, ids: ContactIds, patch: ContactPatch, time: Date): Promise<ContactUpsert> {
    return this.#upsert(accountId, ids, patch, time);
  }

  async get(accountId: string, jid: string): Promise<ContactRecord | undefined> {
    const row = this.#find.get(accountId, jid, jid, jid);
    return row && fromRow(row);
  }

  async list(query: ContactQuery): Promise<ContactPage> {
    checkContactPageSize(query.pageSize);
    const where = ["account_id = ?"];
    const params: unknown[] = [query.accountId];
    if (query.text) {
      where.push("instr(search, ?) > 0");
      params.push(query.text.toLowerCase());
    }
    if (query.pageToken) {
      const [time, jid] = decodeToken(query.pageToken, ["number", "string"]);
      where.push("(sort_time < ? OR (sort_time = ? AND jid < ?))");
      params.push(time, time, jid);
    }
    const rows = this.#db
      .prepare<unknown[], ContactRow>(`SELECT * FROM contacts WHERE ${where.join(" AND ")} ORDER BY sort_time DESC, jid DESC LIMIT ?`)
      .all(...params, query.pageSize + 1);
    const contacts = rows.slice(0, query.pageSize).map(fromRow);
    const last = rows[query.pageSize - 1];
    return rows.length > query.pageSize ? { contacts, nextPageToken: encodeToken([last.sort_time, last.jid]) } : { contacts };
  }

  async deleteAccount(accountId: string): Promise<number> {
    return this.#db.prepare("DELETE FROM contacts WHERE account_id = ?").run(accountId).changes;
  }
}

function toRow(contact: ContactRecord): Record<string, unknown> {
  const { accountId, jid, ...doc } = contact;
  return {
    account_id: accountId,
    jid,
    pn_jid: contact.pnJid ?? null,
    lid_jid: contact.lidJid ?? null,
    sort_time: contact.updateTime.getTime(),
    search: contactSearchText(contact),
    doc: JSON.stringify(doc),
  };
}

function fromRow(row: ContactRow): ContactRecord {
  const doc = JSON.parse(row.doc, (key, value) => (dateKeys.has(key) && typeof value === "string" ? new Date(value) : value)) as Omit<ContactRecord, "accountId" | "jid">;
  return { accountId: row.account_id, jid: row.jid, ...doc };
}
