import type Database from "better-sqlite3";
import { fromJson, toJson } from "../json-dates.js";
import { decodeToken, encodeToken } from "../keyset-token.js";
import {
  rankToStatus,
  statusRank,
  type ClaimResult,
  type Jid,
  type MediaRef,
  type MessageKey,
  type MessagePage,
  type MessageQuery,
  type MessageRecord,
  type MessageStore,
  type MessageType,
  type NewMessage,
  type Reaction,
  type SendRequestClaim,
  type StatusChange,
} from "../messages.js";

interface MessageRow {
  seq: number;
  account_id: string;
  chat_jid: string;
  message_id: string;
  from_me: number;
  participant: string;
  stored: number;
  timestamp: number | null;
  type: string | null;
  doc: string;
  raw: Buffer | null;
}

/** What is neither a key nor an indexed column; nothing queries inside it. */
interface MessageDoc {
  chat?: Jid;
  from?: Jid;
  text?: string;
  media?: MediaRef;
  fromHistory?: boolean;
  statusRank?: number;
  statusHistory: StatusChange[];
  edit?: { time: Date; text?: string };
  deleteTime?: Date;
  reactions: Reaction[];
  starred?: boolean;
}

const emptyDoc = (): MessageDoc => ({ statusHistory: [], reactions: [] });

/** Returns whether it changed the row; a placeholder is created first unless `create` is false. */
type Mutate = (key: MessageKey, change: (row: MessageRow, doc: MessageDoc) => boolean, create?: boolean) => boolean;

