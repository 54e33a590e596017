import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { GridFSBucket, MongoServerError, type Collection, type Db, type Filter } from "mongodb";
import { decodeToken, encodeToken } from "../keyset-token.js";
import {
  MediaTooLargeError,
  checkMediaId,
  checkRange,
  type MediaListQuery,
  type MediaPage,
  type MediaPutOptions,
  type MediaRange,
  type MediaRecord,
  type MediaSource,
  type MediaStore,
  type NewMedia,
} from "../media.js";
import { AlreadyExistsError } from "../store.js";
import { ensureIndexes } from "./ensure-indexes.js";

interface MediaMetadata {
  accountId: string;
  mimeType: string;
  fileName?: string;
  source: MediaSource;
  messageId?: string;
  createTime: Date;
  /** Set after the last chunk is written; a file without it is an unfinished upload. */
  sha256?: string;
  complete: boolean;
}

interface FilesDocument {
  _id: string;
  length: number;
  chunkSize: number;
  uploadDate: Date;
  filename: string;
  metadata: MediaMetadata;
}

interface ChunkDocument {
  files_id: string;
  n: number;
  data: Buffer;
}

/** How much a download asks the server for at once: a few chunks, whatever the chunk size. */
const downloadBatchBytes = 4 * 1024 * 1024;

/** Written before the first chunk, removed after the file is complete: what cleanup looks for. */
export interface UploadMarkerDocument {
  _id: string;
  startTime: Date;
}

const duplicateKey = 11000;

/**
 * GridFS bucket `media` (`media.files` / `media.chunks`). Content streams through the
 * driver's upload/download streams with backpressure; at most a chunk or so is in memory.
 */
export class MongoMedia implements MediaStore {
  readonly #bucket: GridFSBucket;
  readonly #files: Collection<FilesDocument>;
  readonly #chunks: Collection<ChunkDocument>;
  readonly #uploads: Collection<UploadMarkerDocument>;
  readonly #chunkSizeBytes: number;

  constructor(db: Db, chunkSizeBytes: number) {
    this.#bucket = new GridFSBucket(db, { bucketName: "media", chunkSizeBytes });
    this.#files = db.collection<FilesDocument>("media.files");
    this.#chunks = db.collection<ChunkDocument>("media.chunks");
    this.#uploads = db.collection<UploadMarkerDocument>("media_uploads");
    this.#chunkSizeBytes = chunkSizeBytes;
  }

  static async createIndexes(db: Db): Promise<void> {
    // The driver creates these lazily on the first upload; creating them up front keeps that
    // check off the upload path. Same specs as the driver's.
    await ensureIndexes(db.collection("media.chunks"), [{ key: { files_id: 1, n: 1 }, name: "files_id_1_n_1", unique: true }]);
    await ensureIndexes(db.collection("media.files"), [{ key: { filename: 1, uploadDate: 1 }, name: "filename_1_uploadDate_1" }]);
    await ensureIndexes(db.collection("media.files"), [
      { key: { "metadata.accountId": 1, "metadata.createTime": -1, _id: -1 }, name: "account_time" },
    ]);
    await ensureIndexes(db.collection("media_uploads"), [{ key: { startTime: 1 }, name: "start_time" }]);
  }

