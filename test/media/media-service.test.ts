import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { once } from "node:events";
import { Code, ConnectError, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { createValidateInterceptor } from "@connectrpc/validate";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { MediaService, UploadSchema } from "../../gen/wildcat/v1/media_service_pb.js";
import { MediaIngest } from "../../src/media/media-ingest.js";
import { MediaLeases } from "../../src/media/media-leases.js";
import { UploadSessions } from "../../src/media/upload-sessions.js";
import { loggingInterceptor } from "../../src/server/interceptors.js";
import { MediaServiceImpl } from "../../src/services/media-service.js";
import { deferred, mongoAdapter, sqliteAdapter, useAdapter, type AdapterFactory } from "../store/harness.js";
import { ManualClock } from "../support/manual-clock.js";
import { collectDownload, observeOpens, pngBytes, sha256Of, uploadRequests } from "./media-support.js";
import { asAdmin } from "../support/auth.js";
import { DownloadUrls } from "../../src/auth/download-urls.js";

const uri = inject("mongodbUri");
const LIMIT = 300_000;
const TTL_MS = 60_000;
const MAX_OPEN = 3;
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => ConnectError.from(e));

function mediaServiceSuite(name: string, factory: AdapterFactory) {
  describe(`MediaService on ${name}`, () => {
    const ctx = useAdapter(factory);
    let clock: ManualClock;
    let uploads: UploadSessions;
    let leases: MediaLeases;
    let client: Client<typeof MediaService>;
    /** Every readable the service opened on the store, in order. */
    let opened: Readable[];

    beforeEach(async () => {
      clock = new ManualClock(Date.parse("2026-03-01T00:00:00Z"));
      const now = clock.now();
      await ctx.store.accounts.create({ accountId: "acc", displayName: "", state: "disconnected", createTime: now, updateTime: now });
      const observed = observeOpens(ctx.store.media);
      const media = observed.media;
      opened = observed.opened;
      const logger = pino({ level: "silent" });
      const ingest = new MediaIngest(media, clock, LIMIT);
      uploads = new UploadSessions(ingest, clock, { ttlMs: TTL_MS, maxOpen: MAX_OPEN }, logger);
      leases = new MediaLeases();
      const impl = new MediaServiceImpl({ media, accounts: ctx.store.accounts, ingest, uploads, leases, clock, downloadUrls: new DownloadUrls(randomBytes(32)) });
      // The router in memory, with the production interceptors.
      const transport = createRouterTransport((router) => router.service(MediaService, impl), {
        router: { interceptors: [loggingInterceptor(logger), asAdmin(), createValidateInterceptor()] },
      });
      client = createClient(MediaService, transport);
    });
    afterEach(() => uploads.stop());

    const metadata = (extra: { mimeType?: string; sizeBytes?: number; sha256?: string; fileName?: string } = {}) => ({
      accountId: "acc",
      mimeType: extra.mimeType ?? "application/octet-stream",
      fileName: extra.fileName ?? "",
      sizeBytes: BigInt(extra.sizeBytes ?? 0),
      sha256: extra.sha256 ?? "",
    });
    const upload = (data: Buffer, extra: Parameters<typeof metadata>[0] = {}) =>
      client.uploadMedia(uploadRequests(metadata(extra), data, 64 * 1024)).then((r) => r.media!);

    it("when a file is streamed with its size and sha256, it is stored and downloads (whole and ranged) with the same bytes", async () => {
      const data = randomBytes(250_000);

      const media = await upload(data, { sizeBytes: data.length, sha256: sha256Of(data), fileName: "a.bin" });

      expect(media).toMatchObject({ accountId: "acc", sizeBytes: BigInt(data.length), sha256: sha256Of(data), fileName: "a.bin", downloadPath: `/media/${media.mediaId}` });
      const whole = await collectDownload(client.downloadMedia({ mediaId: media.mediaId }));
      expect(whole.metadata?.mediaId).toBe(media.mediaId);
      expect(whole.bytes.equals(data)).toBe(true);
      const part = await collectDownload(client.downloadMedia({ mediaId: media.mediaId, offset: 70_000n, length: 100_000n }));
      expect(part.bytes.equals(data.subarray(70_000, 170_000))).toBe(true);
      expect((await client.getMedia({ mediaId: media.mediaId })).media).toEqual(media);
    });

    it("when an append comes at a wrong offset, it fails with failed_precondition naming the expected offset, and the upload goes on", async () => {
      const data = randomBytes(200_000);
      const { upload: started } = await client.startUpload({ metadata: metadata({ sizeBytes: data.length, sha256: sha256Of(data) }) });
      const id = started!.uploadId;
      await client.appendUpload({ uploadId: id, offset: 0n, chunk: data.subarray(0, 120_000) });

      const err = await failure(client.appendUpload({ uploadId: id, offset: 100_000n, chunk: data.subarray(100_000) }));

      expect(err?.code).toBe(Code.FailedPrecondition);
      expect(err?.message).toContain("expected offset is 120000");
      expect(err?.findDetails(UploadSchema)[0]?.offset).toBe(120_000n);
      expect((await client.getUpload({ uploadId: id })).upload?.offset).toBe(120_000n);
      await client.appendUpload({ uploadId: id, offset: 120_000n, chunk: data.subarray(120_000) });
      const { media } = await client.finishUpload({ uploadId: id });
      expect(media?.sha256).toBe(sha256Of(data));
      expect((await collectDownload(client.downloadMedia({ mediaId: media!.mediaId }))).bytes.equals(data)).toBe(true);
      expect((await failure(client.getUpload({ uploadId: id })))?.code).toBe(Code.NotFound);
    });

    it("when MEDIA_UPLOAD_MAX_OPEN uploads are open, one more StartUpload fails with resource_exhausted until one finishes", async () => {
      const start = () => client.startUpload({ metadata: metadata({ sizeBytes: 1 }) });
      const open = [];
      for (let i = 0; i < MAX_OPEN; i++) open.push((await start()).upload!.uploadId);

      expect((await failure(start()))?.code).toBe(Code.ResourceExhausted);
      await client.appendUpload({ uploadId: open[0], offset: 0n, chunk: Buffer.from("x") });
      await client.finishUpload({ uploadId: open[0] });
      await start();
    });

    it("when an upload gets no append for the TTL, the sweep expires it and removes the bytes it had written", async () => {
      const before = await ctx.adapter.mediaFootprint();
      const data = randomBytes(280_000);
      const { upload: started } = await client.startUpload({ metadata: metadata({ sizeBytes: data.length }) });
      const id = started!.uploadId;
      expect(started!.expireTime?.seconds).toBe(BigInt((clock.now().getTime() + TTL_MS) / 1000));
      await client.appendUpload({ uploadId: id, offset: 0n, chunk: data.subarray(0, 200_000) });
      // Answered once the store took the previous chunk, so that one is written by now.
      await client.appendUpload({ uploadId: id, offset: 200_000n, chunk: data.subarray(200_000, 200_001) });
      expect(await ctx.adapter.mediaFootprint()).toBeGreaterThan(before);

      clock.advance(TTL_MS - 1);
      expect(await uploads.sweep()).toBe(0);
      clock.advance(1);
      expect(await uploads.sweep()).toBe(1);

      expect(await ctx.adapter.mediaFootprint()).toBe(before);
      expect(await ctx.adapter.mediaLeftovers()).toBe(0);
      expect((await failure(client.getUpload({ uploadId: id })))?.code).toBe(Code.NotFound);
      expect((await failure(client.appendUpload({ uploadId: id, offset: 200_001n, chunk: data.subarray(200_001) })))?.code).toBe(Code.NotFound);
    });

    it("when a store was begun a day ago and never finished (its process died), the sweep removes what it wrote", async () => {
      const stalled = deferred();
      const dead = deferred();
      async function* writtenThenStuck() {
        yield randomBytes(200_000);
        yield randomBytes(1);
        stalled.resolve();
        await dead.promise;
        throw new Error("process gone");
      }
      const put = ctx.store.media.put({ mediaId: "dying", accountId: "acc", mimeType: "application/octet-stream", source: "upload", createTime: clock.now() }, writtenThenStuck());
      await stalled.promise;

      clock.advance(24 * 3600_000);
      await uploads.sweep();
      expect(await ctx.adapter.mediaLeftovers()).toBeGreaterThan(0); // a day is not more than a day
      clock.advance(1);
      await uploads.sweep();
      expect(await ctx.adapter.mediaLeftovers()).toBe(0);

      dead.resolve();
      await expect(put).rejects.toThrow("process gone");
    });

    it("when a file is exactly at the limit it is kept; one byte more fails with resource_exhausted and leaves no chunk", async () => {
      const data = randomBytes(LIMIT + 1);
      await upload(data.subarray(0, LIMIT));
      const before = await ctx.adapter.mediaFootprint();

      const err = await failure(upload(data));

      expect(err?.code).toBe(Code.ResourceExhausted);
      expect(await ctx.adapter.mediaFootprint()).toBe(before);
      expect(await ctx.adapter.mediaLeftovers()).toBe(0);
      expect((await client.listMedia({ accountId: "acc" })).media).toHaveLength(1);
    });

    it("when the declared size is over the limit, the upload is refused before any byte is stored", async () => {
      const before = await ctx.adapter.mediaFootprint();

      expect((await failure(upload(randomBytes(1000), { sizeBytes: LIMIT + 1 })))?.code).toBe(Code.ResourceExhausted);
      expect((await failure(client.startUpload({ metadata: metadata({ sizeBytes: LIMIT + 1 }) })))?.code).toBe(Code.ResourceExhausted);

      expect(await ctx.adapter.mediaFootprint()).toBe(before);
    });

    it("when the bytes contradict the declared sha256 or size, the upload fails with invalid_argument and nothing remains", async () => {
      const data = randomBytes(150_000);
      const before = await ctx.adapter.mediaFootprint();

      const badSha = await failure(upload(data, { sha256: sha256Of(Buffer.from("other")) }));
      const tooFew = await failure(upload(data, { sizeBytes: data.length + 1 }));
      const tooMany = await failure(upload(data, { sizeBytes: data.length - 1 }));

      expect(badSha).toMatchObject({ code: Code.InvalidArgument });
      expect(badSha?.message).toContain(sha256Of(data));
      expect(tooFew).toMatchObject({ code: Code.InvalidArgument });
      expect(tooMany).toMatchObject({ code: Code.InvalidArgument });
      expect(await ctx.adapter.mediaFootprint()).toBe(before);
      expect(await ctx.adapter.mediaLeftovers()).toBe(0);
      expect((await client.listMedia({ accountId: "acc" })).media).toHaveLength(0);
    });

    it("when the declared MIME type contradicts the bytes it is refused; unsniffable types pass; an empty type takes the sniffed one", async () => {
      const png = pngBytes(20_000);

      const err = await failure(upload(png, { mimeType: "image/jpeg" }));
      const asPng = await upload(png, { mimeType: "image/png" });
      const sniffed = await upload(png, { mimeType: "" });
      const text = await upload(Buffer.from("just some words\n".repeat(500)), { mimeType: "text/plain" });
      const unknown = await upload(Buffer.from("just some words\n"), { mimeType: "" });

      expect(err?.code).toBe(Code.InvalidArgument);
      expect(err?.message).toContain("image/png");
      expect(asPng.mimeType).toBe("image/png");
      expect(sniffed.mimeType).toBe("image/png");
      expect(text.mimeType).toBe("text/plain");
      expect(unknown.mimeType).toBe("application/octet-stream");
      expect(await ctx.adapter.mediaLeftovers()).toBe(0);
    });

    it("when a send holds the media, DeleteMedia fails with failed_precondition; after the release it deletes", async () => {
      const media = await upload(randomBytes(1000));
      const release = leases.hold(media.mediaId);
      const releaseOther = leases.hold(media.mediaId);

      expect((await failure(client.deleteMedia({ mediaId: media.mediaId })))?.code).toBe(Code.FailedPrecondition);
      release();
      release(); // twice does not release the other hold
      expect((await failure(client.deleteMedia({ mediaId: media.mediaId })))?.code).toBe(Code.FailedPrecondition);
      releaseOther();
      await client.deleteMedia({ mediaId: media.mediaId });

      expect((await failure(client.getMedia({ mediaId: media.mediaId })))?.code).toBe(Code.NotFound);
      expect((await failure(client.deleteMedia({ mediaId: media.mediaId })))?.code).toBe(Code.NotFound);
    });

    it("when an account's media is listed in pages, every file comes once, newest first, and a foreign token is refused", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.unshift((await upload(Buffer.from(`file ${i}`))).mediaId);
        clock.advance(1000);
      }
      const seen: string[] = [];
      let pageToken = "";
      let pages = 0;
      do {
        const page = await client.listMedia({ accountId: "acc", pageSize: 2, pageToken });
        seen.push(...page.media.map((m) => m.mediaId));
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken);

      expect(seen).toEqual(ids);
      expect(pages).toBe(3);
      const token = (await client.listMedia({ accountId: "acc", pageSize: 2 })).nextPageToken;
      expect((await failure(client.listMedia({ accountId: "other", pageToken: token })))?.code).toBe(Code.InvalidArgument);
    });

    it("when a download is cancelled, the service stops reading the store", async () => {
      const data = randomBytes(LIMIT);
      const media = await upload(data);
      const abort = new AbortController();
      const stream = client.downloadMedia({ mediaId: media.mediaId }, { signal: abort.signal });
      const iterator = stream[Symbol.asyncIterator]();
      await iterator.next(); // metadata
      await iterator.next(); // the first chunk
      const read = opened[0];
      const closed = once(read, "close");

      abort.abort();

      await closed;
      expect(read.destroyed).toBe(true);
      expect(read.readableEnded).toBe(false);
      await expect(iterator.next()).rejects.toThrow();
    });

    it("when a download asks past the end or for an unknown file, it fails with out_of_range or not_found", async () => {
      const media = await upload(randomBytes(1000));

      expect((await failure(collectDownload(client.downloadMedia({ mediaId: media.mediaId, offset: 1001n }))))?.code).toBe(Code.OutOfRange);
      expect((await collectDownload(client.downloadMedia({ mediaId: media.mediaId, offset: 1000n }))).bytes).toHaveLength(0);
      expect((await failure(collectDownload(client.downloadMedia({ mediaId: "nope" }))))?.code).toBe(Code.NotFound);
    });

    it("when the stream does not start with metadata or names an unknown account, the upload is refused", async () => {
      async function* chunkFirst() {
        yield { part: { case: "chunk" as const, value: Buffer.from("x") } };
      }

      expect((await failure(client.uploadMedia(chunkFirst())))?.code).toBe(Code.InvalidArgument);
      expect((await failure(client.uploadMedia(uploadRequests({ ...metadata(), accountId: "ghost" }, Buffer.from("x"), 1))))?.code).toBe(Code.NotFound);
      expect((await failure(client.startUpload({ metadata: metadata() })))?.code).toBe(Code.InvalidArgument); // size required
    });
  });
}

mediaServiceSuite("SQLite", sqliteAdapter);
describe.skipIf(!uri)("GridFS", () => {
  // 64 KiB chunks, as in the store contract, so these small files span several chunks.
  mediaServiceSuite("FerretDB/GridFS", mongoAdapter(uri));
});
