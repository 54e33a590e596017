import type { Readable } from "node:stream";

/** The media store port: whole files streamed in and out, never held in memory. */

export type MediaSource = "upload" | "inbound";

export interface NewMedia {
  /** `[A-Za-z0-9_-]{1,64}`: also used as a file name by the embedded adapter. */
  mediaId: string;
  accountId: string;
  mimeType: string;
  fileName?: string;
  source: MediaSource;
  messageId?: string;
  createTime: Date;
}

export interface MediaRecord extends NewMedia {
  sizeBytes: number;
  /** Lower-case hex SHA-256 of the content. */
  sha256: string;
}

export interface MediaPutOptions {
  /** Largest accepted size; the upload aborts at the first byte past it. */
  maxBytes?: number;
}

export interface MediaRange {
  offset: number;
  /** Bytes to read; to the end when absent. */
  length?: number;
}

export interface MediaListQuery {
  accountId: string;
  pageSize: number;
  /** The nextPageToken of the previous page; absent for the first. */
  pageToken?: string;
}

export interface MediaPage {
  media: MediaRecord[];
  /** Opaque keyset position of the next page; absent on the last page. */
  nextPageToken?: string;
}

export interface MediaStore {
  /**
   * Streams `data` into the store, hashing it on the way. On any failure (including
   * {@link MediaTooLargeError}) nothing of the upload remains. Throws AlreadyExistsError for
   * a taken id.
   */
  put(media: NewMedia, data: AsyncIterable<Uint8Array>, options?: MediaPutOptions): Promise<MediaRecord>;
  get(mediaId: string): Promise<MediaRecord | undefined>;
  /** The content (or a byte range of it); undefined when the id is unknown. */
  open(mediaId: string, range?: MediaRange): Promise<Readable | undefined>;
  /**
   * An account's complete files, newest first (createTime, then mediaId, both descending),
   * keyset-paginated. Throws RangeError for a page token it did not make.
   */
  list(query: MediaListQuery): Promise<MediaPage>;
  delete(mediaId: string): Promise<boolean>;
  /** Removes every complete file of the account; resolves with how many. */
  deleteAccount(accountId: string): Promise<number>;
  /** Removes what uploads that started before `startedBefore` and never finished left behind. */
  cleanupOrphans(startedBefore: Date): Promise<number>;
}

export class MediaTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`media is larger than the limit of ${maxBytes} bytes`);
    this.name = "MediaTooLargeError";
  }
}

const mediaIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

export function isMediaId(mediaId: string): boolean {
  return mediaIdPattern.test(mediaId);
}

export function checkMediaId(mediaId: string): void {
  if (!isMediaId(mediaId)) throw new RangeError(`invalid media id ${JSON.stringify(mediaId)}`);
}

export function checkRange(range: MediaRange | undefined, size: number): { start: number; end: number } {
  const start = range?.offset ?? 0;
  const length = range?.length ?? size - start;
  if (!Number.isSafeInteger(start) || start < 0 || start > size) throw new RangeError(`offset ${start} outside 0..${size}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`invalid length ${length}`);
  return { start, end: Math.min(size, start + length) };
}