export class SqliteMessages implements MessageStore {
  readonly #db: Database.Database;
  readonly #byKey: Database.Statement<[string, string, string, number, string], MessageRow>;
  readonly #insert: Database.Statement<[Record<string, unknown>]>;
  readonly #update: Database.Statement<[Record<string, unknown>]>;
  readonly #mutate: Mutate;
  readonly #claim: (claim: SendRequestClaim) => ClaimResult;
  readonly #deleteAccount: (accountId: string) => number;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#byKey = db.prepare(
      "SELECT * FROM messages WHERE account_id = ? AND chat_jid = ? AND message_id = ? AND from_me = ? AND participant = ?",
    );
    this.#insert = db.prepare(
      `INSERT INTO messages (account_id, chat_jid, message_id, from_me, participant, stored, timestamp, type, doc, raw)
       VALUES (@account_id, @chat_jid, @message_id, @from_me, @participant, @stored, @timestamp, @type, @doc, @raw)`,
    );
    this.#update = db.prepare(
      "UPDATE messages SET stored = @stored, timestamp = @timestamp, type = @type, doc = @doc, raw = @raw WHERE seq = @seq",
    );
    // Read-modify-write in one transaction: SQLite serializes writers, so updates never interleave.
    this.#mutate = db.transaction<Mutate>((key, change, create = true) => {
      const k = keyParams(key);
      let row = this.#byKey.get(k.account_id, k.chat_jid, k.message_id, k.from_me, k.participant);
      if (!row) {
        if (!create) return false;
        this.#insert.run({ ...k, stored: 0, timestamp: null, type: null, doc: toJson(emptyDoc()), raw: null });
        row = this.#byKey.get(k.account_id, k.chat_jid, k.message_id, k.from_me, k.participant)!;
      }
      const doc = fromJson<MessageDoc>(row.doc);
      if (!change(row, doc)) return false;
      this.#update.run({ seq: row.seq, stored: row.stored, timestamp: row.timestamp, type: row.type, doc: toJson(doc), raw: row.raw });
      return true;
    });
    const insertClaim = db.prepare<[Record<string, unknown>]>(
      `INSERT INTO send_requests (account_id, request_id, chat_jid, message_id, create_time)
       VALUES (@account_id, @request_id, @chat_jid, @message_id, @create_time) ON CONFLICT DO NOTHING`,
    );
    const selectClaim = db.prepare<[string, string], { chat_jid: string; message_id: string }>(
      "SELECT chat_jid, message_id FROM send_requests WHERE account_id = ? AND request_id = ?",
    );
    // The primary key decides between concurrent claims, in this process or another; the
    // transaction keeps a prune from removing the winner between the insert and the read.
    this.#claim = db.transaction((claim: SendRequestClaim): ClaimResult => {
      const inserted = insertClaim.run({
        account_id: claim.accountId,
        request_id: claim.requestId,
        chat_jid: claim.chatJid,
        message_id: claim.messageId,
        create_time: claim.createTime.getTime(),
      }).changes;
      if (inserted) return { claimed: true };
      const first = selectClaim.get(claim.accountId, claim.requestId)!;
      return { claimed: false, chatJid: first.chat_jid, messageId: first.message_id };
    });
    const deleteMessages = db.prepare<[string]>("DELETE FROM messages WHERE account_id = ?");
    const deleteClaims = db.prepare<[string]>("DELETE FROM send_requests WHERE account_id = ?");
    this.#deleteAccount = db.transaction((accountId: string) => {
      deleteClaims.run(accountId);
      return deleteMessages.run(accountId).changes;
    });
  }

  async upsert(message: NewMessage): Promise<{ created: boolean }> {
    const created = this.#mutate(message.key, (row, doc) => {
      if (row.stored) return false;
      row.stored = 1;
      row.timestamp = message.timestamp.getTime();
      row.type = message.type;
      row.raw = message.rawMessage ? Buffer.from(message.rawMessage) : null;
      doc.chat = message.chat;
      if (message.from) doc.from = message.from;
      if (message.text !== undefined) doc.text = message.text;
      if (message.media) doc.media = message.media;
      if (message.fromHistory) doc.fromHistory = true;
      return true;
    });
    return { created };
  }

  async get(key: MessageKey): Promise<MessageRecord | undefined> {
    const k = keyParams(key);
    const row = this.#byKey.get(k.account_id, k.chat_jid, k.message_id, k.from_me, k.participant);
    return row?.stored ? fromRow(row) : undefined;
  }

  async findById(accountId: string, messageId: string, fromMe?: boolean): Promise<MessageRecord[]> {
    const direction = fromMe === undefined ? "" : ` AND from_me = ${fromMe ? 1 : 0}`;
    const rows = this.#db
      .prepare<[string, string], MessageRow>(
        `SELECT * FROM messages WHERE account_id = ? AND message_id = ? AND stored = 1${direction} ORDER BY timestamp DESC, seq DESC`,
      )
      .all(accountId, messageId);
    return rows.map(fromRow);
  }

  async list(query: MessageQuery): Promise<MessagePage> {
    checkPageSize(query.pageSize);
    const where = ["account_id = ?", "stored = 1"];
    const params: unknown[] = [query.accountId];
    if (query.chatJid !== undefined) {
      where.push("chat_jid = ?");
      params.push(query.chatJid);
    }
    if (query.types?.length) {
      where.push(`type IN (${query.types.map(() => "?").join(", ")})`);
      params.push(...query.types);
    }
    if (query.fromMe !== undefined) {
      where.push("from_me = ?");
      params.push(query.fromMe ? 1 : 0);
    }
    if (query.since) {
      where.push("timestamp >= ?");
      params.push(query.since.getTime());
    }
    if (query.until) {
      where.push("timestamp < ?");
      params.push(query.until.getTime());
    }
    if (query.missingMedia) where.push("json_extract(doc, '$.media.mediaId') = ''");
    if (query.pageToken) {
      const [time, seq] = decodeToken(query.pageToken, ["number", "number"]);
      where.push("(timestamp < ? OR (timestamp = ? AND seq < ?))");
      params.push(time, time, seq);
    }
    const rows = this.#db
      .prepare<unknown[], MessageRow>(
        `SELECT * FROM messages WHERE ${where.join(" AND ")} ORDER BY timestamp DESC, seq DESC LIMIT ?`,
      )
      .all(...params, query.pageSize + 1);
    const page = rows.slice(0, query.pageSize);
    const last = page[page.length - 1];
    const messages = page.map(fromRow);
    return rows.length > query.pageSize ? { messages, nextPageToken: encodeToken([last.timestamp!, last.seq]) } : { messages };
  }

  async addStatus(key: MessageKey, change: StatusChange): Promise<void> {
    this.#mutate(key, (_row, doc) => {
      doc.statusHistory.push(change);
      doc.statusRank = Math.max(doc.statusRank ?? 0, statusRank[change.status]);
      return true;
    });
  }

  async markEdited(key: MessageKey, edit: { time: Date; text?: string }): Promise<void> {
    this.#mutate(key, (_row, doc) => {
      doc.edit = edit.text === undefined ? { time: edit.time } : { time: edit.time, text: edit.text };
      return true;
    });
  }

  async markDeleted(key: MessageKey, time: Date): Promise<void> {
    this.#mutate(key, (_row, doc) => {
      doc.deleteTime = time;
      return true;
    });
  }

  async setReaction(key: MessageKey, reaction: Reaction): Promise<void> {
    this.#mutate(key, (_row, doc) => {
      doc.reactions = doc.reactions.filter((r) => r.from.jid !== reaction.from.jid);
      if (reaction.emoji !== "") doc.reactions.push(reaction);
      return true;
    });
  }

  async setStarred(key: MessageKey, starred: boolean): Promise<void> {
    this.#mutate(key, (_row, doc) => {
      doc.starred = starred;
      return true;
    });
  }

  async setMedia(key: MessageKey, media: MediaRef): Promise<boolean> {
    return this.#mutate(
      key,
      (row, doc) => {
        if (!row.stored) return false;
        doc.media = media;
        return true;
      },
      false,
    );
  }

  async claimRequest(claim: SendRequestClaim): Promise<ClaimResult> {
    return this.#claim(claim);
  }

  async pruneRequests(createdBefore: Date): Promise<number> {
    return this.#db.prepare("DELETE FROM send_requests WHERE create_time < ?").run(createdBefore.getTime()).changes;
  }

  async deleteAccount(accountId: string): Promise<number> {
    return this.#deleteAccount(accountId);
  }
}

