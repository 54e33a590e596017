import type { Readable } from "node:stream";
import type { AnyMessageContent, WAMessageKey } from "@whiskeysockets/baileys";
import type { SendMessageRequest } from "../../gen/wildcat/v1/message_service_pb.js";
import type { MediaRecord } from "../store/media.js";

/** A stored file opened for sending. */
export interface OpenedMedia {
  record: MediaRecord;
  stream: Readable;
}

export interface OutboundParts {
  /** Opens an uploaded file of the sending account (throws a caller-facing error otherwise). */
  openMedia(mediaId: string, field: string): Promise<OpenedMedia>;
  /** The key of the message a reaction points at. */
  reactionKey: WAMessageKey;
  mentions: string[];
}

/**
 * Translates SendMessage's content into Baileys' message content. Media is given to
 * Baileys as a stream from the store, which it encrypts to a temporary file and uploads:
 * no file is held in memory here. Thumbnails, durations and waveforms are not computed
 * (they would need image and audio libraries); WhatsApp clients show the files without them.
 */
export async function buildContent(content: SendMessageRequest["content"], parts: OutboundParts): Promise<{ content: AnyMessageContent; media?: MediaRecord }> {
  const mentions = parts.mentions.length > 0 ? { mentions: parts.mentions } : {};
  switch (content.case) {
    case "text":
      return { content: { text: content.value.body, ...mentions } };
    case "image": {
      const m = await parts.openMedia(content.value.mediaId, "image.media_id");
      return { media: m.record, content: { image: { stream: m.stream }, mimetype: m.record.mimeType, caption: content.value.caption || undefined, jpegThumbnail: "", ...mentions } };
    }
    case "video": {
      const m = await parts.openMedia(content.value.mediaId, "video.media_id");
      return {
        media: m.record,
        content: { video: { stream: m.stream }, mimetype: m.record.mimeType, caption: content.value.caption || undefined, gifPlayback: content.value.gifPlayback, jpegThumbnail: "", ...mentions },
      };
    }
    case "audio": {
      const m = await parts.openMedia(content.value.mediaId, "audio.media_id");
      const ptt = content.value.voiceNote;
      return { media: m.record, content: { audio: { stream: m.stream }, mimetype: m.record.mimeType, ptt, seconds: 0, ...(ptt ? { waveform: new Uint8Array(0) } : {}) } };
    }
    case "document": {
      const m = await parts.openMedia(content.value.mediaId, "document.media_id");
      return {
        media: m.record,
        content: {
          document: { stream: m.stream },
          mimetype: m.record.mimeType,
          fileName: content.value.fileName || m.record.fileName || m.record.mediaId,
          caption: content.value.caption || undefined,
          ...mentions,
        },
      };
    }
    case "sticker": {
      const m = await parts.openMedia(content.value.mediaId, "sticker.media_id");
      return { media: m.record, content: { sticker: { stream: m.stream }, mimetype: m.record.mimeType } };
    }
    case "location":
      return {
        content: {
          location: {
            degreesLatitude: content.value.latitude,
            degreesLongitude: content.value.longitude,
            name: content.value.name || undefined,
            address: content.value.address || undefined,
          },
        },
      };
    case "contacts": {
      const cards = content.value.contacts;
      return {
        content: {
          contacts: {
            displayName: cards.length === 1 ? cards[0].displayName : `${cards.length} contacts`,
            contacts: cards.map((c) => ({ displayName: c.displayName, vcard: c.vcard })),
          },
        },
      };
    }
    case "reaction":
      return { content: { react: { text: content.value.emoji, key: parts.reactionKey } } };
    case "poll":
      return {
        content: {
          poll: { name: content.value.name, values: content.value.options, selectableCount: content.value.selectableCount },
          ...mentions,
        },
      };
    default:
      throw new Error("content is required");
  }
}
