import { createHash, randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { MediaTooLargeError, type NewMedia } from "../../../src/store/media.js";
import { AlreadyExistsError } from "../../../src/store/store.js";
import { deferred, useAdapter, type AdapterFactory } from "../harness.js";

const createTime = new Date("2025-05-01T00:00:00.123Z");

function media(mediaId: string, overrides: Partial<NewMedia> = {}): NewMedia {
  return { mediaId, accountId: "acc", mimeType: "image/png", source: "upload", createTime, ...overrides };
}

/** `data` in uneven pieces, as a network stream would deliver it. */
async function* pieces(data: Buffer, size = 50_000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, Math.min(data.length, i + size));
}

async function readAll(stream: Readable | undefined): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream!) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export function mediaContract(name: string, factory: AdapterFactory): void {
  describe(`${name} media`, () => {
    const ctx = useAdapter(factory);
    // Spans several 64 KiB GridFS chunks and ends mid-chunk.
    const data = randomBytes(300_001);
    const sha256 = createHash("sha256").update(data).digest("hex");

    it("when media is stored, get gives size and sha256 and open streams the exact bytes", async () => {
      const full = media("m_full-1", { fileName: "pic.png", messageId: "MSG1", source: "inbound" });

      const record = await ctx.store.media.put(full, pieces(data));

      const expected = { ...full, sizeBytes: data.length, sha256 };
      expect(record).toStrictEqual(expected);
      expect(await ctx.store.media.get("m_full-1")).toStrictEqual(expected);
      expect((await readAll(await ctx.store.media.open("m_full-1"))).equals(data)).toBe(true);
    });

    it("when a range is read, exactly those bytes come back, across chunk boundaries and at the ends", async () => {
      await ctx.store.media.put(media("m"), pieces(data));
      const read = async (offset: number, length?: number) => readAll(await ctx.store.media.open("m", { offset, length }));

      expect((await read(65_530, 70_000)).equals(data.subarray(65_530, 135_530))).toBe(true);
      expect((await read(0, 1)).equals(data.subarray(0, 1))).toBe(true);
      expect((await read(299_999)).equals(data.subarray(299_999))).toBe(true);
      expect((await read(300_000, 1000)).equals(data.subarray(300_000))).toBe(true);
      expect(await read(300_001)).toHaveLength(0);
      await expect(ctx.store.media.open("m", { offset: 300_002 })).rejects.toBeInstanceOf(RangeError);
    });

    it("when the content is exactly at the limit it is kept; one byte more aborts and leaves nothing", async () => {
      await ctx.store.media.put(media("at"), pieces(data), { maxBytes: data.length });

      await expect(ctx.store.media.put(media("over"), pieces(data), { maxBytes: data.length - 1 })).rejects.toBeInstanceOf(
        MediaTooLargeError,
      );

      expect((await ctx.store.media.get("at"))?.sizeBytes).toBe(data.length);
      expect(await ctx.store.media.get("over")).toBeUndefined();
      expect(await ctx.store.media.open("over")).toBeUndefined();
      expect(await ctx.adapter.mediaLeftovers()).toBe(0);
    });

    it("when the source fails midway, put rejects and nothing of it remains", async () => {
      async function* failing() {
        yield* pieces(data.subarray(0, 200_000));
        throw new Error("client disconnected");
      }

      await expect(ctx.store.media.put(media("broken"), failing())).rejects.toThrow("client disconnected");

      expect(await ctx.store.media.get("broken")).toBeUndefined();
      expect(await ctx.adapter.mediaLeftovers()).toBe(0);
    });

    it("when an upload never finishes (its process died), cleanupOrphans removes what it wrote", async () => {
      const stalled = deferred();
      const release = deferred();
      async function* hanging() {
        yield* pieces(data, 100_000);
        stalled.resolve();
        await release.promise;
        throw new Error("process gone");
      }
      const upload = ctx.store.media.put(media("orphan"), hanging());
      await stalled.promise;
      expect(await ctx.adapter.mediaLeftovers()).toBeGreaterThan(0);
      const other = await ctx.open();

      expect(await other.media.cleanupOrphans(createTime)).toBe(0); // not older than the cutoff
      expect(await other.media.cleanupOrphans(new Date(createTime.getTime() + 1))).toBe(1);

      expect(await ctx.adapter.mediaLeftovers()).toBe(0);
      release.resolve();
      await expect(upload).rejects.toThrow("process gone");
      expect(await ctx.adapter.mediaLeftovers()).toBe(0);
    });

    it("when an id is taken, put throws AlreadyExistsError and the first content stays", async () => {
      await ctx.store.media.put(media("dup"), pieces(data));

      await expect(ctx.store.media.put(media("dup"), pieces(Buffer.from("other")))).rejects.toBeInstanceOf(AlreadyExistsError);

      expect((await ctx.store.media.get("dup"))?.sha256).toBe(sha256);
      expect((await readAll(await ctx.store.media.open("dup"))).equals(data)).toBe(true);
    });

    it("when media is deleted, it is gone; deleting again returns false; empty media works", async () => {
      await ctx.store.media.put(media("gone"), pieces(data));
      await ctx.store.media.put(media("empty"), pieces(Buffer.alloc(0)));

      expect(await ctx.store.media.delete("gone")).toBe(true);
      expect(await ctx.store.media.delete("gone")).toBe(false);
      expect(await ctx.store.media.open("gone")).toBeUndefined();
      expect(await ctx.adapter.mediaLeftovers()).toBe(0);
      expect((await ctx.store.media.get("empty"))?.sha256).toBe(createHash("sha256").digest("hex"));
      expect(await readAll(await ctx.store.media.open("empty"))).toHaveLength(0);
    });

    it("when an account's media is listed, pages come newest first (ties by id), complete files only, one account only", async () => {
      const at = (ms: number) => new Date(createTime.getTime() + ms);
      for (const [id, ms] of [["a1", 0], ["a2", 1000], ["a3", 1000], ["a4", 2000], ["a5", 3000]] as const) {
        await ctx.store.media.put(media(id, { createTime: at(ms) }), pieces(Buffer.from(id)));
      }
      await ctx.store.media.put(media("other", { accountId: "acc2", createTime: at(5000) }), pieces(Buffer.from("x")));
      const stalled = deferred();
      const release = deferred();
      const unfinished = ctx.store.media.put(media("partial", { createTime: at(9000) }), (async function* () {
        yield Buffer.from("part");
        stalled.resolve();
        await release.promise;
        throw new Error("gone");
      })());
      await stalled.promise;

      const seen: string[][] = [];
      let pageToken: string | undefined;
      do {
        const page = await ctx.store.media.list({ accountId: "acc", pageSize: 2, pageToken });
        seen.push(page.media.map((m) => m.mediaId));
        pageToken = page.nextPageToken;
      } while (pageToken);

      expect(seen).toEqual([["a5", "a4"], ["a3", "a2"], ["a1"]]);
      expect((await ctx.store.media.list({ accountId: "acc", pageSize: 5 })).nextPageToken).toBeUndefined();
      expect((await ctx.store.media.list({ accountId: "acc", pageSize: 1 })).media[0]).toStrictEqual(await ctx.store.media.get("a5"));
      await expect(ctx.store.media.list({ accountId: "acc", pageSize: 2, pageToken: "garbage" })).rejects.toBeInstanceOf(RangeError);
      release.resolve();
      await expect(unfinished).rejects.toThrow("gone");
    });

    it("when an account's media is deleted, all its files go and other accounts' stay", async () => {
      await ctx.store.media.put(media("mine1"), pieces(data));
      await ctx.store.media.put(media("mine2"), pieces(Buffer.from("small")));
      await ctx.store.media.put(media("theirs", { accountId: "acc2" }), pieces(data));

      expect(await ctx.store.media.deleteAccount("acc")).toBe(2);

      expect(await ctx.store.media.get("mine1")).toBeUndefined();
      expect(await ctx.store.media.get("mine2")).toBeUndefined();
      expect((await readAll(await ctx.store.media.open("theirs"))).equals(data)).toBe(true);
      expect(await ctx.adapter.mediaLeftovers()).toBe(0);
      expect(await ctx.store.media.deleteAccount("acc")).toBe(0);
    });

    it("when a media id could escape its directory, put refuses it", async () => {
      await expect(ctx.store.media.put(media("../x"), pieces(data))).rejects.toBeInstanceOf(RangeError);
    });
  });
}
