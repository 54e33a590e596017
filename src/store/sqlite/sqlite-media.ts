import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdirSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import type Database from "better-sqlite3";
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

interface MediaRow {
  media_id: string;
  account_id: string;
  mime_type: string;
  file_name: string | null;
  source: string;
  message_id: string | null;
  create_time: number;
  size_bytes: number;
  sha256: string;
}

/**
 * Media content as files under `${dataDir}/media/`, metadata in SQLite. A file is written
 * under `tmp/`, synced, then renamed into place, so a reader never sees a partial file; an
 * upload marker row, written first, lets cleanup find what a crash left behind.
 */
export class SqliteMedia implements MediaStore {
  readonly #db: Database.Database;
  readonly #dir: string;
  readonly #tmp: string;

  constructor(db: Database.Database, dataDir: string) {
    this.#db = db;
    this.#dir = join(dataDir, "media");
    this.#tmp = join(this.#dir, "tmp");
    mkdirSync(this.#tmp, { recursive: true, mode: 0o700 });
  }

  async put(media: NewMedia, data: AsyncIterable<Uint8Array>, options: MediaPutOptions = {}): Promise<MediaRecord> {
    checkMediaId(media.mediaId);
    const maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
    const temp = join(this.#tmp, `${media.mediaId}.${randomBytes(6).toString("hex")}`);
    try {
      this.#db
        .prepare("INSERT INTO media_uploads (media_id, temp_path, start_time) VALUES (?, ?, ?)")
        .run(media.mediaId, temp, media.createTime.getTime());
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") throw new AlreadyExistsError(`media ${media.mediaId}`);
      throw err;
    }
    try {
      if (this.#row(media.mediaId)) throw new AlreadyExistsError(`media ${media.mediaId}`);
      const hash = createHash("sha256");
      let size = 0;
      const file = await open(temp, "wx", 0o600);
      try {
        for await (const chunk of data) {
          size += chunk.byteLength;
          if (size > maxBytes) throw new MediaTooLargeError(maxBytes);
          hash.update(chunk);
          await file.write(chunk);
        }
        await file.sync();
      } finally {
        await file.close();
      }
      const record: MediaRecord = { ...media, sizeBytes: size, sha256: hash.digest("hex") };
      await rename(temp, this.#path(media.mediaId));
      this.#db.transaction(() => {
        this.#db
          .prepare(
            `INSERT INTO media (media_id, account_id, mime_type, file_name, source, message_id, create_time, size_bytes, sha256)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            media.mediaId,
            media.accountId,
            media.mimeType,
            media.fileName ?? null,
            media.source,
            media.messageId ?? null,
            media.createTime.getTime(),
            size,
            record.sha256,
          );
        this.#db.prepare("DELETE FROM media_uploads WHERE media_id = ?").run(media.mediaId);
      })();
      return record;
    } catch (err) {
      await rm(temp, { force: true });
      if (!(err instanceof AlreadyExistsError)) await rm(this.#path(media.mediaId), { force: true });
      this.#db.prepare("DELETE FROM media_uploads WHERE media_id = ?").run(media.mediaId);
      throw err;
    }
  }

  async get(mediaId: string): Promise<MediaRecord | undefined> {
    const row = this.#row(mediaId);
    return row && fromRow(row);
  }

  async open(mediaId: string, range?: MediaRange): Promise<Readable | undefined> {
    const row = this.#row(mediaId);
    if (!row) return undefined;
    const { start, end } = checkRange(range, row.size_bytes);
    if (end === start) return Readable.from([]);
    return createReadStream(this.#path(mediaId), { start, end: end - 1, highWaterMark: 256 * 1024 });
  }

  async list(query: MediaListQuery): Promise<MediaPage> {
    const where = ["account_id = ?"];
    const params: (string | number)[] = [query.accountId];
    if (query.pageToken) {
      const [time, id] = decodeToken(query.pageToken, ["number", "string"]);
      where.push("(create_time < ? OR (create_time = ? AND media_id < ?))");
      params.push(time, time, id);
    }
    // One extra row tells whether another page exists without a COUNT.
    const rows = this.#db
      .prepare<unknown[], MediaRow>(`SELECT * FROM media WHERE ${where.join(" AND ")} ORDER BY create_time DESC, media_id DESC LIMIT ?`)
      .all(...params, query.pageSize + 1);
    const media = rows.slice(0, query.pageSize).map(fromRow);
    if (rows.length <= query.pageSize) return { media };
    const last = media[media.length - 1];
    return { media, nextPageToken: encodeToken([last.createTime.getTime(), last.mediaId]) };
  }

  async deleteAccount(accountId: string): Promise<number> {
    const ids = this.#db.prepare<[string], { media_id: string }>("SELECT media_id FROM media WHERE account_id = ?").all(accountId);
    let removed = 0;
    for (const { media_id } of ids) if (await this.delete(media_id)) removed++;
    return removed;
  }

  async delete(mediaId: string): Promise<boolean> {
    if (!this.#row(mediaId)) return false;
    this.#db.prepare("DELETE FROM media WHERE media_id = ?").run(mediaId);
    await rm(this.#path(mediaId), { force: true });
    return true;
  }

  async cleanupOrphans(startedBefore: Date): Promise<number> {
    const stale = this.#db
      .prepare<[number], { media_id: string; temp_path: string }>("SELECT media_id, temp_path FROM media_uploads WHERE start_time < ?")
      .all(startedBefore.getTime());
    for (const upload of stale) {
      await rm(upload.temp_path, { force: true });
      // A crash between rename and the metadata insert leaves a file with no row.
      if (!this.#row(upload.media_id)) await rm(this.#path(upload.media_id), { force: true });
      this.#db.prepare("DELETE FROM media_uploads WHERE media_id = ?").run(upload.media_id);
    }
    return stale.length;
  }

  #row(mediaId: string): MediaRow | undefined {
    return this.#db.prepare<[string], MediaRow>("SELECT * FROM media WHERE media_id = ?").get(mediaId);
  }

  #path(mediaId: string): string {
    checkMediaId(mediaId);
    return join(this.#dir, mediaId);
  }
}

function fromRow(row: MediaRow): MediaRecord {
  const record: MediaRecord = {
    mediaId: row.media_id,
    accountId: row.account_id,
    mimeType: row.mime_type,
    source: row.source as MediaSource,
    createTime: new Date(row.create_time),
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
  };
  if (row.file_name !== null) record.fileName = row.file_name;
  if (row.message_id !== null) record.messageId = row.message_id;
  return record;
}
