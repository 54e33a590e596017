import { randomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { fileTypeFromBuffer } from "file-type";
import type { MediaMetadata } from "../../gen/wildcat/v1/media_pb.js";
import type { Clock } from "../clock.js";
import { MediaTooLargeError, type MediaRecord, type MediaStore } from "../store/media.js";
import { AlreadyExistsError } from "../store/store.js";

/** How many leading bytes the MIME sniffer looks at (file-type's own sample size). */
const SNIFF_BYTES = 4100;
const OCTET_STREAM = "application/octet-stream";

/** A new random media id (`[A-Za-z0-9_-]`, 22 characters). */
export function newMediaId(): string {
  return randomBytes(16).toString("base64url");
}

/**
 * Client uploads into the media store: declared size and sha256 verified, the size limit
 * enforced while bytes arrive, the declared MIME type checked against the bytes. The bytes
 * stream straight into {@link MediaStore.put}; only the first few KiB are held, to sniff.
 */
export class MediaIngest {
  constructor(
    private readonly store: MediaStore,
    private readonly clock: Clock,
    /** MEDIA_MAX_BYTES. */
    readonly maxBytes: number,
  ) {}

  /** Removes what stores begun before `startedBefore` and never finished left behind (their process died). */
  removeAbandoned(startedBefore: Date): Promise<number> {
    return this.store.cleanupOrphans(startedBefore);
  }

  /** Refuses, before any byte is read, a file whose declared size is over the limit. */
  checkDeclared(metadata: MediaMetadata): void {
    if (metadata.sizeBytes > BigInt(this.maxBytes)) {
      throw new ConnectError(`size_bytes ${metadata.sizeBytes} is over the limit of ${this.maxBytes} bytes`, Code.ResourceExhausted);
    }
  }

  /**
   * Stores `chunks` as a new upload. On any failure nothing of it remains in the store.
   * Errors: ResourceExhausted past the limit; InvalidArgument for a size, sha256 or MIME
   * type that contradicts the bytes; whatever `chunks` throws.
   */
  async ingest(metadata: MediaMetadata, mediaId: string, chunks: AsyncIterable<Uint8Array>): Promise<MediaRecord> {
    this.checkDeclared(metadata);
    const iterator = chunks[Symbol.asyncIterator]();
    const head: Uint8Array[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes < SNIFF_BYTES) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      head.push(next.value);
      headBytes += next.value.byteLength;
    }
    let mimeType: string;
    try {
      mimeType = await checkMimeType(metadata.mimeType, Buffer.concat(head).subarray(0, SNIFF_BYTES));
    } catch (e) {
      await iterator.return?.();
      throw e;
    }
    const declaredSize = metadata.sizeBytes > 0n ? Number(metadata.sizeBytes) : undefined;
    let size = 0;
    const counted = async function* (): AsyncGenerator<Uint8Array> {
      const rest: Iterable<Uint8Array> | AsyncIterable<Uint8Array> = ended ? [] : { [Symbol.asyncIterator]: () => iterator };
      for (const source of [head, rest]) {
        for await (const chunk of source) {
          size += chunk.byteLength;
          // Thrown into put, which then removes what it wrote.
          if (declaredSize !== undefined && size > declaredSize) {
            throw new ConnectError(`the file is larger than its declared size_bytes ${declaredSize}`, Code.InvalidArgument);
          }
          yield chunk;
        }
      }
      if (declaredSize !== undefined && size !== declaredSize) {
        throw new ConnectError(`the file has ${size} bytes, not its declared size_bytes ${declaredSize}`, Code.InvalidArgument);
      }
    };
    let record: MediaRecord;
    try {
      record = await this.store.put(
        {
          mediaId,
          accountId: metadata.accountId,
          mimeType,
          ...(metadata.fileName ? { fileName: metadata.fileName } : {}),
          source: "upload",
          createTime: this.clock.now(),
        },
        counted(),
        { maxBytes: this.maxBytes },
      );
    } catch (e) {
      if (e instanceof MediaTooLargeError) throw new ConnectError(`the file is over the limit of ${this.maxBytes} bytes`, Code.ResourceExhausted);
      if (e instanceof AlreadyExistsError) throw new ConnectError(`media ${mediaId} already exists`, Code.AlreadyExists);
      throw e;
    }
    if (metadata.sha256 && metadata.sha256 !== record.sha256) {
      await this.store.delete(mediaId);
      throw new ConnectError(`the file's sha256 is ${record.sha256}, not the declared ${metadata.sha256}`, Code.InvalidArgument);
    }
    return record;
  }
}

/**
 * Types that name one container or format under several names: a declared type in the same
 * group as the sniffed one is no contradiction (an .m4a is sniffed as audio/mp4 or video/mp4
 * depending on its brand; an .docx is a zip).
 */
const FAMILIES: readonly ((t: string) => boolean)[] = [
  (t) => ["image/jpeg", "image/jpg", "image/pjpeg"].includes(t),
  (t) => ["audio/mpeg", "audio/mp3"].includes(t),
  (t) => ["video/mp4", "audio/mp4", "audio/x-m4a", "audio/m4a", "video/x-m4v", "video/quicktime", "audio/aac", "image/heic", "image/heif", "image/avif", "video/3gpp", "audio/3gpp"].includes(t),
  (t) => ["audio/ogg", "video/ogg", "application/ogg", "audio/opus"].includes(t),
  (t) => ["video/webm", "audio/webm", "video/x-matroska", "audio/x-matroska"].includes(t),
  (t) => t === "application/xml" || t === "text/xml" || t.endsWith("+xml"),
];

/** Sniffed containers of many application formats (office documents, e-books, packages). */
const CONTAINERS = ["application/zip", "application/x-cfb"];

/** The MIME type to store: the declared one unless the bytes contradict it, else the sniffed one. */
async function checkMimeType(declared: string, head: Uint8Array): Promise<string> {
  const sniffed = head.byteLength > 0 ? (await fileTypeFromBuffer(head))?.mime : undefined;
  if (!declared) return sniffed ?? OCTET_STREAM;
  if (sniffed === undefined || declared === OCTET_STREAM) return declared;
  const a = essence(declared);
  const b = essence(sniffed);
  if (a === b || FAMILIES.some((inFamily) => inFamily(a) && inFamily(b))) return declared;
  if (CONTAINERS.includes(b) && a.startsWith("application/")) return declared;
  throw new ConnectError(`mime_type "${declared}" contradicts the file's content, which is ${b}`, Code.InvalidArgument);
}

function essence(mime: string): string {
  return mime.split(";")[0].trim().toLowerCase();
}
