import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { getContentType, normalizeMessageContent, proto } from "@whiskeysockets/baileys";
import { MessageContentSchema, type MessageContent } from "../../gen/wildcat/v1/message_pb.js";
import type { MediaRef, MessageType } from "../store/messages.js";

/** What Wildcat reads out of one WhatsApp message content: the single place that knows WAProto's shapes. */
export interface DescribedContent {
  type: MessageType;
  /** Text, or the caption of a media message. */
  text?: string;
  /** The file as WhatsApp describes it; `mediaId` stays empty until the bytes are stored. */
  media?: MediaRef;
  content?: MessageContent;
  /** Id of the quoted message, for replies. */
  replyToMessageId?: string;
  mentions: string[];
}

type MediaMessage = {
  mimetype?: string | null;
  fileLength?: number | Long | null;
  fileSha256?: Uint8Array | null;
  fileName?: string | null;
  contextInfo?: proto.IContextInfo | null;
};
type Long = { toNumber(): number };

function mediaRef(m: MediaMessage, fallbackMime: string): MediaRef {
  const ref: MediaRef = {
    mediaId: "",
    mimeType: m.mimetype || fallbackMime,
    sizeBytes: m.fileLength == null ? 0 : Number(m.fileLength),
    sha256: m.fileSha256 ? Buffer.from(m.fileSha256).toString("hex") : "",
  };
  if (m.fileName) ref.fileName = m.fileName;
  return ref;
}

const content = (init: MessageInitShape<typeof MessageContentSchema>["content"]) => create(MessageContentSchema, { content: init });

/**
 * Describes a message's content for storage and the API. Wrappers (ephemeral, view once,
 * document with caption, …) are unwrapped first. Protocol messages (edits, revokes)
 * are handled by the caller before this; anything unknown is "other". Keys inside reactions are
 * from the account's side (Baileys rewrites received ones so).
 */
export function describeContent(message: proto.IMessage | null | undefined): DescribedContent {
  const m = normalizeMessageContent(message);
  const kind = m ? getContentType(m) : undefined;
  const context = kind && m ? ((m[kind] as { contextInfo?: proto.IContextInfo | null } | null)?.contextInfo ?? undefined) : undefined;
  const base = {
    replyToMessageId: context?.stanzaId ?? undefined,
    mentions: context?.mentionedJid ?? [],
  };
  switch (kind) {
    case "conversation":
      return { ...base, type: "text", text: m!.conversation!, content: content({ case: "text", value: { body: m!.conversation! } }) };
    case "extendedTextMessage": {
      const text = m!.extendedTextMessage!.text ?? "";
      return { ...base, type: "text", text, content: content({ case: "text", value: { body: text } }) };
    }
    case "imageMessage": {
      const img = m!.imageMessage!;
      return { ...base, type: "image", text: img.caption ?? undefined, media: mediaRef(img, "image/jpeg"), content: content({ case: "image", value: { caption: img.caption ?? "" } }) };
    }
    case "videoMessage": {
      const v = m!.videoMessage!;
      return {
        ...base,
        type: "video",
        text: v.caption ?? undefined,
        media: mediaRef(v, "video/mp4"),
        content: content({ case: "video", value: { caption: v.caption ?? "", gifPlayback: v.gifPlayback ?? false } }),
      };
    }
    case "audioMessage": {
      const a = m!.audioMessage!;
      const voiceNote = a.ptt === true;
      return { ...base, type: voiceNote ? "voice_note" : "audio", media: mediaRef(a, "audio/ogg"), content: content({ case: "audio", value: { voiceNote } }) };
    }
    case "documentMessage": {
      const d = m!.documentMessage!;
      return {
        ...base,
        type: "document",
        text: d.caption ?? undefined,
        media: mediaRef(d, "application/octet-stream"),
        content: content({ case: "document", value: { fileName: d.fileName ?? "", caption: d.caption ?? "" } }),
      };
    }
    case "stickerMessage":
      return { ...base, type: "sticker", media: mediaRef(m!.stickerMessage!, "image/webp"), content: content({ case: "sticker", value: {} }) };
    case "locationMessage": {
      const l = m!.locationMessage!;
      return {
        ...base,
        type: "location",
        content: content({
          case: "location",
          value: { latitude: l.degreesLatitude ?? 0, longitude: l.degreesLongitude ?? 0, name: l.name ?? "", address: l.address ?? "" },
        }),
      };
    }
    case "contactMessage": {
      const c = m!.contactMessage!;
      return { ...base, type: "contacts", content: content({ case: "contacts", value: { contacts: [{ displayName: c.displayName ?? "", vcard: c.vcard ?? "" }] } }) };
    }
    case "contactsArrayMessage": {
      const cs = m!.contactsArrayMessage!.contacts ?? [];
      return {
        ...base,
        type: "contacts",
        content: content({ case: "contacts", value: { contacts: cs.map((c) => ({ displayName: c.displayName ?? "", vcard: c.vcard ?? "" })) } }),
      };
    }
    case "pollCreationMessage":
    case "pollCreationMessageV2":
    case "pollCreationMessageV3": {
      const p = m![kind]!;
      return {
        ...base,
        type: "poll",
        text: p.name ?? undefined,
        content: content({
          case: "poll",
          value: { name: p.name ?? "", options: (p.options ?? []).map((o) => o.optionName ?? ""), selectableCount: p.selectableOptionsCount ?? 0 },
        }),
      };
    }
    case "reactionMessage": {
      const r = m!.reactionMessage!;
      const emoji = r.text ?? "";
      return {
        ...base,
        type: "reaction",
        text: emoji,
        content: content({ case: "reaction", value: { messageId: r.key?.id ?? "", fromMe: r.key?.fromMe === true, participantJid: r.key?.participant ?? "", emoji } }),
      };
    }
    case "pollUpdateMessage":
      // The vote itself is encrypted; the caller decrypts it and stores the chosen options as text.
      return {
        ...base,
        type: "poll_vote",
        content: content({ case: "pollVote", value: { pollMessageId: m!.pollUpdateMessage!.pollCreationMessageKey?.id ?? "" } }),
      };
    default:
      return { ...base, type: "other" };
  }
}

/** The inner message of a poll creation, whichever version WhatsApp used. */
export function pollCreation(message: proto.IMessage | null | undefined): proto.Message.IPollCreationMessage | undefined {
  const m = normalizeMessageContent(message);
  return m?.pollCreationMessage ?? m?.pollCreationMessageV2 ?? m?.pollCreationMessageV3 ?? undefined;
}
