import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { proto, type BaileysEventMap, type WASocket } from "@whiskeysockets/baileys";
import { EventSchema, HistorySyncKind } from "../../gen/wildcat/v1/event_pb.js";
import type { Clock } from "../clock.js";
import { WIRE_EVENT_TYPES } from "../events/event-types.js";
import type { Logger } from "../logger.js";
import type { ChatPatch, ChatStore } from "../store/chats.js";
import type { EventLog } from "../store/events.js";
import type { NewMessage } from "../store/messages.js";
import type { HistorySyncPolicy } from "../store/store.js";
import { eventIdOf, type MessageJournal } from "./message-journal.js";

export type HistoryBatch = BaileysEventMap["messaging-history.set"];

export interface HistoryImportDeps {
  journal: MessageJournal;
  chats: ChatStore;
  events: EventLog;
  clock: Clock;
  logger: Logger;
  /** The account's history policy (its own, else the server default), with the window resolved. */
  policy(accountId: string): Promise<HistorySyncPolicy>;
  /** A WhatsApp message as the gateway stores it; undefined for what it does not store (protocol messages, key shares). */
  toStored(accountId: string, sock: WASocket, msg: proto.IWebMessageInfo): Promise<NewMessage | undefined>;
  /** A chat JID in the form messages are stored under (phone-number form when known). */
  chatJid(sock: WASocket, jid: string): Promise<string>;
  /** Stores the people a batch names (the contact list); without it only chat names are kept. */
  contacts?(accountId: string, sock: WASocket, contacts: HistoryBatch["contacts"]): Promise<void>;
}

const KINDS: Partial<Record<proto.HistorySync.HistorySyncType, HistorySyncKind>> = {
  [proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP]: HistorySyncKind.INITIAL_BOOTSTRAP,
  [proto.HistorySync.HistorySyncType.RECENT]: HistorySyncKind.RECENT,
  [proto.HistorySync.HistorySyncType.FULL]: HistorySyncKind.FULL,
  [proto.HistorySync.HistorySyncType.PUSH_NAME]: HistorySyncKind.PUSH_NAME,
  [proto.HistorySync.HistorySyncType.ON_DEMAND]: HistorySyncKind.ON_DEMAND,
};

/**
 * Stores a batch of the history WhatsApp sends (Baileys' `messaging-history.set`): its messages
 * through the same idempotent journal as live traffic (a message already stored, e.g. live, stays
 * one), its chats with their names and unread counts, all within the account's policy. It raises
 * no MESSAGE_RECEIVED per message: one HISTORY_SYNCED event summarises the batch.
 */
export class HistoryImport {
  constructor(private readonly deps: HistoryImportDeps) {}

