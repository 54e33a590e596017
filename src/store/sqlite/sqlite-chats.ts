import type Database from "better-sqlite3";
import { decodeToken, encodeToken } from "../keyset-token.js";
import {
  applyChatNote,
  applyChatPatch,
  chatSortTime,
  checkChatPageSize,
  newChat,
  type ChatMessageNote,
  type ChatPage,
  type ChatPatch,
  type ChatQuery,
  type ChatRecord,
  type ChatStore,
} from "../chats.js";

const dateKeys = new Set(["lastMessageTime", "pinTime", "muteUntil", "updateTime"]);

interface ChatRow {
  account_id: string;
  chat_jid: string;
  sort_time: number;
  archived: number;
  doc: string;
}

/**
 * The chats table has its own schema version (row `chats_schema` in `meta`), so it evolves
 * without taking numbers in the store's shared migration list.
 */
const chatMigrations: readonly string[] = [
  `CREATE TABLE chats (
     account_id TEXT NOT NULL,
     chat_jid   TEXT NOT NULL,
     sort_time  INTEGER NOT NULL,
     archived   INTEGER NOT NULL,
     doc        TEXT NOT NULL,
     PRIMARY KEY (account_id, chat_jid)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX chats_account_time ON chats (account_id, sort_time DESC, chat_jid DESC);`,
];

export class SqliteChats implements ChatStore {
  readonly #db: Database.Database;
  readonly #select: Database.Statement<[string, string], ChatRow>;
  readonly #mutate: (accountId: string, chatJid: string, change: (chat: ChatRecord) => ChatRecord, time: Date) => ChatRecord;

  constructor(db: Database.Database) {
    this.#db = db;
    db.transaction(() => {
      const row = db.prepare<[], { value: number }>("SELECT value FROM meta WHERE name = 'chats_schema'").get();
      const current = row?.value ?? 0;
      if (current > chatMigrations.length) throw new Error(`chats schema version ${current} is newer than this build knows; upgrade Wildcat`);
      for (let v = current; v < chatMigrations.length; v++) db.exec(chatMigrations[v]);
      db.prepare("INSERT INTO meta (name, value) VALUES ('chats_schema', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(chatMigrations.length);
    }).immediate();
    this.#select = db.prepare("SELECT * FROM chats WHERE account_id = ? AND chat_jid = ?");
    const upsert = db.prepare<[Record<string, unknown>]>(
      `INSERT INTO chats (account_id, chat_jid, sort_time, archived, doc) VALUES (@account_id, @chat_jid, @sort_time, @archived, @doc)
       ON CONFLICT (account_id, chat_jid) DO UPDATE SET sort_time = excluded.sort_time, archived = excluded.archived, doc = excluded.doc`,
    );
    // Read-modify-write in one transaction: SQLite serializes writers.
    this.#mutate = db.transaction((accountId: string, chatJid: string, change: (chat: ChatRecord) => ChatRecord, time: Date) => {
      const row = this.#select.get(accountId, chatJid);
      const next = change(row ? fromRow(row) : newChat(accountId, chatJid, time));
      upsert.run(toRow(next));
      return next;
    });
  }

  async update(accountId: string, chatJid: string, patch: ChatPatch, time: Date): Promise<ChatRecord> {
    return this.#mutate(accountId, chatJid, (chat) => applyChatPatch(chat, patch, time), time);
  }

  async noteMessage(accountId: string, chatJid: string, note: ChatMessageNote, time: Date): Promise<ChatRecord> {
    return this.#mutate(accountId, chatJid, (chat) => applyChatNote(chat, note, time), time);
  }

  async get(accountId: string, chatJid: string): Promise<ChatRecord | undefined> {
    const row = this.#select.get(accountId, chatJid);
    return row && fromRow(row);
  }

  async list(query: ChatQuery): Promise<ChatPage> {
    checkChatPageSize(query.pageSize);
    const where = ["account_id = ?"];
    const params: unknown[] = [query.accountId];
    if (query.archived !== undefined) {
      where.push("archived = ?");
      params.push(query.archived ? 1 : 0);
    }
    if (query.pageToken) {
      const [time, jid] = decodeToken(query.pageToken, ["number", "string"]);
      where.push("(sort_time < ? OR (sort_time = ? AND chat_jid < ?))");
      params.push(time, time, jid);
    }
    const rows = this.#db
      .prepare<unknown[], ChatRow>(`SELECT * FROM chats WHERE ${where.join(" AND ")} ORDER BY sort_time DESC, chat_jid DESC LIMIT ?`)
      .all(...params, query.pageSize + 1);
    const chats = rows.slice(0, query.pageSize).map(fromRow);
    const last = rows[query.pageSize - 1];
    return rows.length > query.pageSize ? { chats, nextPageToken: encodeToken([last.sort_time, last.chat_jid]) } : { chats };
  }

  async delete(accountId: string, chatJid: string): Promise<boolean> {
    return this.#db.prepare("DELETE FROM chats WHERE account_id = ? AND chat_jid = ?").run(accountId, chatJid).changes > 0;
  }

  async deleteAccount(accountId: string): Promise<number> {
    return this.#db.prepare("DELETE FROM chats WHERE account_id = ?").run(accountId).changes;
  }
}

function toRow(chat: ChatRecord): Record<string, unknown> {
  const { accountId, chatJid, ...doc } = chat;
  return { account_id: accountId, chat_jid: chatJid, sort_time: chatSortTime(chat), archived: chat.archived ? 1 : 0, doc: JSON.stringify(doc) };
}

function fromRow(row: ChatRow): ChatRecord {
  return { accountId: row.account_id, chatJid: row.chat_jid, ...(JSON.parse(row.doc, (key, value) => (dateKeys.has(key) && typeof value === "string" ? new Date(value) : value)) as Omit<ChatRecord, "accountId" | "chatJid">) };
}
