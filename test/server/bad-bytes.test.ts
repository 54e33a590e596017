import http2 from "node:http2";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/server.js";

// Bytes a client got wrong are the client's fault: invalid_argument (HTTP 400 for Connect unary),
// logged as an ordinary failed call, never internal/HTTP 500 with an error line for the operator.
const logLevels: number[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString().split("\n").filter(Boolean)) logLevels.push((JSON.parse(l) as { level: number }).level);
    done();
  },
});
let server: RunningServer;
let base: string;

beforeAll(async () => {
  const config = { port: 0, host: "127.0.0.1", corsOrigins: [], maxRequestBytes: 1 << 20, maxTimeoutMs: 60_000, shutdownTimeoutMs: 1_000 };
  server = await startServer(config, pino({ level: "debug" }, sink), []);
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server?.shutdown());

const CHECK = "/grpc.health.v1.Health/Check";
const WATCH = "/grpc.health.v1.Health/Watch";
/** Field 1 with wire type 7, which does not exist: no protobuf parser accepts it. */
const ILLEGAL_TAG = Buffer.from([0x0f, 0x00]);

/** An envelope: flags, the length it declares (by default the true one), the bytes. */
function envelope(body: Buffer, flags = 0, declared = body.length): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(declared, 1);
  return Buffer.concat([head, body]);
}

/** A raw gRPC call over h2c; the grpc-status of its trailers (or trailers-only headers). */
async function grpcStatus(path: string, body: Buffer, headers: Record<string, string> = {}): Promise<string | undefined> {
  const session = http2.connect(base);
  try {
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    let status: string | undefined;
    stream.on("response", (h) => (status ??= h["grpc-status"] as string | undefined));
    stream.on("trailers", (h) => (status = h["grpc-status"] as string | undefined));
    stream.resume();
    stream.end(body);
    await new Promise((resolve) => stream.once("close", resolve));
    return status;
  } finally {
    session.close();
  }
}

async function post(path: string, contentType: string, body: Uint8Array | string, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, { method: "POST", headers: { "content-type": contentType, ...headers }, body: typeof body === "string" ? body : new Uint8Array(body) });
  return { status: res.status, text: Buffer.from(await res.arrayBuffer()).toString("latin1") };
}

describe("a request body that does not parse", () => {
  it("when gRPC carries binary protobuf with an illegal tag, then it is invalid_argument (unary and stream)", async () => {
    expect(await grpcStatus(CHECK, envelope(ILLEGAL_TAG))).toBe("3");
    expect(await grpcStatus(WATCH, envelope(ILLEGAL_TAG))).toBe("3");
  });

  it("when gRPC-Web carries binary protobuf with an illegal tag, then it is invalid_argument", async () => {
    const res = await post(CHECK, "application/grpc-web+proto", envelope(ILLEGAL_TAG));
    expect(res.text).toContain("grpc-status: 3");
  });

  it("when Connect unary carries binary protobuf with an illegal tag, then it is HTTP 400 invalid_argument", async () => {
    const res = await post(CHECK, "application/proto", ILLEGAL_TAG);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code: "invalid_argument" });
  });

  it("when a Connect stream carries binary protobuf with an illegal tag, then it ends invalid_argument", async () => {
    const res = await post(WATCH, "application/connect+proto", envelope(ILLEGAL_TAG));
    expect(res.text).toContain('"code":"invalid_argument"');
  });

  it("when an envelope declares more bytes than the body holds, then it is invalid_argument (gRPC and Connect)", async () => {
    expect(await grpcStatus(CHECK, envelope(Buffer.alloc(10), 0, 100))).toBe("3");
    expect((await post(WATCH, "application/connect+proto", envelope(Buffer.alloc(3), 0, 50))).text).toContain('"code":"invalid_argument"');
  });

  it("when the body is not the gzip its encoding names, then it is invalid_argument (gRPC and Connect)", async () => {
    expect(await grpcStatus(CHECK, envelope(Buffer.from("not gzip"), 1), { "grpc-encoding": "gzip" })).toBe("3");
    const res = await post(CHECK, "application/proto", Buffer.from("not gzip"), { "content-encoding": "gzip" });
    expect(res.status).toBe(400);
  });

  it("when an envelope is flagged compressed under identity encoding, then it is internal, as the gRPC conformance suite requires", async () => {
    // The one case the Connect conformance suite pins to internal (grpc_server_unexpected.yaml,
    // unexpected-compressed-message); it is still logged as an ordinary failed call.
    expect(await grpcStatus(CHECK, envelope(Buffer.from("abc"), 1), { "grpc-encoding": "identity" })).toBe("13");
  });

  it("when Connect JSON has the wrong shape, then it is HTTP 400 invalid_argument", async () => {
    for (const body of ['{"service": 5}', "[]", "not json"]) {
      const res = await post(CHECK, "application/json", body);
      expect(res.status, body).toBe(400);
      expect(JSON.parse(res.text), body).toMatchObject({ code: "invalid_argument" });
    }
  });

  it("then none of them wrote an error line to the log", () => {
    expect(logLevels.length).toBeGreaterThan(0);
    expect(logLevels.filter((l) => l >= 50)).toEqual([]);
  });
});
