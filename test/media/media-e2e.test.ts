import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { ServiceError } from "@grpc/grpc-js";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { MediaService } from "../../gen/wildcat/v1/media_service_pb.js";
import { dropDatabase, uniqueDbName } from "../support/ferretdb.js";
import { curlJson, GrpcJsClient, run } from "../support/clients.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { collectDownload, sha256Of, uploadRequests } from "./media-support.js";
import { bearer } from "../support/auth.js";
import { TEST_AUTH_HEADER } from "../support/auth.js";

const uri = inject("mongodbUri");
const MiB = 1024 * 1024;
const data = randomBytes(16 * MiB);
const sha256 = sha256Of(data);

/** curl GET (with the test admin key) into a file; returns the status, the headers (lower-case names) and the body. */
async function curlGet(url: string, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), "wildcat-curl-"));
  try {
    const out = await run("curl", ["-sS", "-H", `authorization: ${TEST_AUTH_HEADER}`, "-D", join(dir, "headers"), "-o", join(dir, "body"), ...args, url]);
    if (out.code !== 0) throw new Error(`curl failed: ${out.stderr}`);
    const lines = readFileSync(join(dir, "headers"), "utf8").trim().split(/\r?\n/);
    const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
    return { status: Number(lines[0].split(" ")[1]), headers, body: readFileSync(join(dir, "body")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function endToEnd(name: string, env: () => Record<string, string>, cleanup: (env: Record<string, string>) => Promise<void> = async () => {}) {
  describe(`media over the wire on ${name}`, () => {
    let gw: TestGateway;
    let grpc: GrpcJsClient;
    let media: Client<typeof MediaService>;
    let gatewayEnv: Record<string, string>;

    beforeAll(async () => {
      gatewayEnv = env();
      gw = await startTestGateway({ MEDIA_MAX_BYTES: String(32 * MiB), ...gatewayEnv });
      grpc = new GrpcJsClient(`127.0.0.1:${gw.gateway.server.port}`);
      const transport = createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] });
      media = createClient(MediaService, transport);
      await createClient(AccountService, transport).createAccount({ accountId: "acc" });
    });
    afterAll(async () => {
      grpc?.close();
      await gw?.cleanup();
      await cleanup(gatewayEnv);
    });

    it("when 16 MiB is uploaded over gRPC client streaming and over the chunked unary path, both download over gRPC and HTTP Range with identical bytes", { timeout: 240_000 }, async () => {
      const metadata = { accountId: "acc", mimeType: "application/octet-stream", fileName: "big.bin", sizeBytes: BigInt(data.length), sha256 };
      const streamed = (await grpc.clientStream(MediaService.method.uploadMedia, uploadRequests(metadata, data, MiB))).media!;

      const { upload } = await media.startUpload({ metadata });
      for (let at = 0; at < data.length; at += MiB) {
        await media.appendUpload({ uploadId: upload!.uploadId, offset: BigInt(at), chunk: data.subarray(at, at + MiB) });
      }
      const chunked = (await media.finishUpload({ uploadId: upload!.uploadId })).media!;

      for (const stored of [streamed, chunked]) {
        expect(stored).toMatchObject({ sha256, sizeBytes: BigInt(data.length) });
        const overGrpc = await collectDownload(grpc.serverStream(MediaService.method.downloadMedia, { mediaId: stored.mediaId }));
        expect(overGrpc.metadata?.sha256).toBe(sha256);
        expect(sha256Of(overGrpc.bytes)).toBe(sha256);
        const whole = await curlGet(`${gw.baseUrl}${stored.downloadPath}`);
        expect(whole.status).toBe(200);
        expect(sha256Of(whole.body)).toBe(sha256);
        const from = 5 * MiB + 123;
        const to = 11 * MiB + 7;
        const ranged = await curlGet(`${gw.baseUrl}${stored.downloadPath}`, ["-H", `Range: bytes=${from}-${to}`]);
        expect(ranged.status).toBe(206);
        expect(ranged.headers["content-range"]).toBe(`bytes ${from}-${to}/${data.length}`);
        expect(ranged.body.equals(data.subarray(from, to + 1))).toBe(true);
      }
    });

    it("when an upload is one byte over MEDIA_MAX_BYTES, gRPC gets resource_exhausted and the media footprint is unchanged", { timeout: 120_000 }, async () => {
      const before = await footprint(gw);
      const over = Buffer.alloc(32 * MiB + 1, 7);

      const err = (await grpc
        .clientStream(MediaService.method.uploadMedia, uploadRequests({ accountId: "acc", mimeType: "application/octet-stream" }, over, MiB))
        .then(() => undefined, (e: unknown) => e)) as ServiceError | undefined;

      expect(err?.code).toBe(8); // RESOURCE_EXHAUSTED
      expect(await footprint(gw)).toBe(before);
    });
  });
}