function keyParams(key: MessageKey) {
  return {
    account_id: key.accountId,
    chat_jid: key.chatJid,
    message_id: key.messageId,
    from_me: key.fromMe ? 1 : 0,
    participant: key.participant ?? "",
  };
}

function fromRow(row: MessageRow): MessageRecord {
  const doc = fromJson<MessageDoc>(row.doc);
  const key: MessageKey = {
    accountId: row.account_id,
    chatJid: row.chat_jid,
    messageId: row.message_id,
    fromMe: row.from_me === 1,
  };
  if (row.participant !== "") key.participant = row.participant;
  const record: MessageRecord = {
    key,
    chat: doc.chat!,
    timestamp: new Date(row.timestamp!),
    type: row.type as MessageType,
    hasMedia: doc.media !== undefined,
    statusHistory: doc.statusHistory,
    reactions: doc.reactions,
  };
  if (doc.from) record.from = doc.from;
  if (doc.text !== undefined) record.text = doc.text;
  if (doc.media) record.media = doc.media;
  if (row.raw) record.rawMessage = new Uint8Array(row.raw);
  if (doc.fromHistory) record.fromHistory = true;
  const status = doc.statusRank === undefined ? undefined : rankToStatus(doc.statusRank);
  if (status) record.status = status;
  if (doc.edit) record.edit = doc.edit;
  if (doc.deleteTime) record.deleteTime = doc.deleteTime;
  if (doc.starred) record.starred = true;
  return record;
}

function checkPageSize(pageSize: number): void {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  }
}
