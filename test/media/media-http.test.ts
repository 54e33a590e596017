import { randomBytes } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { MediaService } from "../../gen/wildcat/v1/media_service_pb.js";
import { loadConfig } from "../../src/config.js";
import { mediaHttpRoute, parseRange } from "../../src/server/media-http.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { startTestGateway } from "../support/gateway.js";
import { observeOpens } from "./media-support.js";
import { bearer } from "../support/auth.js";

describe("parseRange", () => {
  it("when a header asks for one byte range, it gives [start, end); past-the-end starts are unsatisfiable; others are ignored", () => {
    expect(parseRange("bytes=0-9", 100)).toEqual({ start: 0, end: 10 });
    expect(parseRange("bytes=90-", 100)).toEqual({ start: 90, end: 100 });
    expect(parseRange("bytes=-10", 100)).toEqual({ start: 90, end: 100 });
    expect(parseRange("bytes=-500", 100)).toEqual({ start: 0, end: 100 });
    expect(parseRange("bytes=95-500", 100)).toEqual({ start: 95, end: 100 });
    expect(parseRange("bytes=100-", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=100-200", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=-0", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=0-0", 0)).toBe("unsatisfiable");
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange("bytes=5-1", 100)).toBeUndefined();
    expect(parseRange("bytes=0-1,5-6", 100)).toBeUndefined();
    expect(parseRange("items=0-1", 100)).toBeUndefined();
    expect(parseRange("bytes=-", 100)).toBeUndefined();
  });
});

describe("GET /media/{id} when the client goes away", () => {
  let dir: string;
  let store: Store;
  let server: RunningServer;
  let opened: Readable[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "wildcat-media-http-"));
    store = openSqliteStore(dir);
    const observed = observeOpens(store.media);
    opened = observed.opened;
    const logger = pino({ level: "silent" });
    const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dir });
    server = await startServer(config, logger, [], {}, [mediaHttpRoute(observed.media, logger)]);
  });
  afterEach(async () => {
    await server.shutdown();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("when the client disconnects mid-download, the store's read is destroyed before the end", async () => {
    const size = 32 * 1024 * 1024;
    await store.media.put({ mediaId: "big", accountId: "acc", mimeType: "application/octet-stream", source: "upload", createTime: new Date() }, (async function* () {
      for (let i = 0; i < size / (1024 * 1024); i++) yield randomBytes(1024 * 1024);
    })());
    const req = http.get(`http://127.0.0.1:${server.port}/media/big`);
    const [res] = (await once(req, "response")) as [http.IncomingMessage];
    expect(res.statusCode).toBe(200);
    // Take a little, then stop reading and go: backpressure holds the server's read meanwhile.
    await once(res, "data");
    res.pause();
    const read = opened[0];
    // Not once(): it rejects on the premature-close error the pipeline destroys the read with.
    const closed = new Promise((resolve) => read.once("close", resolve));

    req.destroy();

    await closed;
    expect(read.readableEnded).toBe(false);
  });
});

describe("gateway close", () => {
  it("when the gateway stops with an unfinished resumable upload, the upload's bytes are removed", async () => {
    const gw = await startTestGateway();
    try {
      const transport = createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] });
      await createClient(AccountService, transport).createAccount({ accountId: "acc" });
      const media = createClient(MediaService, transport);
      const data = randomBytes(300_000);
      const { upload } = await media.startUpload({ metadata: { accountId: "acc", sizeBytes: BigInt(data.length) } });
      await media.appendUpload({ uploadId: upload!.uploadId, offset: 0n, chunk: data.subarray(0, 200_000) });
      await media.appendUpload({ uploadId: upload!.uploadId, offset: 200_000n, chunk: data.subarray(200_000, 200_001) });
      const tmp = join(gw.config.dataDir, "media", "tmp");
      expect(readdirSync(tmp)).toHaveLength(1);

      await gw.stop();

      expect(readdirSync(tmp)).toHaveLength(0);
    } finally {
      await gw.cleanup();
    }
  });
});
