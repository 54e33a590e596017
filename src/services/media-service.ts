import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { MediaMetadata } from "../../gen/wildcat/v1/media_pb.js";
import {
  MediaService,
  type AppendUploadRequest,
  type DeleteMediaRequest,
  type DownloadMediaRequest,
  type FinishUploadRequest,
  type GetMediaRequest,
  type GetUploadRequest,
  type ListMediaRequest,
  type StartUploadRequest,
  type UploadMediaRequest,
  type CreateDownloadUrlRequest,
} from "../../gen/wildcat/v1/media_service_pb.js";
import { durationMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { DownloadUrls } from "../auth/download-urls.js";
import { principalOf, visibleTo } from "../auth/principal.js";
import type { Clock } from "../clock.js";
import { newMediaId, type MediaIngest } from "../media/media-ingest.js";
import type { MediaLeases } from "../media/media-leases.js";
import type { UploadSessions } from "../media/upload-sessions.js";
import { toWireMediaRecord } from "../messaging/message-mapping.js";
import type { MediaRecord, MediaStore } from "../store/media.js";
import type { AccountStore } from "../store/store.js";
import { decodePageToken, encodePageToken, pageSize } from "./page-token.js";

/** Largest chunk in one DownloadMedia message, whatever the store's chunk size. */
const DOWNLOAD_CHUNK_BYTES = 1024 * 1024;
const DEFAULT_PAGE_SIZE = 50;
const DEFAULT_URL_TTL_MS = 15 * 60_000;

export interface MediaServiceDeps {
  media: MediaStore;
  accounts: Pick<AccountStore, "get">;
  ingest: MediaIngest;
  uploads: UploadSessions;
  leases: MediaLeases;
  downloadUrls: DownloadUrls;
  clock: Clock;
}

/** Stored files: uploads (streamed or resumable), downloads, listing and deletion. */
export class MediaServiceImpl implements ServiceImpl<typeof MediaService> {
  constructor(private readonly deps: MediaServiceDeps) {}

  async uploadMedia(requests: AsyncIterable<UploadMediaRequest>) {
    const iterator = requests[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done || first.value.part.case !== "metadata") {
      throw new ConnectError("the first UploadMediaRequest must carry metadata", Code.InvalidArgument);
    }
    const metadata = first.value.part.value;
    await this.checkAccount(metadata);
    const chunks = async function* (): AsyncGenerator<Uint8Array> {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (next.value.part.case !== "chunk") throw new ConnectError("only the first UploadMediaRequest may carry metadata", Code.InvalidArgument);
        yield next.value.part.value;
      }
    };
    return { media: toWireMediaRecord(await this.deps.ingest.ingest(metadata, newMediaId(), chunks())) };
  }

  async startUpload(req: StartUploadRequest) {
    const metadata = req.metadata!; // required by the proto's validation rules
    await this.checkAccount(metadata);
    return { upload: this.deps.uploads.start(metadata) };
  }

  async appendUpload(req: AppendUploadRequest, ctx: HandlerContext) {
    return { upload: await this.deps.uploads.append(req.uploadId, Number(req.offset), req.chunk, visibility(ctx)) };
  }

  async finishUpload(req: FinishUploadRequest, ctx: HandlerContext) {
    return { media: toWireMediaRecord(await this.deps.uploads.finish(req.uploadId, visibility(ctx))) };
  }

  async getUpload(req: GetUploadRequest, ctx: HandlerContext) {
    return { upload: this.deps.uploads.get(req.uploadId, visibility(ctx)) };
  }

  async *downloadMedia(req: DownloadMediaRequest, ctx: HandlerContext) {
    const record = await this.mustGet(req.mediaId, ctx);
    const offset = Number(req.offset);
    if (offset > record.sizeBytes) {
      throw new ConnectError(`offset ${offset} is past the end of media ${req.mediaId}, which has ${record.sizeBytes} bytes`, Code.OutOfRange);
    }
    const length = req.length > 0n ? Number(req.length) : undefined;
    const content = await this.deps.media.open(req.mediaId, { offset, length });
    if (!content) throw notFound(req.mediaId); // deleted in between
    // A cancelled call may be parked on a write: destroying the source ends the store's read now.
    const onAbort = () => content.destroy();
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    try {
      yield { part: { case: "metadata" as const, value: toWireMediaRecord(record) } };
      for await (const piece of content) {
        const data = piece as Buffer;
        for (let at = 0; at < data.length; at += DOWNLOAD_CHUNK_BYTES) {
          yield { part: { case: "chunk" as const, value: data.subarray(at, at + DOWNLOAD_CHUNK_BYTES) } };
        }
      }
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
      content.destroy();
    }
  }

  async getMedia(req: GetMediaRequest, ctx: HandlerContext) {
    return { media: toWireMediaRecord(await this.mustGet(req.mediaId, ctx)) };
  }

  async listMedia(req: ListMediaRequest) {
    const list = `media:${req.accountId}`;
    let page;
    try {
      page = await this.deps.media.list({
        accountId: req.accountId,
        pageSize: pageSize(req.pageSize, DEFAULT_PAGE_SIZE),
        pageToken: decodePageToken(list, req.pageToken),
      });
    } catch (e) {
      if (e instanceof RangeError) throw new ConnectError("page_token is not a token returned by this list", Code.InvalidArgument);
      throw e;
    }
    return { media: page.media.map(toWireMediaRecord), nextPageToken: encodePageToken(list, page.nextPageToken) };
  }

  async deleteMedia(req: DeleteMediaRequest, ctx: HandlerContext) {
    await this.mustGet(req.mediaId, ctx);
    if (this.deps.leases.isHeld(req.mediaId)) {
      throw new ConnectError(`media ${req.mediaId} is needed by a send in progress; delete it after the send`, Code.FailedPrecondition);
    }
    if (!(await this.deps.media.delete(req.mediaId))) throw notFound(req.mediaId);
    return {};
  }

  private async checkAccount(metadata: MediaMetadata): Promise<void> {
    if (!(await this.deps.accounts.get(metadata.accountId))) {
      throw new ConnectError(`account "${metadata.accountId}" does not exist`, Code.NotFound);
    }
  }

  async createDownloadUrl(req: CreateDownloadUrlRequest, ctx: HandlerContext) {
    await this.mustGet(req.mediaId, ctx);
    const ttlMs = req.ttl ? durationMs(req.ttl) : DEFAULT_URL_TTL_MS;
    const expireTime = new Date(this.deps.clock.now().getTime() + ttlMs);
    return { urlPath: this.deps.downloadUrls.create(req.mediaId, principalOf(ctx).keyId, expireTime), expireTime: timestampFromDate(expireTime) };
  }

  /** The file, if it exists and the caller's key may see its account; otherwise not_found either way. */
  private async mustGet(mediaId: string, ctx: HandlerContext): Promise<MediaRecord> {
    const record = await this.deps.media.get(mediaId);
    if (!record || !visibleTo(principalOf(ctx), record.accountId)) throw notFound(mediaId);
    return record;
  }
}

/** Whether the call's key may see an account's uploads. */
function visibility(ctx: HandlerContext): (accountId: string) => boolean {
  const principal = principalOf(ctx);
  return (accountId) => visibleTo(principal, accountId);
}

function notFound(mediaId: string): ConnectError {
  return new ConnectError(`media ${mediaId} not found`, Code.NotFound);
}
