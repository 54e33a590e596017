import { MongoServerError, ObjectId, type Collection, type Filter } from "mongodb";
import { KeyedMutex } from "../keyed-mutex.js";
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
import { ensureIndexes } from "./ensure-indexes.js";

export interface MessageDocument {
  _id: ObjectId;
  accountId: string;
  chatJid: string;
  messageId: string;
  fromMe: boolean;
  /** "" outside groups, so the unique index treats 1:1 messages alike. */
  participant: string;
  /** false: a placeholder holding updates that arrived before the message. */
  stored: boolean;
  chat?: Jid;
  from?: Jid;
  timestamp?: Date;
  type?: MessageType;
  text?: string;
  media?: MediaRef;
  rawMessage?: Buffer;
  fromHistory?: boolean;
  statusRank?: number;
  /** Absent until the first status ($setOnInsert of an empty array is dropped by FerretDB v1). */
  statusHistory?: StatusChange[];
  edit?: { time: Date; text?: string };
  deleteTime?: Date;
  /** Absent until the first reaction. */
  reactions?: Reaction[];
  starred?: boolean;
}

/** A send request id bound to the message it sent. */
export interface SendRequestDocument {
  /** JSON of [accountId, requestId]: the unique `_id` makes a claim one atomic insert. */
  _id: string;
  accountId: string;
  chatJid: string;
  messageId: string;
  createTime: Date;
}

const duplicateKey = 11000;

export class MongoMessages implements MessageStore {
  readonly #messages: Collection<MessageDocument>;
  readonly #sendRequests: Collection<SendRequestDocument>;
  readonly #mutex = new KeyedMutex();

  constructor(messages: Collection<MessageDocument>, sendRequests: Collection<SendRequestDocument>) {
    this.#messages = messages;
    this.#sendRequests = sendRequests;
  }

  /** Exactly the indexes the queries below use (FerretDB v1 has no partial indexes, so none are). */
  static async createIndexes(messages: Collection<MessageDocument>, sendRequests: Collection<SendRequestDocument>): Promise<void> {
    await ensureIndexes(messages, [
      // WhatsApp's key: a redelivered message is stored once; get() and every update use it.
      { key: { accountId: 1, chatJid: 1, messageId: 1, fromMe: 1, participant: 1 }, name: "key", unique: true },
      // findById.
      { key: { accountId: 1, messageId: 1 }, name: "account_message" },
      // list: a chat newest first, with time range and keyset on (timestamp, _id).
      { key: { accountId: 1, chatJid: 1, timestamp: -1, _id: -1 }, name: "chat_time" },
      // list filtered by type.
      { key: { accountId: 1, chatJid: 1, type: 1, timestamp: -1, _id: -1 }, name: "chat_type_time" },
      // list across all chats, unfiltered and by type.
      { key: { accountId: 1, timestamp: -1, _id: -1 }, name: "account_time" },
      { key: { accountId: 1, type: 1, timestamp: -1, _id: -1 }, name: "account_type_time" },
    ]);
    await ensureIndexes(sendRequests, [
      // pruneRequests.
      { key: { createTime: 1 }, name: "create_time" },
      // deleteAccount.
      { key: { accountId: 1 }, name: "account" },
    ]);
  }