/** GridFS chunk documents, or files in the embedded store's media directory (tmp included). */
async function footprint(gw: TestGateway): Promise<number> {
  if (gw.config.mongodbUri) {
    const client = new MongoClient(gw.config.mongodbUri);
    try {
      return await client.db(gw.config.mongodbDb).collection("media.chunks").countDocuments({});
    } finally {
      await client.close();
    }
  }
  const out = await run("find", [join(gw.config.dataDir, "media"), "-type", "f"]);
  return out.stdout.split("\n").filter(Boolean).length;
}

endToEnd("SQLite", () => ({}));
describe.skipIf(!uri)("GridFS", () => {
  endToEnd(
    "FerretDB/GridFS",
    () => ({ MONGODB_URI: uri, MONGODB_DB: uniqueDbName("media_e2e"), AUTH_STATE_KEY: randomBytes(32).toString("hex") }),
    (env) => dropDatabase(uri, env.MONGODB_DB),
  );
});

describe("GET /media/{id}", () => {
  let gw: TestGateway;
  let file: { mediaId: string; url: string };
  const small = randomBytes(1000);

  beforeAll(async () => {
    gw = await startTestGateway();
    await curlJson(`${gw.baseUrl}/wildcat.v1.AccountService/CreateAccount`, { accountId: "acc" });
    // The chunked unary path with curl and Connect JSON, as the README shows it.
    const started = (await curlJson(`${gw.baseUrl}/wildcat.v1.MediaService/StartUpload`, {
      metadata: { accountId: "acc", mimeType: "text/plain", fileName: "notes é.txt", sizeBytes: String(small.length) },
    })) as { upload: { uploadId: string } };
    const uploadId = started.upload.uploadId;
    await curlJson(`${gw.baseUrl}/wildcat.v1.MediaService/AppendUpload`, { uploadId, offset: "0", chunk: small.subarray(0, 600).toString("base64") });
    const wrong = await curlJson(`${gw.baseUrl}/wildcat.v1.MediaService/AppendUpload`, { uploadId, offset: "0", chunk: small.subarray(600).toString("base64") });
    expect(wrong).toMatchObject({ code: "failed_precondition" });
    expect(wrong.message).toContain("expected offset is 600");
    await curlJson(`${gw.baseUrl}/wildcat.v1.MediaService/AppendUpload`, { uploadId, offset: "600", chunk: small.subarray(600).toString("base64") });
    const finished = (await curlJson(`${gw.baseUrl}/wildcat.v1.MediaService/FinishUpload`, { uploadId })) as { media: { mediaId: string; sha256: string } };
    expect(finished.media.sha256).toBe(sha256Of(small));
    file = { mediaId: finished.media.mediaId, url: `${gw.baseUrl}/media/${finished.media.mediaId}` };
  });
  afterAll(() => gw?.cleanup());

  it("when the whole file is asked for, it comes with its type, length, ETag and Accept-Ranges", async () => {
    const res = await curlGet(file.url);

    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      "content-type": "text/plain",
      "content-length": "1000",
      etag: `"${sha256Of(small)}"`,
      "accept-ranges": "bytes",
      "content-disposition": "inline; filename*=UTF-8''notes%20%C3%A9.txt",
    });
    expect(res.body.equals(small)).toBe(true);
  });

  it("when ranges a-b, a- and -n are asked for (HTTP/1.1 and HTTP/2), each comes as 206 with its Content-Range", async () => {
    for (const proto of [[], ["--http2-prior-knowledge"]]) {
      const ab = await curlGet(file.url, [...proto, "-H", "Range: bytes=10-19"]);
      const open = await curlGet(file.url, [...proto, "-H", "Range: bytes=990-"]);
      const suffix = await curlGet(file.url, [...proto, "-H", "Range: bytes=-5"]);
      const past = await curlGet(file.url, [...proto, "-H", "Range: bytes=995-5000"]);

      expect([ab.status, open.status, suffix.status, past.status]).toEqual([206, 206, 206, 206]);
      expect(ab.headers["content-range"]).toBe("bytes 10-19/1000");
      expect(ab.body.equals(small.subarray(10, 20))).toBe(true);
      expect(open.body.equals(small.subarray(990))).toBe(true);
      expect(suffix.headers["content-range"]).toBe("bytes 995-999/1000");
      expect(suffix.body.equals(small.subarray(995))).toBe(true);
      expect(past.body.equals(small.subarray(995))).toBe(true);
    }
  });

  it("when a range starts past the end it gets 416 with the size; an unknown id 404; HEAD sends headers only", async () => {
    const unsatisfiable = await curlGet(file.url, ["-H", "Range: bytes=1000-"]);
    const unknown = await curlGet(`${gw.baseUrl}/media/nope`);
    const head = await fetch(file.url, { method: "HEAD", headers: { authorization: TEST_AUTH_HEADER } });

    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers["content-range"]).toBe("bytes */1000");
    expect(unknown.status).toBe(404);
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("1000");
    expect(head.headers.get("etag")).toBe(`"${sha256Of(small)}"`);
    expect(await head.arrayBuffer()).toHaveProperty("byteLength", 0);
  });
});
