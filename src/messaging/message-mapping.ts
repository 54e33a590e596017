import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { proto } from "@whiskeysockets/baileys";
import {
  MessageSchema,
  MessageStatus,
  MessageType,
  type MediaRef as WireMediaRef,
  type Message,
} from "../../gen/wildcat/v1/message_pb.js";
import type { Jid as WireJid } from "../../gen/wildcat/v1/jid_pb.js";
import { MediaSchema, MediaSource, type Media } from "../../gen/wildcat/v1/media_pb.js";
import type { MediaRecord } from "../store/media.js";
import type { Jid, MediaRef, MessageRecord, MessageStatus as StoredStatus, MessageType as StoredType } from "../store/messages.js";
import { describeContent } from "./wa-content.js";

export const WIRE_TYPES: Record<StoredType, MessageType> = {
  text: MessageType.TEXT,
  image: MessageType.IMAGE,
  video: MessageType.VIDEO,
  audio: MessageType.AUDIO,
  voice_note: MessageType.VOICE_NOTE,
  document: MessageType.DOCUMENT,
  sticker: MessageType.STICKER,
  location: MessageType.LOCATION,
  contacts: MessageType.CONTACTS,
  reaction: MessageType.REACTION,
  poll: MessageType.POLL,
  poll_vote: MessageType.POLL_VOTE,
  other: MessageType.OTHER,
};

/** The stored type of a wire type (UNSPECIFIED has none: the proto's rules keep it out). */
export const STORED_MESSAGE_TYPES = Object.fromEntries(Object.entries(WIRE_TYPES).map(([k, v]) => [v, k])) as Record<MessageType, StoredType>;

export const WIRE_STATUSES: Record<StoredStatus, MessageStatus> = {
  pending: MessageStatus.PENDING,
  server_ack: MessageStatus.SERVER_ACK,
  delivered: MessageStatus.DELIVERED,
  read: MessageStatus.READ,
  played: MessageStatus.PLAYED,
  failed: MessageStatus.FAILED,
};

export function toWireJid(j: Jid): WireJid {
  return { $typeName: "wildcat.v1.Jid", jid: j.jid, pnJid: j.pn ?? "", lidJid: j.lid ?? "" };
}

/** The wire form of a stored file. */
export function toWireMediaRecord(m: MediaRecord): Media {
  return create(MediaSchema, {
    mediaId: m.mediaId,
    accountId: m.accountId,
    mimeType: m.mimeType,
    fileName: m.fileName ?? "",
    sizeBytes: BigInt(m.sizeBytes),
    sha256: m.sha256,
    source: m.source === "upload" ? MediaSource.UPLOAD : MediaSource.INBOUND,
    messageId: m.messageId ?? "",
    downloadPath: `/media/${m.mediaId}`,
    createTime: timestampFromDate(m.createTime),
  });
}

export function toWireMedia(m: MediaRef): WireMediaRef {
  return {
    $typeName: "wildcat.v1.MediaRef",
    mediaId: m.mediaId,
    mimeType: m.mimeType,
    sizeBytes: BigInt(m.sizeBytes),
    sha256: m.sha256,
    fileName: m.fileName ?? "",
    downloadPath: m.mediaId ? `/media/${m.mediaId}` : "",
  };
}

/**
 * The wire form of a stored message. Content, mentions and the quoted id are read from the
 * raw WhatsApp message, so they are described by the same code for every direction.
 */
export function toWireMessage(record: MessageRecord): Message {
  const raw = record.rawMessage ? proto.WebMessageInfo.decode(record.rawMessage) : undefined;
  const described = describeContent(raw?.message);
  const deleted = record.deleteTime !== undefined;
  const text = deleted ? "" : (record.edit?.text ?? record.text ?? "");
  const content = deleted ? undefined : described.content;
  if (content && record.media?.mediaId && "mediaId" in (content.content.value ?? {})) {
    (content.content.value as { mediaId: string }).mediaId = record.media.mediaId;
  }
  if (content?.content.case === "pollVote") content.content.value.selectedOptions = pollVoteOptions(text);
  return create(MessageSchema, {
    accountId: record.key.accountId,
    messageId: record.key.messageId,
    chat: toWireJid(record.chat),
    from: record.from && toWireJid(record.from),
    fromMe: record.key.fromMe,
    timestamp: timestampFromDate(record.timestamp),
    type: WIRE_TYPES[record.type],
    text,
    hasMedia: record.hasMedia && !deleted,
    media: record.media && !deleted ? toWireMedia(record.media) : undefined,
    content,
    replyToMessageId: described.replyToMessageId ?? "",
    mentions: described.mentions.map((jid) => ({ jid })),
    // Received messages count as delivered (to this account) until it reads them.
    status: record.status ? WIRE_STATUSES[record.status] : record.key.fromMe ? MessageStatus.UNSPECIFIED : MessageStatus.DELIVERED,
    statusHistory: record.statusHistory.map((s) => ({ status: WIRE_STATUSES[s.status], time: timestampFromDate(s.time) })),
    edited: record.edit !== undefined,
    editTime: record.edit && timestampFromDate(record.edit.time),
    deleted,
    deleteTime: record.deleteTime && timestampFromDate(record.deleteTime),
    reactions: record.reactions.map((r) => ({ from: toWireJid(r.from), emoji: r.emoji, time: timestampFromDate(r.time) })),
    rawMessage: record.rawMessage,
    starred: record.starred ?? false,
    fromHistory: record.fromHistory === true,
  });
}

/** A poll vote's chosen options are stored as its text, one per line. */
export const pollVoteText = (options: string[]) => options.join("\n");
const pollVoteOptions = (text: string) => (text === "" ? [] : text.split("\n"));
