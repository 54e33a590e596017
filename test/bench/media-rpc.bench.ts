// MediaService throughput (UploadMedia / DownloadMedia over gRPC through a real gateway on
// GridFS) against the raw driver's GridFSBucket on the same server, same data, same run; then
// the same RPCs on the embedded SQLite store against that store called directly, which shows
// what the RPC layer itself costs when the storage is fast.
//
//   npm run bench:media-rpc
//
// Uses MONGODB_URI when set, else starts FerretDB like the tests do. BENCH_MIB sets the file
// size (default 64), BENCH_ROUNDS the repetitions (default 3; the best round counts). The
// gateway runs in this process, so client and server share the CPU; the raw side pays the
// same hashing (the store hashes on the way in, the client on the way out).
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GridFSBucket, MongoClient } from "mongodb";
import { pino } from "pino";
import { MediaService } from "../../gen/wildcat/v1/media_service_pb.js";
import { systemClock } from "../../src/clock.js";
import { loadConfig } from "../../src/config.js";
import { startGateway } from "../../src/gateway.js";
import { GrpcJsClient } from "../support/clients.js";
import { drain, pieces, time } from "./bench-support.js";
import { findFerretDbBinary, startFerretDb, uniqueDbName } from "../support/ferretdb.js";

const mib = 1024 * 1024;
const sizeMiB = Number(process.env.BENCH_MIB ?? 64);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
async function* uploadRequests() {
  yield { part: { case: "metadata" as const, value: { accountId: "bench", mimeType: "application/octet-stream", sizeBytes: BigInt(sizeMiB * mib) } } };
  for (const piece of pieces(sizeMiB)) yield { part: { case: "chunk" as const, value: piece } };
}

const f = (n: number) => n.toFixed(1).padStart(7);

/** A gateway on `env`'s store with account "bench", and a grpc-js client of it. */
async function benchGateway(env: Record<string, string>) {
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", MEDIA_MAX_BYTES: String((sizeMiB + 1) * mib), ...env });
  const gateway = await startGateway(config, pino({ level: "warn" }), systemClock);
  const now = new Date();
  await gateway.store.accounts.create({ accountId: "bench", displayName: "", state: "disconnected", createTime: now, updateTime: now });
  // A large HTTP/2 receive window, as a bulk-download client would configure it; with grpc-js's
  // default 64 KiB window the download measures the client's window, not the server.
  const grpc = new GrpcJsClient(`127.0.0.1:${gateway.server.port}`, { "grpc-node.flow_control_window": 8 * mib });
  return { gateway, grpc };
}

/** Best-of-`rounds` MB/s of the RPCs (first pair) and of `raw` (second pair), interleaved per round. */
async function compare(grpc: GrpcJsClient, raw: { up(id: string): Promise<void>; down(id: string): Promise<void> }) {
  const best = { rpcUp: 0, rpcDown: 0, rawUp: 0, rawDown: 0 };
  for (let round = 0; round < rounds; round++) {
    let mediaId = "";
    best.rpcUp = Math.max(best.rpcUp, await time(sizeMiB, async () => {
      mediaId = (await grpc.clientStream(MediaService.method.uploadMedia, uploadRequests())).media!.mediaId;
    }));
    best.rpcDown = Math.max(best.rpcDown, await time(sizeMiB, async () => {
      const hash = createHash("sha256");
      for await (const res of grpc.serverStream(MediaService.method.downloadMedia, { mediaId })) {
        if (res.part.case === "chunk") hash.update(res.part.value);
      }
    }));
    const id = `r${round}`;
    best.rawUp = Math.max(best.rawUp, await time(sizeMiB, () => raw.up(id)));
    best.rawDown = Math.max(best.rawDown, await time(sizeMiB, () => raw.down(id)));
  }
  return best;
}

function print(label: string, rawName: string, best: { rpcUp: number; rpcDown: number; rawUp: number; rawDown: number }) {
  console.log(`${label} upload:   RPC ${f(best.rpcUp)} MB/s, ${rawName} ${f(best.rawUp)} MB/s, ratio ${(best.rpcUp / best.rawUp).toFixed(2)}`);
  console.log(`${label} download: RPC ${f(best.rpcDown)} MB/s, ${rawName} ${f(best.rawDown)} MB/s, ratio ${(best.rpcDown / best.rawDown).toFixed(2)}`);
}

const ferret = process.env.MONGODB_URI ? undefined : await startFerretDb(findFerretDbBinary() ?? "ferretdb");
const uri = process.env.MONGODB_URI ?? ferret!.uri;
const dbName = uniqueDbName("bench_rpc");
const client = await new MongoClient(uri).connect();
console.log(`server: ${ferret ? "FerretDB (started here)" : uri.replace(/\/\/[^@]*@/, "//…@")}; file: ${sizeMiB} MiB; best of ${rounds}; GridFS chunks 1 MiB`);
try {
  const { gateway, grpc } = await benchGateway({ MONGODB_URI: uri, MONGODB_DB: dbName, AUTH_STATE_KEY: randomBytes(32).toString("hex") });
  const bucket = new GridFSBucket(client.db(dbName), { bucketName: "raw", chunkSizeBytes: mib });
  try {
    const best = await compare(grpc, {
      async up(id) {
        const hash = createHash("sha256");
        await pipeline(Readable.from(pieces(sizeMiB)).on("data", (d: Buffer) => hash.update(d)), bucket.openUploadStreamWithId(id as never, id));
      },
      down: (id) => drain(bucket.openDownloadStream(id as never)),
    });
    print("GridFS", "raw GridFSBucket", best);
  } finally {
    grpc.close();
    await gateway.close();
    await client.db(dbName).dropDatabase();
  }
} finally {
  await client.close();
  await ferret?.stop();
}

const dir = mkdtempSync(join(tmpdir(), "wildcat-bench-"));
try {
  const { gateway, grpc } = await benchGateway({ DATA_DIR: dir });
  try {
    const media = gateway.store.media;
    const best = await compare(grpc, {
      async up(id) {
        await media.put({ mediaId: id, accountId: "bench", mimeType: "application/octet-stream", source: "upload", createTime: new Date() }, Readable.from(pieces(sizeMiB)));
      },
      down: async (id) => drain((await media.open(id))!),
    });
    print("SQLite", "store called directly", best);
  } finally {
    grpc.close();
    await gateway.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
