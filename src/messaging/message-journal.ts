import { createHash } from "node:crypto";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { EventSchema } from "../../gen/wildcat/v1/event_pb.js";
import type { Message } from "../../gen/wildcat/v1/message_pb.js";
import type { Clock } from "../clock.js";
import { WIRE_EVENT_TYPES } from "../events/event-types.js";
import type { EventLog, EventType as StoredEventType } from "../store/events.js";
import type { MessageKey, MessageRecord, MessageStore, NewMessage, Reaction, StatusChange } from "../store/messages.js";
import type { MediaRecord } from "../store/media.js";
import type { ChatStore } from "../store/chats.js";
import { toWireJid, toWireMediaRecord, toWireMessage, WIRE_STATUSES } from "./message-mapping.js";

type Payload = MessageInitShape<typeof EventSchema>["payload"];

/**
 * Every change to a message goes through here: stored first, then appended to the event
 * log, so nothing is announced that is not stored. Event ids are derived from what the
 * event describes, so handling the same WhatsApp input twice (a redelivery, or a retry
 * after a crash between the two writes) appends it once.
 */
export class MessageJournal {
  constructor(
    private readonly messages: MessageStore,
    private readonly events: EventLog,
    private readonly clock: Clock,
    /** When given, each newly stored message moves its chat's last message and unread count. */
    private readonly chats?: ChatStore,
  ) {}

  /** Stores a new message and announces it; a redelivery returns the stored one, announced once. */
  async add(message: NewMessage, type: "message_received" | "message_sent"): Promise<Message> {
    const { created } = await this.messages.upsert(message);
    const record = await this.mustGet(message.key);
    if (created && this.chats) {
      const countUnread = type === "message_received" && !message.key.fromMe;
      await this.chats.noteMessage(message.key.accountId, message.key.chatJid, { messageId: message.key.messageId, time: message.timestamp, countUnread }, this.clock.now());
    }
    const wire = toWireMessage(record);
    await this.append(type, message.key, ["add"], { case: "message", value: wire });
    return wire;
  }

  /**
   * Stores a message from WhatsApp's history sync (marked as such) without announcing it, so a
   * large history raises no MESSAGE_RECEIVED storm; false when it was already stored (e.g. it
   * arrived live first), which changes nothing. The chat's unread count is left to the history's own.
   */
  async addFromHistory(message: NewMessage): Promise<boolean> {
    const { created } = await this.messages.upsert({ ...message, fromHistory: true });
    if (created && this.chats) {
      await this.chats.noteMessage(message.key.accountId, message.key.chatJid, { messageId: message.key.messageId, time: message.timestamp, countUnread: false }, this.clock.now());
    }
    return created;
  }

  async status(key: MessageKey, change: StatusChange, participant?: string): Promise<void> {
    await this.messages.addStatus(key, change);
    await this.append("message_status_changed", key, ["status", change.status, participant ?? ""], {
      case: "statusUpdate",
      value: {
        chat: { jid: key.chatJid },
        messageId: key.messageId,
        fromMe: key.fromMe,
        status: WIRE_STATUSES[change.status],
        participant: participant ? { jid: participant } : undefined,
        time: timestampFromDate(change.time),
      },
    });
  }

  /** `editId` names this edit (the id of the protocol message that carried it). */
  async edited(key: MessageKey, edit: { time: Date; text?: string }, editId: string): Promise<Message | undefined> {
    await this.messages.markEdited(key, edit);
    return this.announceChange("message_edited", key, ["edit", editId]);
  }

  async deleted(key: MessageKey, time: Date): Promise<Message | undefined> {
    await this.messages.markDeleted(key, time);
    return this.announceChange("message_deleted", key, ["delete"]);
  }

  /** `reactionId` is the id of the reaction message. */
  async reaction(key: MessageKey, reaction: Reaction, reactionId: string): Promise<void> {
    await this.messages.setReaction(key, reaction);
    await this.append("message_reaction", key, ["reaction", reactionId], {
      case: "reaction",
      value: {
        chat: { jid: key.chatJid },
        messageId: key.messageId,
        fromMe: key.fromMe,
        reaction: { from: toWireJid(reaction.from), emoji: reaction.emoji, time: timestampFromDate(reaction.time) },
      },
    });
  }

  /** The file of a received message is stored: the message references it, then MEDIA_READY. */
  async mediaReady(key: MessageKey, media: MediaRecord): Promise<void> {
    const ref = { mediaId: media.mediaId, mimeType: media.mimeType, sizeBytes: media.sizeBytes, sha256: media.sha256, fileName: media.fileName };
    if (!(await this.messages.setMedia(key, ref))) return; // the message was deleted meanwhile
    await this.append("media_ready", key, ["media"], { case: "media", value: toWireMediaRecord(media) });
  }

  /** Announces the message after a change, when it is stored (an update may precede its message). */
  private async announceChange(type: StoredEventType, key: MessageKey, what: string[]): Promise<Message | undefined> {
    const record = await this.messages.get(key);
    if (!record) return undefined;
    const wire = toWireMessage(record);
    await this.append(type, key, what, { case: "message", value: wire });
    return wire;
  }

  private async append(type: StoredEventType, key: MessageKey, what: string[], payload: Payload): Promise<void> {
    const eventId = eventIdOf([key.accountId, key.chatJid, key.messageId, String(key.fromMe), key.participant ?? "", ...what]);
    const now = this.clock.now();
    const event = create(EventSchema, { eventId, type: WIRE_EVENT_TYPES[type], accountId: key.accountId, createTime: timestampFromDate(now), payload });
    await this.events.append({ eventId, accountId: key.accountId, type, chatJid: key.chatJid, createTime: now, payload: toBinary(EventSchema, event) });
  }

  private async mustGet(key: MessageKey): Promise<MessageRecord> {
    const record = await this.messages.get(key);
    if (!record) throw new Error(`message ${key.messageId} vanished right after it was stored`);
    return record;
  }
}

/** A UUID-shaped id derived from the parts (SHA-256), stable across processes and restarts. */
export function eventIdOf(parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