  async upsert(message: NewMessage): Promise<{ created: boolean }> {
    const set: Partial<MessageDocument> = {
      stored: true,
      chat: message.chat,
      timestamp: message.timestamp,
      type: message.type,
    };
    if (message.from) set.from = message.from;
    if (message.text !== undefined) set.text = message.text;
    if (message.media) set.media = message.media;
    if (message.rawMessage) set.rawMessage = Buffer.from(message.rawMessage);
    if (message.fromHistory) set.fromHistory = true;
    try {
      // Matches only a missing message or a placeholder; a stored message makes the upsert
      // collide with the unique key, which is how a redelivery is recognised.
      await this.#messages.updateOne(
        { ...keyFilter(message.key), stored: { $ne: true } },
        { $set: set },
        { upsert: true },
      );
      return { created: true };
    } catch (err) {
      if (err instanceof MongoServerError && err.code === duplicateKey) return { created: false };
      throw err;
    }
  }

  async get(key: MessageKey): Promise<MessageRecord | undefined> {
    const doc = await this.#messages.findOne({ ...keyFilter(key), stored: true });
    return doc ? fromDocument(doc) : undefined;
  }

  async findById(accountId: string, messageId: string, fromMe?: boolean): Promise<MessageRecord[]> {
    const filter: Filter<MessageDocument> = { accountId, messageId, stored: true };
    if (fromMe !== undefined) filter.fromMe = fromMe;
    const docs = await this.#messages.find(filter).sort({ timestamp: -1, _id: -1 }).toArray();
    return docs.map(fromDocument);
  }

  async list(query: MessageQuery): Promise<MessagePage> {
    if (!Number.isSafeInteger(query.pageSize) || query.pageSize < 1) {
      throw new RangeError(`pageSize must be a positive integer, got ${query.pageSize}`);
    }
    const filter: Filter<MessageDocument> = { accountId: query.accountId, stored: true };
    if (query.chatJid !== undefined) filter.chatJid = query.chatJid;
    if (query.types?.length) filter.type = { $in: query.types };
    if (query.fromMe !== undefined) filter.fromMe = query.fromMe;
    const time: { $gte?: Date; $lt?: Date } = {};
    if (query.since) time.$gte = query.since;
    if (query.until) time.$lt = query.until;
    if (time.$gte || time.$lt) filter.timestamp = time;
    if (query.missingMedia) filter["media.mediaId"] = "";
    if (query.pageToken) {
      const [ms, id] = decodeToken(query.pageToken, ["number", "string"]);
      if (!ObjectId.isValid(id as string)) throw new RangeError("invalid page token");
      const t = new Date(ms as number);
      filter.$or = [{ timestamp: { $lt: t } }, { timestamp: t, _id: { $lt: new ObjectId(id as string) } }];
    }
    const docs = await this.#messages
      .find(filter)
      .sort({ timestamp: -1, _id: -1 })
      .limit(query.pageSize + 1)
      .toArray();
    const page = docs.slice(0, query.pageSize);
    const messages = page.map(fromDocument);
    if (docs.length <= query.pageSize) return { messages };
    const last = page[page.length - 1];
    return { messages, nextPageToken: encodeToken([last.timestamp!.getTime(), last._id.toHexString()]) };
  }

  async addStatus(key: MessageKey, change: StatusChange): Promise<void> {
    // Serialized per message in this process: FerretDB v1 can lose one of two concurrent updates.
    await this.#mutex.run(mutexKey(key), () => this.#messages.updateOne(
      keyFilter(key),
      {
        $push: { statusHistory: change },
        $max: { statusRank: statusRank[change.status] },
        $setOnInsert: { stored: false },
      },
      { upsert: true },
    ));
  }

  async markEdited(key: MessageKey, edit: { time: Date; text?: string }): Promise<void> {
    const value = edit.text === undefined ? { time: edit.time } : { time: edit.time, text: edit.text };
    await this.#placeholderUpsert(key, { edit: value });
  }

  async markDeleted(key: MessageKey, time: Date): Promise<void> {
    await this.#placeholderUpsert(key, { deleteTime: time });
  }

  async setReaction(key: MessageKey, reaction: Reaction): Promise<void> {
    // Read-modify-write: FerretDB v1's $pull ignores a condition on an embedded field, and has
    // no pipeline updates. The per-message mutex keeps this process's updates in order.
    await this.#mutex.run(mutexKey(key), async () => {
      const doc = await this.#messages.findOne(keyFilter(key), { projection: { reactions: 1 } });
      const reactions = (doc?.reactions ?? []).filter((r) => r.from.jid !== reaction.from.jid);
      if (reaction.emoji !== "") reactions.push(reaction);
      await this.#messages.updateOne(keyFilter(key), { $set: { reactions }, $setOnInsert: { stored: false } }, { upsert: true });
    });
  }

  async setStarred(key: MessageKey, starred: boolean): Promise<void> {
    await this.#placeholderUpsert(key, { starred });
  }

  async setMedia(key: MessageKey, media: MediaRef): Promise<boolean> {
    // Under the per-message mutex like every other update of a message (see addStatus).
    const result = await this.#mutex.run(mutexKey(key), () =>
      this.#messages.updateOne({ ...keyFilter(key), stored: true }, { $set: { media } }),
    );
    return result.matchedCount > 0;
  }

  async claimRequest(claim: SendRequestClaim): Promise<ClaimResult> {
    // FerretDB v1 has no transactions and no atomic findOneAndUpdate: the unique _id insert
    // is the one operation that lets exactly one of several processes win.
    const _id = JSON.stringify([claim.accountId, claim.requestId]);
    for (;;) {
      try {
        await this.#sendRequests.insertOne({
          _id,
          accountId: claim.accountId,
          chatJid: claim.chatJid,
          messageId: claim.messageId,
          createTime: claim.createTime,
        });
        return { claimed: true };
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === duplicateKey)) throw err;
      }
      const first = await this.#sendRequests.findOne({ _id });
      if (first) return { claimed: false, chatJid: first.chatJid, messageId: first.messageId };
      // Pruned between the insert and the read: claim again.
    }
  }

  async pruneRequests(createdBefore: Date): Promise<number> {
    return (await this.#sendRequests.deleteMany({ createTime: { $lt: createdBefore } })).deletedCount;
  }

  async deleteAccount(accountId: string): Promise<number> {
    // Claims first: a crash in between leaves messages no claim points at, never claims
    // naming messages that are gone.
    await this.#sendRequests.deleteMany({ accountId });
    return (await this.#messages.deleteMany({ accountId })).deletedCount;
  }

  async #placeholderUpsert(key: MessageKey, set: Partial<MessageDocument>): Promise<void> {
    await this.#mutex.run(mutexKey(key), () =>
      this.#messages.updateOne(keyFilter(key), { $set: set, $setOnInsert: { stored: false } }, { upsert: true }),
    );
  }
}

