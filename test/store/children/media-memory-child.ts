// Streams MEDIA_MIB MiB into the store and back out, printing the peak RSS growth as JSON.
import { createHash, randomBytes } from "node:crypto";
import { openChildStore } from "./open-child-store.js";

const mib = 1024 * 1024;
const total = Number(process.env.MEDIA_MIB);
const store = await openChildStore({ mediaChunkSizeBytes: Number(process.env.CHUNK_BYTES) || undefined });
const block = randomBytes(mib);

async function* generate(count: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    const piece = Buffer.allocUnsafe(mib);
    block.copy(piece);
    piece.writeUInt32BE(i, 0); // every MiB differs, so a misplaced chunk changes the hash
    yield piece;
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
async function roundTrip(id: string, count: number, sample: () => void) {
  const hash = createHash("sha256");
  const started = process.hrtime.bigint();
  const record = await store.media.put(
    { mediaId: id, accountId: "acc", mimeType: "application/octet-stream", source: "upload", createTime: new Date() },
    (async function* () {
      for await (const piece of generate(count)) {
        sample();
        hash.update(piece);
        yield piece;
      }
    })(),
  );
  const uploaded = process.hrtime.bigint();
  const readHash = createHash("sha256");
  let size = 0;
  for await (const part of (await store.media.open(id))!) {
    sample();
    readHash.update(part as Buffer);
    size += (part as Buffer).length;
  }
  const downloaded = process.hrtime.bigint();
  return {
    ok: record.sha256 === hash.digest("hex") && readHash.digest("hex") === record.sha256 && size === count * mib,
    uploadSeconds: Number(uploaded - started) / 1e9,
    downloadSeconds: Number(downloaded - uploaded) / 1e9,
  };
}

// Warm up code paths, connection pools and buffers before the baseline is taken.
await roundTrip("warmup", 32, () => {});
gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const result = await roundTrip("big", total, () => {
  const rss = process.memoryUsage().rss;
  if (rss > peak) peak = rss;
});
console.log(JSON.stringify({ ...result, baselineMiB: baseline / mib, peakGrowthMiB: (peak - baseline) / mib }));
await store.close();