  async import(accountId: string, sock: WASocket, batch: HistoryBatch): Promise<void> {
    const { journal, chats, clock, logger } = this.deps;
    const policy = await this.deps.policy(accountId);
    const syncType = batch.syncType ?? undefined;
    if (policy.mode === "none") {
      logger.info({ accountId, syncType, messages: batch.messages.length, chats: batch.chats.length }, "history not stored: the account's policy is none");
      await this.announce(accountId, batch, { stored: 0, skipped: batch.messages.length, chats: 0 });
      return;
    }
    const cutoff = policy.mode === "recent" ? clock.now().getTime() - policy.recentDays * 86_400_000 : -Infinity;
    const onDemand = syncType === proto.HistorySync.HistorySyncType.ON_DEMAND;
    let stored = 0;
    let skipped = 0;
    let oldest: Date | undefined;
    let newest: Date | undefined;
    const keptChats = new Set<string>();
    // chats that did not exist before this batch: they are marked as coming from history
    const newChats = new Set<string>();
    const noteChat = async (chatJid: string) => {
      if (keptChats.has(chatJid)) return;
      keptChats.add(chatJid);
      if (!(await chats.get(accountId, chatJid))) newChats.add(chatJid);
    };
    for (const msg of batch.messages) {
      const message = await this.deps.toStored(accountId, sock, msg);
      if (!message || message.timestamp.getTime() < cutoff) {
        skipped++;
        continue;
      }
      await noteChat(message.key.chatJid);
      if (!(await journal.addFromHistory(message))) {
        skipped++; // already stored, live or from an earlier batch
        continue;
      }
      stored++;
      if (!oldest || message.timestamp < oldest) oldest = message.timestamp;
      if (!newest || message.timestamp > newest) newest = message.timestamp;
    }
    const names = new Map<string, string>();
    for (const contact of batch.contacts) {
      const name = contact.name || contact.notify;
      if (contact.id && name) names.set(await this.deps.chatJid(sock, contact.id), name);
    }
    const patched = new Set<string>();
    for (const chat of batch.chats) {
      if (!chat.id) continue;
      const chatJid = await this.deps.chatJid(sock, chat.id);
      patched.add(chatJid);
      const time = Number(chat.conversationTimestamp ?? 0) * 1000;
      if (!keptChats.has(chatJid) && !(time && time >= cutoff)) continue;
      await noteChat(chatJid);
      const patch: ChatPatch = {};
      const name = chat.name || chat.displayName || names.get(chatJid);
      if (name) patch.name = name;
      // the phone's unread count is the truth at bootstrap; an on-demand page of old messages does not change it
      if (!onDemand && chat.unreadCount != null) patch.unreadCount = Math.max(0, chat.unreadCount);
      if (newChats.has(chatJid)) patch.fromHistory = true;
      await chats.update(accountId, chatJid, patch, clock.now());
    }
    for (const chatJid of keptChats) {
      if (newChats.has(chatJid) && !patched.has(chatJid)) await chats.update(accountId, chatJid, { fromHistory: true }, clock.now());
    }
    // contact names (a PUSH_NAME batch) name the chats that have none yet
    for (const [chatJid, name] of names) {
      if (keptChats.has(chatJid)) continue;
      const chat = await chats.get(accountId, chatJid);
      if (chat && !chat.name) await chats.update(accountId, chatJid, { name }, clock.now());
    }
    if (batch.contacts.length && this.deps.contacts) await this.deps.contacts(accountId, sock, batch.contacts);
    logger.info({ accountId, syncType, stored, skipped, chats: keptChats.size, contacts: batch.contacts.length }, "history stored");
    await this.announce(accountId, batch, { stored, skipped, chats: keptChats.size, oldest, newest });
  }

  private async announce(
    accountId: string,
    batch: HistoryBatch,
    summary: { stored: number; skipped: number; chats: number; oldest?: Date; newest?: Date },
  ): Promise<void> {
    // the same batch delivered twice (a redelivered notification) is one event
    const ids = batch.messages.map((m) => `${m.key?.remoteJid}/${m.key?.id}/${m.key?.fromMe}`).sort();
    const chatIds = batch.chats.map((c) => c.id ?? "").sort();
    const contactIds = batch.contacts.map((c) => c.id).sort();
    const eventId = eventIdOf([accountId, "history", String(batch.syncType), String(batch.chunkOrder ?? ""), batch.peerDataRequestSessionId ?? "", ...ids, "|", ...chatIds, "|", ...contactIds]);
    const now = this.deps.clock.now();
    const event = create(EventSchema, {
      eventId,
      type: WIRE_EVENT_TYPES.history_synced,
      accountId,
      createTime: timestampFromDate(now),
      payload: {
        case: "historySynced",
        value: {
          kind: (batch.syncType == null ? undefined : KINDS[batch.syncType]) ?? HistorySyncKind.UNSPECIFIED,
          chatsStored: summary.chats,
          messagesStored: summary.stored,
          messagesSkipped: summary.skipped,
          oldestMessageTime: summary.oldest && timestampFromDate(summary.oldest),
          newestMessageTime: summary.newest && timestampFromDate(summary.newest),
          requestId: batch.peerDataRequestSessionId ?? "",
        },
      },
    });
    await this.deps.events.append({ eventId, accountId, type: "history_synced", createTime: now, payload: toBinary(EventSchema, event) });
  }
}