  async put(media: NewMedia, data: AsyncIterable<Uint8Array>, options: MediaPutOptions = {}): Promise<MediaRecord> {
    checkMediaId(media.mediaId);
    const maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
    try {
      await this.#uploads.insertOne({ _id: media.mediaId, startTime: media.createTime });
    } catch (err) {
      if (err instanceof MongoServerError && err.code === duplicateKey) throw new AlreadyExistsError(`media ${media.mediaId}`);
      throw err;
    }
    let wroteChunks = false;
    try {
      if (await this.#files.findOne({ _id: media.mediaId }, { projection: { _id: 1 } })) {
        throw new AlreadyExistsError(`media ${media.mediaId}`);
      }
      const metadata: MediaMetadata = {
        accountId: media.accountId,
        mimeType: media.mimeType,
        source: media.source,
        createTime: media.createTime,
        complete: false,
      };
      if (media.fileName !== undefined) metadata.fileName = media.fileName;
      if (media.messageId !== undefined) metadata.messageId = media.messageId;
      const hash = createHash("sha256");
      let size = 0;
      wroteChunks = true;
      // The driver types ids as ObjectId, but GridFS ids may be any value; ours are media ids.
      const upload = this.#bucket.openUploadStreamWithId(media.mediaId as never, media.fileName ?? media.mediaId, {
        chunkSizeBytes: this.#chunkSizeBytes,
        metadata,
      });
      // Errors arrive through the write callbacks below; this keeps a late one from crashing.
      upload.on("error", () => {});
      try {
        for await (const chunk of data) {
          size += chunk.byteLength;
          // Checked before the chunk goes on: the store never holds a byte past the limit.
          if (size > maxBytes) throw new MediaTooLargeError(maxBytes);
          hash.update(chunk);
          // One write at a time, each acknowledged once its chunks are inserted: memory stays at
          // about a chunk, and when anything fails no insert is still in flight to land after
          // the cleanup below.
          await new Promise<void>((resolve, reject) => upload.write(chunk, (err) => (err ? reject(err) : resolve())));
        }
        upload.end();
        await finished(upload);
      } catch (err) {
        upload.destroy();
        throw err;
      }
      const sha256 = hash.digest("hex");
      await this.#files.updateOne({ _id: media.mediaId }, { $set: { "metadata.sha256": sha256, "metadata.complete": true } });
      await this.#uploads.deleteOne({ _id: media.mediaId });
      const record: MediaRecord = { ...media, sizeBytes: size, sha256 };
      return record;
    } catch (err) {
      if (wroteChunks) await this.#removeContent(media.mediaId);
      await this.#uploads.deleteOne({ _id: media.mediaId });
      throw err;
    }
  }

  async get(mediaId: string): Promise<MediaRecord | undefined> {
    const doc = await this.#files.findOne({ _id: mediaId, "metadata.complete": true });
    return doc ? fromDocument(doc) : undefined;
  }

  async open(mediaId: string, range?: MediaRange): Promise<Readable | undefined> {
    const doc = await this.#files.findOne({ _id: mediaId, "metadata.complete": true });
    if (!doc) return undefined;
    const { start, end } = checkRange(range, doc.length);
    if (end === start) return Readable.from([]);
    return Readable.from(this.#chunksOf(doc, start, end));
  }

  /**
   * The file's bytes [start, end) through one cursor with a small batch size. Not the
   * driver's GridFSBucketReadStream: it leaves batch sizes to the server, and FerretDB v1 then
   * sends about 101 chunks per batch (a 128 MiB download grew RSS by 200 MiB). Not a query per
   * few chunks either: FerretDB v1 does not push range conditions down, so each such query
   * scans the whole file.
   */
  async *#chunksOf(file: FilesDocument, start: number, end: number): AsyncGenerator<Buffer> {
    const size = file.chunkSize;
    const first = Math.floor(start / size);
    const last = Math.floor((end - 1) / size);
    const cursor = this.#chunks
      .find(first > 0 ? { files_id: file._id, n: { $gte: first } } : { files_id: file._id })
      .sort({ n: 1 })
      .batchSize(Math.max(1, Math.floor(downloadBatchBytes / size)));
    try {
      let n = first;
      for await (const chunk of cursor) {
        if (chunk.n !== n) throw new Error(`media ${file._id} is missing chunk ${n}`);
        const data = chunk.data;
        yield data.subarray(n === first ? start - n * size : 0, n === last ? end - n * size : data.length);
        if (n++ === last) return;
      }
      if (n <= last) throw new Error(`media ${file._id} is missing chunk ${n}`);
    } finally {
      await cursor.close();
    }
  }

  async list(query: MediaListQuery): Promise<MediaPage> {
    const filter: Filter<FilesDocument> = { "metadata.accountId": query.accountId, "metadata.complete": true };
    if (query.pageToken) {
      const [ms, id] = decodeToken(query.pageToken, ["number", "string"]);
      const t = new Date(ms as number);
      filter.$or = [{ "metadata.createTime": { $lt: t } }, { "metadata.createTime": t, _id: { $lt: id as string } }];
    }
    // One extra document tells whether another page exists without a count.
    const docs = await this.#files
      .find(filter)
      .sort({ "metadata.createTime": -1, _id: -1 })
      .limit(query.pageSize + 1)
      .toArray();
    const media = docs.slice(0, query.pageSize).map(fromDocument);
    if (docs.length <= query.pageSize) return { media };
    const last = media[media.length - 1];
    return { media, nextPageToken: encodeToken([last.createTime.getTime(), last.mediaId]) };
  }

  async deleteAccount(accountId: string): Promise<number> {
    const ids = await this.#files.distinct("_id", { "metadata.accountId": accountId, "metadata.complete": true });
    let removed = 0;
    for (const id of ids) if (await this.delete(id)) removed++;
    return removed;
  }

  async delete(mediaId: string): Promise<boolean> {
    const result = await this.#files.deleteOne({ _id: mediaId, "metadata.complete": true });
    if (result.deletedCount === 0) return false;
    await this.#chunks.deleteMany({ files_id: mediaId });
    return true;
  }

  async cleanupOrphans(startedBefore: Date): Promise<number> {
    const stale = await this.#uploads.find({ startTime: { $lt: startedBefore } }).toArray();
    for (const upload of stale) {
      // A file completed just before its marker was removed is kept.
      const done = await this.#files.findOne({ _id: upload._id, "metadata.complete": true }, { projection: { _id: 1 } });
      if (!done) await this.#removeContent(upload._id);
      await this.#uploads.deleteOne({ _id: upload._id });
    }
    return stale.length;
  }

  async #removeContent(mediaId: string): Promise<void> {
    await this.#files.deleteOne({ _id: mediaId, "metadata.complete": { $ne: true } });
    await this.#chunks.deleteMany({ files_id: mediaId });
  }
}

function fromDocument(doc: FilesDocument): MediaRecord {
  const m = doc.metadata;
  const record: MediaRecord = {
    mediaId: doc._id,
    accountId: m.accountId,
    mimeType: m.mimeType,
    source: m.source,
    createTime: m.createTime,
    sizeBytes: doc.length,
    sha256: m.sha256!,
  };
  if (m.fileName !== undefined) record.fileName = m.fileName;
  if (m.messageId !== undefined) record.messageId = m.messageId;
  return record;
}
