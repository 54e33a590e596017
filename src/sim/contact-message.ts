import { getContentType, jidNormalizedUser, normalizeMessageContent, proto, type WAMessage } from "@whiskeysockets/baileys";

/** What kind of message a simulated contact received (the names follow wildcat.v1.MessageType, plus edit and revoke). */
export type ContactMessageKind =
  | "text"
  | "image"
  | "video"
  | "audio"
  | "voice_note"
  | "document"
  | "sticker"
  | "location"
  | "contacts"
  | "reaction"
  | "poll"
  | "poll_vote"
  | "edit"
  | "revoke"
  | "other";

/** A message a simulated contact received, described for tests and the sandbox API. */
export interface ContactMessage {
  /** The chat: the sender for a direct message, the group (`…@g.us`) for a group message. */
  chatJid: string;
  /** The sender's JID (user level), in the addressing the message came in (phone number or LID). */
  fromJid: string;
  messageId: string;
  kind: ContactMessageKind;
  /** WhatsApp's name of the content after unwrapping (ephemeral, view once, document with caption), e.g. "extendedTextMessage". */
  type: string;
  /** Text, caption, reaction emoji, poll question, edited text, place name or card name; undefined when the kind has none. */
  text?: string;
  /** Seconds since the epoch, as the server stamped it. */
  timestamp: number;
  /** The message this one quotes (a reply). */
  replyToMessageId?: string;
  /** The message a reaction, edit, revoke or poll vote is about. */
  targetMessageId?: string;
  /** JIDs mentioned in the text or caption. */
  mentions?: string[];
  /** What the sender declared about the file of a media message. */
  media?: { mimetype?: string; fileName?: string; fileLength?: number; seconds?: number };
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  contacts?: { displayName: string; vcard: string }[];
  poll?: { name: string; options: string[]; selectableCount: number };
  /** For a poll vote the contact could decrypt (it holds the poll): the option names chosen; empty = vote withdrawn. */
  votes?: string[];
}

type Content = proto.IMessage;

/** The content that carries the context info (quote, mentions) of any message kind. */
function contextInfoOf(content: Content, type: string): proto.IContextInfo | undefined {
  const inner = (content as Record<string, unknown>)[type];
  return inner && typeof inner === "object" && "contextInfo" in inner ? (inner.contextInfo as proto.IContextInfo | null) ?? undefined : undefined;
}

/** Text or caption of a content (also used for the new content of an edit). */
function textOf(content: Content | null | undefined): string | undefined {
  const c = normalizeMessageContent(content ?? undefined);
  return (
    c?.conversation ??
    c?.extendedTextMessage?.text ??
    c?.imageMessage?.caption ??
    c?.videoMessage?.caption ??
    c?.documentMessage?.caption ??
    undefined
  );
}

const POLL_TYPES = ["pollCreationMessage", "pollCreationMessageV2", "pollCreationMessageV3"] as const;

/** The poll a content creates, if it is a poll. */
export function pollOf(content: Content | null | undefined): proto.Message.IPollCreationMessage | undefined {
  const c = normalizeMessageContent(content ?? undefined);
  for (const type of POLL_TYPES) if (c?.[type]) return c[type]!;
  return undefined;
}

function kindOf(c: Content, type: string): ContactMessageKind {
  switch (type) {
    case "conversation":
    case "extendedTextMessage":
      return "text";
    case "imageMessage":
      return "image";
    case "videoMessage":
    case "ptvMessage":
      return "video";
    case "audioMessage":
      return c.audioMessage?.ptt ? "voice_note" : "audio";
    case "documentMessage":
      return "document";
    case "stickerMessage":
      return "sticker";
    case "locationMessage":
    case "liveLocationMessage":
      return "location";
    case "contactMessage":
    case "contactsArrayMessage":
      return "contacts";
    case "reactionMessage":
      return "reaction";
    case "pollUpdateMessage":
      return "poll_vote";
    case "protocolMessage": {
      const t = c.protocolMessage?.type;
      if (t === proto.Message.ProtocolMessage.Type.REVOKE) return "revoke";
      if (t === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT) return "edit";
      return "other";
    }
    default:
      return (POLL_TYPES as readonly string[]).includes(type) ? "poll" : "other";
  }
}

/** Describes a received message; `votes` is the decrypted choice when it is a poll vote the contact could open. */
export function describeMessage(m: WAMessage, votes?: string[]): ContactMessage {
  const c = normalizeMessageContent(m.message) ?? {};
  const type = getContentType(c) ?? "unknown";
  const kind = kindOf(c, type);
  const out: ContactMessage = {
    chatJid: jidNormalizedUser(m.key.remoteJid!),
    fromJid: jidNormalizedUser(m.key.participant || m.key.remoteJid!),
    messageId: m.key.id!,
    kind,
    type,
    timestamp: Number(m.messageTimestamp ?? 0),
  };
  const context = contextInfoOf(c, type);
  if (context?.stanzaId) out.replyToMessageId = context.stanzaId;
  if (context?.mentionedJid?.length) out.mentions = [...context.mentionedJid];
  switch (kind) {
    case "text":
      out.text = textOf(c);
      break;
    case "image":
    case "video":
    case "audio":
    case "voice_note":
    case "document":
    case "sticker": {
      const media = (c as Record<string, proto.Message.IDocumentMessage & proto.Message.IAudioMessage>)[type]!;
      out.text = textOf(c);
      out.media = {
        mimetype: media.mimetype ?? undefined,
        fileName: media.fileName ?? undefined,
        fileLength: media.fileLength == null ? undefined : Number(media.fileLength),
        seconds: media.seconds ?? undefined,
      };
      break;
    }
    case "location": {
      const l = c.locationMessage ?? c.liveLocationMessage!;
      out.text = ("name" in l ? l.name : undefined) ?? undefined;
      out.location = {
        latitude: l.degreesLatitude ?? 0,
        longitude: l.degreesLongitude ?? 0,
        name: ("name" in l ? l.name : undefined) ?? undefined,
        address: ("address" in l ? l.address : undefined) ?? undefined,
      };
      break;
    }
    case "contacts": {
      const cards = c.contactMessage ? [c.contactMessage] : (c.contactsArrayMessage?.contacts ?? []);
      out.text = c.contactMessage?.displayName ?? c.contactsArrayMessage?.displayName ?? undefined;
      out.contacts = cards.map((card) => ({ displayName: card.displayName ?? "", vcard: card.vcard ?? "" }));
      break;
    }
    case "reaction":
      out.text = c.reactionMessage!.text ?? "";
      out.targetMessageId = c.reactionMessage!.key?.id ?? undefined;
      break;
    case "poll": {
      const poll = pollOf(c)!;
      out.text = poll.name ?? undefined;
      out.poll = {
        name: poll.name ?? "",
        options: (poll.options ?? []).map((o) => o.optionName ?? ""),
        selectableCount: poll.selectableOptionsCount ?? 0,
      };
      break;
    }
    case "poll_vote":
      out.targetMessageId = c.pollUpdateMessage!.pollCreationMessageKey?.id ?? undefined;
      if (votes) out.votes = votes;
      break;
    case "edit":
      out.text = textOf(c.protocolMessage!.editedMessage);
      out.targetMessageId = c.protocolMessage!.key?.id ?? undefined;
      break;
    case "revoke":
      out.targetMessageId = c.protocolMessage!.key?.id ?? undefined;
      break;
  }
  return out;
}
