import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type { MediaMetadata } from "../../gen/wildcat/v1/media_pb.js";
import { UploadSchema, type Upload } from "../../gen/wildcat/v1/media_service_pb.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { MediaRecord } from "../store/media.js";
import { newMediaId, type MediaIngest } from "./media-ingest.js";

/** A store begun this long ago and not finished is taken as abandoned by a process that died. */
const ABANDONED_AFTER_MS = 24 * 3600_000;

/**
 * The chunks of one upload, handed from AppendUpload calls to the store's put. One chunk at
 * a time: an append resolves when put takes its chunk, and put takes the next one only after
 * writing the previous, so an upload holds about two chunks whatever the file size.
 */
class ChunkQueue implements AsyncIterable<Uint8Array> {
  private readonly items: { chunk: Uint8Array; taken: () => void }[] = [];
  private ended = false;
  private error?: unknown;
  private wake?: () => void;

  push(chunk: Uint8Array): Promise<void> {
    return new Promise((taken) => {
      this.items.push({ chunk, taken });
      this.wake?.();
    });
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** Makes the consumer throw `error` (put then removes what it wrote); releases waiting pushes. */
  fail(error: unknown): void {
    this.error ??= error;
    for (const item of this.items.splice(0)) item.taken();
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.error !== undefined) throw this.error;
      const item = this.items.shift();
      if (item) {
        item.taken();
        yield item.chunk;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

interface Session {
  uploadId: string;
  metadata: MediaMetadata;
  size: number;
  offset: number;
  expireTime: Date;
  queue: ChunkQueue;
  /** put's outcome; settles only after the queue ends or fails. */
  result: Promise<MediaRecord>;
  /** Set when put failed: every later call of this upload gets it. */
  failure?: unknown;
  /** An append or finish is in progress. */
  busy: boolean;
}

/**
 * Resumable uploads made of unary calls (StartUpload, AppendUpload, FinishUpload). Each one
 * keeps a single MediaStore.put running, fed by its appends, so the bytes stream into the
 * store as they arrive. Sessions live in this process: a restart loses unfinished uploads
 * (their bytes are then orphans for MediaStore.cleanupOrphans). An upload that sees no
 * append for `ttlMs` expires, and what it wrote is removed; at most `maxOpen` are open at once.
 */
export class UploadSessions {
  private readonly sessions = new Map<string, Session>();
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;

  constructor(
    private readonly ingest: MediaIngest,
    private readonly clock: Clock,
    private readonly limits: { ttlMs: number; maxOpen: number },
    private readonly logger: Logger,
  ) {}

  /** Starts an upload of a file whose size is declared (and within the limit). */
  start(metadata: MediaMetadata): Upload {
    if (metadata.sizeBytes <= 0n) throw new ConnectError("metadata.size_bytes is required for a resumable upload", Code.InvalidArgument);
    this.ingest.checkDeclared(metadata);
    if (this.sessions.size >= this.limits.maxOpen) {
      throw new ConnectError(`${this.limits.maxOpen} resumable uploads are open already; finish one or retry later`, Code.ResourceExhausted);
    }
    const queue = new ChunkQueue();
    const session: Session = {
      uploadId: newMediaId(),
      metadata,
      size: Number(metadata.sizeBytes),
      offset: 0,
      expireTime: this.expiry(),
      queue,
      result: this.ingest.ingest(metadata, newMediaId(), queue),
      busy: false,
    };
    session.result.catch((e: unknown) => {
      session.failure = e;
      queue.fail(e);
    });
    this.sessions.set(session.uploadId, session);
    return toUpload(session);
  }

  /** `visible` says whether the caller may see uploads of an account; others are answered as unknown. */
  get(uploadId: string, visible?: Visible): Upload {
    return toUpload(this.mustGet(uploadId, visible));
  }

  /** Appends `chunk` at `offset`, which must be the upload's current size. */
  async append(uploadId: string, offset: number, chunk: Uint8Array, visible?: Visible): Promise<Upload> {
    const session = this.mustGet(uploadId, visible);
    this.checkUsable(session);
    if (offset !== session.offset) {
      throw new ConnectError(`offset ${offset} is wrong: the upload has ${session.offset} bytes, so the expected offset is ${session.offset}`, Code.FailedPrecondition, undefined, [
        { desc: UploadSchema, value: toUpload(session) },
      ]);
    }
    if (offset + chunk.byteLength > session.size) {
      throw new ConnectError(`this chunk would end at ${offset + chunk.byteLength}, past the declared size_bytes ${session.size}`, Code.InvalidArgument);
    }
    session.busy = true;
    session.offset += chunk.byteLength;
    session.expireTime = this.expiry();
    try {
      await session.queue.push(chunk);
    } finally {
      session.busy = false;
    }
    if (session.failure !== undefined) throw this.end(session);
    return toUpload(session);
  }

  /** Completes the upload: resolves with the stored file once every byte is written and verified. */
  async finish(uploadId: string, visible?: Visible): Promise<MediaRecord> {
    const session = this.mustGet(uploadId, visible);
    this.checkUsable(session);
    if (session.offset !== session.size) {
      throw new ConnectError(`the upload has ${session.offset} of its ${session.size} bytes: append from offset ${session.offset} first`, Code.FailedPrecondition, undefined, [
        { desc: UploadSchema, value: toUpload(session) },
      ]);
    }
    session.busy = true;
    session.queue.end();
    try {
      return await session.result;
    } finally {
      this.sessions.delete(uploadId);
    }
  }

  /** Expires the uploads whose time is up; resolves with how many, once their bytes are removed. */
  sweep(): Promise<number> {
    this.sweeping ??= this.expire().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Sweeps every `intervalMs` until {@link stop}. */
  startSweeper(intervalMs = Math.max(1_000, Math.min(60_000, Math.floor(this.limits.ttlMs / 4)))): void {
    this.timer = setInterval(() => void this.sweep().catch((e: unknown) => this.logger.error({ err: e }, "expiring uploads failed")), intervalMs);
    this.timer.unref();
  }

  /** Stops the sweeper and aborts every unfinished upload, removing its bytes. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
    const open = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of open) s.queue.fail(new ConnectError("the server is shutting down; the upload is lost", Code.Unavailable));
    await Promise.allSettled(open.map((s) => s.result));
  }

  private async expire(): Promise<number> {
    const now = this.clock.now().getTime();
    const expired = [...this.sessions.values()].filter((s) => s.expireTime.getTime() <= now && !s.busy);
    for (const s of expired) {
      this.sessions.delete(s.uploadId);
      s.queue.fail(new ConnectError(`upload ${s.uploadId} expired`, Code.NotFound));
    }
    await Promise.allSettled(expired.map((s) => s.result));
    if (expired.length > 0) this.logger.info({ expired: expired.length }, "unfinished uploads expired");
    // Bytes of uploads (and received files) whose process died mid-way. Another gateway on the
    // same database may still be writing a recent one, so only those begun a day ago or more.
    const abandoned = await this.ingest.removeAbandoned(new Date(now - Math.max(ABANDONED_AFTER_MS, this.limits.ttlMs)));
    if (abandoned > 0) this.logger.info({ abandoned }, "removed the bytes of uploads whose process died");
    return expired.length;
  }

  private mustGet(uploadId: string, visible?: Visible): Session {
    const session = this.sessions.get(uploadId);
    if (!session || (visible && !visible(session.metadata.accountId))) {
      throw new ConnectError(
        `no upload ${uploadId}: it finished, failed, expired (no append for ${this.limits.ttlMs} ms), or the server restarted (uploads are kept per server process)`,
        Code.NotFound,
      );
    }
    return session;
  }

  private checkUsable(session: Session): void {
    if (session.failure !== undefined) throw this.end(session);
    if (session.busy) throw new ConnectError(`another call on upload ${session.uploadId} is in progress; retry when it has answered`, Code.Aborted);
  }

  /** Forgets a failed upload and returns its failure, to throw. */
  private end(session: Session): unknown {
    this.sessions.delete(session.uploadId);
    return session.failure;
  }

  private expiry(): Date {
    return new Date(this.clock.now().getTime() + this.limits.ttlMs);
  }
}

/** Whether the caller may see an account's uploads. */
type Visible = (accountId: string) => boolean;

function toUpload(s: Session): Upload {
  return create(UploadSchema, {
    uploadId: s.uploadId,
    metadata: s.metadata,
    offset: BigInt(s.offset),
    expireTime: timestampFromDate(s.expireTime),
  });
}
