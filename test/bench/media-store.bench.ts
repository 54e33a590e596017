// GridFS throughput through the store against the raw driver's GridFSBucket, same data.
//
//   node --import tsx test/bench/media-store.bench.ts
//
// Uses MONGODB_URI when set, else starts FerretDB like the tests do. BENCH_MIB sets the file
// size (default 64), BENCH_ROUNDS the repetitions (default 3; the best round counts).
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GridFSBucket, MongoClient } from "mongodb";
import { AuthCipher } from "../../src/store/auth/auth-cipher.js";
import { openMongoStore } from "../../src/store/mongo/mongo-store.js";
import { drain, pieces, time } from "./bench-support.js";
import { findFerretDbBinary, startFerretDb, uniqueDbName } from "../support/ferretdb.js";

const sizeMiB = Number(process.env.BENCH_MIB ?? 64);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const ferret = process.env.MONGODB_URI ? undefined : await startFerretDb(findFerretDbBinary() ?? "ferretdb");
const uri = process.env.MONGODB_URI ?? ferret!.uri;
const client = await new MongoClient(uri).connect();
console.log(`server: ${ferret ? "FerretDB (started here)" : uri.replace(/\/\/[^@]*@/, "//…@")}; file: ${sizeMiB} MiB; best of ${rounds}`);
try {
  for (const chunkSizeBytes of [1024 * 1024, 255 * 1024]) {
    const dbName = uniqueDbName("bench");
    const store = await openMongoStore(uri, dbName, { authCipher: new AuthCipher(randomBytes(32)), mediaChunkSizeBytes: chunkSizeBytes });
    const bucket = new GridFSBucket(client.db(dbName), { bucketName: "raw", chunkSizeBytes });
    const best = { storeUp: 0, storeDown: 0, rawUp: 0, rawDown: 0 };
    for (let round = 0; round < rounds; round++) {
      const id = `r${round}`;
      best.storeUp = Math.max(best.storeUp, await time(sizeMiB, async () => {
        await store.media.put({ mediaId: id, accountId: "bench", mimeType: "application/octet-stream", source: "upload", createTime: new Date() }, Readable.from(pieces(sizeMiB)));
      }));
      best.storeDown = Math.max(best.storeDown, await time(sizeMiB, async () => drain((await store.media.open(id))!)));
      best.rawUp = Math.max(best.rawUp, await time(sizeMiB, async () => {
        const hash = createHash("sha256");
        await pipeline(Readable.from(pieces(sizeMiB)).on("data", (d: Buffer) => hash.update(d)), bucket.openUploadStreamWithId(id as never, id));
      }));
      best.rawDown = Math.max(best.rawDown, await time(sizeMiB, async () => drain(bucket.openDownloadStream(id as never))));
    }
    const f = (n: number) => n.toFixed(1).padStart(7);
    console.log(
      `chunk ${String(chunkSizeBytes / 1024).padStart(4)} KiB  upload: store ${f(best.storeUp)} MB/s, raw ${f(best.rawUp)} MB/s, ratio ${(best.storeUp / best.rawUp).toFixed(2)}` +
        `  |  download: store ${f(best.storeDown)} MB/s, raw ${f(best.rawDown)} MB/s, ratio ${(best.storeDown / best.rawDown).toFixed(2)}`,
    );
    await store.close();
    await client.db(dbName).dropDatabase();
  }
} finally {
  await client.close();
  await ferret?.stop();
}
