import { KeyedMutex } from "../store/keyed-mutex.js";
import { randomUUID } from "node:crypto";
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type ChatUpdate, isLidUser, jidNormalizedUser, type WASocket } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import { type ChatChangeSchema, EventSchema } from "../../gen/wildcat/v1/event_pb.js";
import type { Clock } from "../clock.js";
import { WIRE_EVENT_TYPES } from "../events/event-types.js";
import { toChat } from "../services/chat-service.js";
import type { ChatPatch, ChatRecord, ChatStore } from "../store/chats.js";
import type { EventLog } from "../store/events.js";
import type { MessageRecord, MessageStore } from "../store/messages.js";

/** WhatsApp's "muted forever" (muteEndTimestamp -1) as a time: the last one a Timestamp can hold. */
export const MUTED_FOREVER = new Date("9999-12-31T23:59:59Z");

/** The Chat fields each patch key changes, as ChatChange.changed_fields names them. */
const FIELD_NAMES: Record<keyof ChatPatch, string> = {
  name: "name",
  unreadCount: "unread_count",
  archived: "archived",
  pinTime: "pin_time",
  muteUntil: "mute_end_time",
  markedUnread: "marked_unread",
  fromHistory: "from_history",
};

export interface ChatSyncDeps {
  chats: ChatStore;
  messages: MessageStore;
  events: EventLog;
  clock: Clock;
  logger: Logger;
}

/**
 * Keeps the chat store in step with WhatsApp's app state: chat actions made through ChatService
 * (once WhatsApp took them) and those Baileys reports from the phone or other devices
 * (`chats.update`, `chats.delete`, `messages.update` with `starred`). Every change is stored, then
 * appended to the event log (CHAT_UPDATED, CHAT_DELETED, MESSAGE_STARRED).
 */
export class ChatSync {
  /** One chain per account, so updates of one account apply in the order Baileys reported them. */
  /** WhatsApp's updates of one account, stored one at a time in the order they came. */
  private readonly queue = new KeyedMutex();

  constructor(private readonly deps: ChatSyncDeps) {}

  /** Follows a connected socket's chat updates (Baileys does not echo our own: emitOwnEvents is off). */
  attach(accountId: string, sock: WASocket): void {
    sock.ev.on("chats.update", (updates) => this.serial(accountId, () => this.onChatUpdates(accountId, sock, updates)));
    sock.ev.on("chats.delete", (jids) =>
      this.serial(accountId, async () => {
        for (const jid of jids) await this.remove(accountId, await chatJidOf(sock, jid), true);
      }),
    );
    sock.ev.on("messages.update", (updates) =>
      this.serial(accountId, async () => {
        for (const { key, update } of updates) {
          if (typeof update.starred !== "boolean" || !key.remoteJid || !key.id) continue;
          await this.star(accountId, await chatJidOf(sock, key.remoteJid), key.id, !!key.fromMe, update.starred, true);
        }
      }),
    );
  }

  private serial(accountId: string, work: () => Promise<void>): void {
    this.queue.run(accountId, work).catch((err: unknown) => this.deps.logger.warn({ err, accountId }, "chat update from WhatsApp not stored"));
  }

  private async onChatUpdates(accountId: string, sock: WASocket, updates: Partial<ChatUpdate>[]): Promise<void> {
    for (const u of updates) {
      if (!u.id) continue;
      const patch = patchOf(u);
      if (Object.keys(patch).length === 0) continue;
      await this.apply(accountId, await chatJidOf(sock, u.id), patch, true);
    }
  }

