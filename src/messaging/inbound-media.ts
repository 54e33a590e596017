import { downloadMediaMessage, proto, type WAMessage, type WASocket } from "@whiskeysockets/baileys";
import type { Logger } from "../logger.js";
import { newMediaId } from "../media/media-ingest.js";
import { MediaTooLargeError, type MediaStore } from "../store/media.js";
import type { MediaRef, MessageKey, MessageStore, MessageType } from "../store/messages.js";
import type { MediaDownloadPolicy } from "../store/store.js";
import type { MessageJournal } from "./message-journal.js";

export interface InboundMediaOptions {
  /** Downloads running at once, across accounts. */
  concurrency: number;
  /** Attempts per file before giving up. */
  attempts: number;
  /** First retry delay, doubling each time. */
  retryBaseMs: number;
  /** Hard limit of the media store. */
  maxBytes: number;
  /** At each connect, files of messages received this long ago or less that are still missing are fetched again. */
  resumeWithinMs: number;
  /** fetch options for WhatsApp's media hosts (the simulator's agents in sandbox mode). */
  fetchOptions?: RequestInit;
}

interface Job {
  key: MessageKey;
  message: WAMessage;
  sock: WASocket;
  /** The file as the message describes it. */
  described: MediaRef;
  /** The account's limit when the file was queued. */
  maxBytes: number;
  attempt: number;
}

/**
 * Fetches the files of received messages from WhatsApp into the media store, in the
 * background: at most `concurrency` at a time, retried with backoff, through Baileys'
 * decrypting stream (never buffered whole). When a file is stored its message is updated
 * and MEDIA_READY is appended.
 */
export class InboundMedia {
  private readonly queue: Job[] = [];
  /** Messages queued, downloading or waiting for a retry, so a file is never fetched twice at once. */
  private readonly active = new Set<string>();
  private running = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleWaiters = new Set<() => void>();
  private stopped = false;

  constructor(
    private readonly deps: { media: MediaStore; messages: MessageStore; journal: MessageJournal; logger: Logger },
    private readonly options: InboundMediaOptions,
    private readonly policyOf: (accountId: string) => Promise<MediaDownloadPolicy>,
  ) {}

  /** Queues the file of a stored received message, if the account's policy keeps it. */
  async enqueue(key: MessageKey, message: WAMessage, sock: WASocket, type: MessageType, described: MediaRef): Promise<void> {
    const declaredBytes = described.sizeBytes;
    const id = activeId(key);
    if (this.active.has(id)) return;
    const policy = await this.policyOf(key.accountId);
    if (policy.mode === "none" || (policy.types.length > 0 && !policy.types.includes(type))) return;
    const limit = this.limit(policy);
    if (declaredBytes > limit) {
      this.deps.logger.info({ accountId: key.accountId, messageId: key.messageId, declaredBytes, limit }, "received file over the download limit: not kept");
      return;
    }
    if (this.stopped || this.active.has(id)) return;
    this.active.add(id);
    this.queue.push({ key, message, sock, described, maxBytes: limit, attempt: 1 });
    this.pump();
  }

  /**
   * Queues again the files of the account's received messages that are still missing (a
   * download cut short by a restart, or failed for good earlier), newest first.
   */
  async resume(accountId: string, sock: WASocket, now: Date): Promise<number> {
    if (this.options.resumeWithinMs === 0) return 0;
    const { messages } = await this.deps.messages.list({
      accountId,
      fromMe: false,
      missingMedia: true,
      since: new Date(now.getTime() - this.options.resumeWithinMs),
      pageSize: RESUME_BATCH,
    });
    let queued = 0;
    for (const m of messages) {
      if (!m.rawMessage || !m.media) continue;
      const before = this.active.size;
      await this.enqueue(m.key, proto.WebMessageInfo.decode(m.rawMessage) as WAMessage, sock, m.type, m.media);
      if (this.active.size > before) queued++;
    }
    if (queued > 0) this.deps.logger.info({ accountId, queued }, "fetching files of received messages that are still missing");
    return queued;
  }

  /** Resolves when nothing is queued, running or waiting for a retry (tests, shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  /** Stops starting downloads and cancels pending retries; running ones finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const job of this.queue.splice(0)) this.active.delete(activeId(job.key));
    await this.idle();
  }

  private limit(policy: MediaDownloadPolicy): number {
    return policy.maxBytes > 0 ? Math.min(policy.maxBytes, this.options.maxBytes) : this.options.maxBytes;
  }

  private pump(): void {
    while (!this.stopped && this.running < this.options.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void this.fetch(job).finally(() => {
        this.running--;
        this.pump();
        if (this.isIdle()) for (const w of [...this.idleWaiters]) (this.idleWaiters.delete(w), w());
      });
    }
  }

  private isIdle(): boolean {
    return this.running === 0 && this.queue.length === 0 && this.timers.size === 0;
  }

  private async fetch(job: Job): Promise<void> {
    const { key } = job;
    const log = this.deps.logger.child({ accountId: key.accountId, messageId: key.messageId });
    try {
      const stream = await downloadMediaMessage(job.message, "stream", { options: this.options.fetchOptions }, { logger: log, reuploadRequest: job.sock.updateMediaMessage });
      const { described } = job;
      const mediaId = newMediaId();
      const record = await this.deps.media.put(
        {
          mediaId,
          accountId: key.accountId,
          mimeType: described.mimeType || "application/octet-stream",
          fileName: described.fileName,
          source: "inbound",
          messageId: key.messageId,
          createTime: new Date(),
        },
        stream,
        { maxBytes: job.maxBytes },
      );
      await this.deps.journal.mediaReady(key, record);
      this.active.delete(activeId(key));
    } catch (e) {
      if (e instanceof MediaTooLargeError) {
        log.warn({ limit: e.maxBytes }, "received file larger than it said and over the limit: not kept");
        this.active.delete(activeId(key));
        return;
      }
      if (job.attempt >= this.options.attempts || this.stopped) {
        log.error({ err: e, attempts: job.attempt }, "downloading a received file failed for good");
        this.active.delete(activeId(key));
        return;
      }
      const delay = this.options.retryBaseMs * 2 ** (job.attempt - 1) * (0.5 + Math.random());
      log.warn({ err: e, attempt: job.attempt, delayMs: Math.round(delay) }, "downloading a received file failed; retrying");
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.queue.push({ ...job, attempt: job.attempt + 1 });
        this.pump();
      }, delay);
      this.timers.add(timer);
    }
  }
}

/** Files looked at per resume: the newest missing ones. */
const RESUME_BATCH = 1000;

function activeId(key: MessageKey): string {
  return [key.accountId, key.chatJid, key.messageId, key.fromMe ? "1" : "0", key.participant ?? ""].join("\u0000");
}
