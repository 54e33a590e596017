import { createHash, randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Media, MediaMetadataSchema } from "../../gen/wildcat/v1/media_pb.js";
import type { MediaStore } from "../../src/store/media.js";
import type { DownloadMediaResponse, UploadMediaRequestSchema } from "../../gen/wildcat/v1/media_service_pb.js";

export function sha256Of(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** `size` bytes shaped like a PNG (signature, IHDR, then one IDAT of random bytes): sniffed as image/png. */
export function pngBytes(size: number): Buffer {
  const chunk = (type: string, length: number) => {
    const header = Buffer.alloc(8);
    header.writeUInt32BE(length, 0);
    header.write(type, 4, "latin1");
    return header;
  };
  const head = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", 13), Buffer.alloc(13 + 4)]);
  const idatLength = size - head.length - 8 - 4;
  return Buffer.concat([head, chunk("IDAT", idatLength), randomBytes(idatLength + 4)]);
}

/** An UploadMedia request stream: the metadata, then `data` in chunks of `chunkSize`. */
export async function* uploadRequests(
  metadata: MessageInitShape<typeof MediaMetadataSchema>,
  data: Uint8Array,
  chunkSize: number,
): AsyncGenerator<MessageInitShape<typeof UploadMediaRequestSchema>> {
  yield { part: { case: "metadata", value: metadata } };
  for (let at = 0; at < data.length; at += chunkSize) yield { part: { case: "chunk", value: data.subarray(at, at + chunkSize) } };
}

/** Reads a DownloadMedia stream to its end. */
export async function collectDownload(stream: AsyncIterable<DownloadMediaResponse>): Promise<{ metadata?: Media; bytes: Buffer }> {
  let metadata: Media | undefined;
  const parts: Uint8Array[] = [];
  for await (const res of stream) {
    if (res.part.case === "metadata") metadata = res.part.value;
    else if (res.part.case === "chunk") parts.push(res.part.value);
  }
  return { metadata, bytes: Buffer.concat(parts) };
}

/**
 * The real store with `open` observed: every readable it hands out is pushed to `opened`, so a
 * test can see what a cancelled download does to the store's read.
 */
export function observeOpens(store: MediaStore): { media: MediaStore; opened: Readable[] } {
  const opened: Readable[] = [];
  const media = new Proxy(store, {
    get(target, prop) {
      if (prop === "open") {
        return async (...args: Parameters<MediaStore["open"]>) => {
          const readable = await target.open(...args);
          if (readable) opened.push(readable);
          return readable;
        };
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { media, opened };
}