  /** Stores a change of a chat and announces what it changed; returns the chat after it. */
  async apply(accountId: string, chatJid: string, patch: ChatPatch, fromWhatsapp: boolean): Promise<ChatRecord> {
    const before = await this.deps.chats.get(accountId, chatJid);
    const after = await this.deps.chats.update(accountId, chatJid, patch, this.deps.clock.now());
    const changed = (Object.keys(patch) as (keyof ChatPatch)[]).filter((k) => !sameValue(before?.[k], after[k]));
    if (changed.length) {
      await this.append(accountId, "chat_updated", chatJid, { chat: toChat(after), changedFields: changed.map((k) => FIELD_NAMES[k]), fromWhatsapp });
    }
    return after;
  }

  /** Removes a chat from the list and announces it; false when the gateway did not have it. */
  async remove(accountId: string, chatJid: string, fromWhatsapp: boolean): Promise<boolean> {
    const before = await this.deps.chats.get(accountId, chatJid);
    if (!before || !(await this.deps.chats.delete(accountId, chatJid))) return false;
    await this.append(accountId, "chat_deleted", chatJid, { chat: toChat(before), fromWhatsapp });
    return true;
  }

  /** Stars or unstars a stored message and announces it; undefined when the message is not stored. */
  async star(accountId: string, chatJid: string, messageId: string, fromMe: boolean, starred: boolean, fromWhatsapp: boolean): Promise<MessageRecord | undefined> {
    const found = (await this.deps.messages.findById(accountId, messageId, fromMe)).find((m) => m.key.chatJid === chatJid || m.chat.pn === chatJid || m.chat.lid === chatJid);
    if (!found) {
      this.deps.logger.debug({ accountId, chatJid, messageId }, "star for a message not stored: ignored");
      return undefined;
    }
    await this.deps.messages.setStarred(found.key, starred);
    const record = { ...found, starred };
    const chat = await this.deps.chats.get(accountId, found.key.chatJid);
    await this.append(accountId, "message_starred", found.key.chatJid, {
      chat: chat ? toChat(chat) : { jid: { jid: found.key.chatJid } },
      fromWhatsapp,
      messageId,
      fromMe,
      starred,
    });
    return record;
  }

  private async append(
    accountId: string,
    type: "chat_updated" | "chat_deleted" | "message_starred",
    chatJid: string,
    change: MessageInitShape<typeof ChatChangeSchema>,
  ): Promise<void> {
    const eventId = randomUUID();
    const now = this.deps.clock.now();
    const event = create(EventSchema, {
      eventId,
      type: WIRE_EVENT_TYPES[type],
      accountId,
      createTime: timestampFromDate(now),
      payload: { case: "chatChange", value: change },
    });
    await this.deps.events.append({ eventId, accountId, type, chatJid, createTime: now, payload: toBinary(EventSchema, event) });
  }
}

/** What a Baileys chat update says about the fields chat actions change; nothing else. */
export function patchOf(u: Partial<ChatUpdate>): ChatPatch {
  const patch: ChatPatch = {};
  if (typeof u.archived === "boolean") patch.archived = u.archived;
  if (u.pinned !== undefined) patch.pinTime = u.pinned ? new Date(Number(u.pinned)) : undefined;
  if (u.muteEndTime !== undefined) {
    const end = u.muteEndTime === null ? undefined : Number(u.muteEndTime);
    patch.muteUntil = end === undefined || end === 0 ? undefined : end < 0 ? MUTED_FOREVER : new Date(end);
  }
  // markChatAsRead: -1 is "marked unread", 0 "read" (positive counts are messages, counted elsewhere)
  if (u.unreadCount === -1) patch.markedUnread = true;
  else if (u.unreadCount === 0) Object.assign(patch, { markedUnread: false, unreadCount: 0 });
  return patch;
}

/** The chat's JID as the store keys it: the phone-number form when WhatsApp named a LID we can map. */
async function chatJidOf(sock: WASocket, jid: string): Promise<string> {
  const normalized = jidNormalizedUser(jid);
  if (!isLidUser(normalized)) return normalized;
  const pn = await sock.signalRepository.lidMapping.getPNForLID(normalized).catch(() => undefined);
  return pn ? jidNormalizedUser(pn) : normalized;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}