function mutexKey(key: MessageKey): string {
  return JSON.stringify(keyFilter(key));
}

function keyFilter(key: MessageKey) {
  return {
    accountId: key.accountId,
    chatJid: key.chatJid,
    messageId: key.messageId,
    fromMe: key.fromMe,
    participant: key.participant ?? "",
  };
}

function fromDocument(doc: MessageDocument): MessageRecord {
  const key: MessageKey = { accountId: doc.accountId, chatJid: doc.chatJid, messageId: doc.messageId, fromMe: doc.fromMe };
  if (doc.participant !== "") key.participant = doc.participant;
  const record: MessageRecord = {
    key,
    chat: jid(doc.chat!),
    timestamp: doc.timestamp!,
    type: doc.type!,
    hasMedia: doc.media !== undefined,
    statusHistory: (doc.statusHistory ?? []).map((s) => ({ status: s.status, time: s.time })),
    reactions: (doc.reactions ?? []).map((r) => ({ from: jid(r.from), emoji: r.emoji, time: r.time })),
  };
  if (doc.from) record.from = jid(doc.from);
  if (doc.text !== undefined) record.text = doc.text;
  if (doc.media) record.media = media(doc.media);
  if (doc.rawMessage) record.rawMessage = new Uint8Array(doc.rawMessage);
  if (doc.fromHistory) record.fromHistory = true;
  const status = doc.statusRank === undefined ? undefined : rankToStatus(doc.statusRank);
  if (status) record.status = status;
  if (doc.edit) record.edit = doc.edit.text === undefined ? { time: doc.edit.time } : { time: doc.edit.time, text: doc.edit.text };
  if (doc.deleteTime) record.deleteTime = doc.deleteTime;
  if (doc.starred) record.starred = true;
  return record;
}

function jid(j: Jid): Jid {
  const out: Jid = { jid: j.jid };
  if (j.pn !== undefined) out.pn = j.pn;
  if (j.lid !== undefined) out.lid = j.lid;
  return out;
}

function media(m: MediaRef): MediaRef {
  const out: MediaRef = { mediaId: m.mediaId, mimeType: m.mimeType, sizeBytes: m.sizeBytes, sha256: m.sha256 };
  if (m.fileName !== undefined) out.fileName = m.fileName;
  return out;
}
