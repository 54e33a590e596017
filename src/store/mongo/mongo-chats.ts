import type { Collection } from "mongodb";
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
import { ensureIndexes } from "./ensure-indexes.js";

/** One chat; `_id` is account and chat JID joined by a NUL, the unique key every write goes by. */
export interface ChatDocument extends ChatRecord {
  _id: string;
  sortTime: number;
}

const idOf = (accountId: string, chatJid: string) => `${accountId}\u0000${chatJid}`;

/**
 * Chats on MongoDB. Each write replaces the whole document by its `_id` (an upsert), so it is
 * idempotent; an account's chat updates come from its one socket's serial handler.
 */
export class MongoChats implements ChatStore {
  constructor(private readonly chats: Collection<ChatDocument>) {}

  static async createIndexes(chats: Collection<ChatDocument>): Promise<void> {
    await ensureIndexes(chats, [{ key: { accountId: 1, sortTime: -1, chatJid: -1 }, name: "account_time" }]);
  }

  async update(accountId: string, chatJid: string, patch: ChatPatch, time: Date): Promise<ChatRecord> {
    return this.mutate(accountId, chatJid, (chat) => applyChatPatch(chat, patch, time), time);
  }

  async noteMessage(accountId: string, chatJid: string, note: ChatMessageNote, time: Date): Promise<ChatRecord> {
    return this.mutate(accountId, chatJid, (chat) => applyChatNote(chat, note, time), time);
  }

  async get(accountId: string, chatJid: string): Promise<ChatRecord | undefined> {
    const doc = await this.chats.findOne({ _id: idOf(accountId, chatJid) });
    return doc ? fromDoc(doc) : undefined;
  }

  async list(query: ChatQuery): Promise<ChatPage> {
    checkChatPageSize(query.pageSize);
    const filter: Record<string, unknown> = { accountId: query.accountId };
    if (query.archived !== undefined) filter.archived = query.archived;
    if (query.pageToken) {
      const [time, jid] = decodeToken(query.pageToken, ["number", "string"]);
      filter.$or = [{ sortTime: { $lt: time } }, { sortTime: time, chatJid: { $lt: jid } }];
    }
    const docs = await this.chats.find(filter).sort({ sortTime: -1, chatJid: -1 }).limit(query.pageSize + 1).toArray();
    const chats = docs.slice(0, query.pageSize).map(fromDoc);
    const last = docs[query.pageSize - 1];
    return docs.length > query.pageSize ? { chats, nextPageToken: encodeToken([last.sortTime, last.chatJid]) } : { chats };
  }

  async delete(accountId: string, chatJid: string): Promise<boolean> {
    return (await this.chats.deleteOne({ _id: idOf(accountId, chatJid) })).deletedCount > 0;
  }

  async deleteAccount(accountId: string): Promise<number> {
    return (await this.chats.deleteMany({ accountId })).deletedCount;
  }

  private async mutate(accountId: string, chatJid: string, change: (chat: ChatRecord) => ChatRecord, time: Date): Promise<ChatRecord> {
    const _id = idOf(accountId, chatJid);
    const found = await this.chats.findOne({ _id });
    const next = change(found ? fromDoc(found) : newChat(accountId, chatJid, time));
    await this.chats.replaceOne({ _id }, { ...next, sortTime: chatSortTime(next) }, { upsert: true });
    return next;
  }
}

function fromDoc(doc: ChatDocument): ChatRecord {
  const { _id, sortTime, ...chat } = doc;
  void _id;
  void sortTime;
  return chat;
}
