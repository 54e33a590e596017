import http from "node:http";
import * as http2 from "node:http2";
import { once } from "node:events";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, describe, expect, it } from "vitest";
import { AccountService, CreateAccountRequestSchema } from "../../gen/wildcat/v1/account_service_pb.js";
import { UploadMediaRequestSchema } from "../../gen/wildcat/v1/media_service_pb.js";
import { MessageService, StreamStart } from "../../gen/wildcat/v1/message_service_pb.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { bearer, TEST_ADMIN_KEY, TEST_AUTH_HEADER } from "../support/auth.js";
import { GrpcJsClient } from "../support/clients.js";
import { grpcFrame, rawResponse, rpcHeaders, serverHasSeen, type RawResponse } from "../support/h2-raw.js";
import { processHarness } from "../support/processes.js";
import { receivedEvent } from "../webhooks/events.js";

const SHUTDOWN_TIMEOUT_MS = 5_000;
/** Per HTTP/2 connection; every client below keeps under it. */
const MAX_STREAMS = 250;

const harness = processHarness();
afterAll(() => harness.cleanup());

/** How one stream ended, as its client saw it. */
interface Ending {
  stack: string;
  method: string;
  code: Code;
  message: string;
}

/** A stream under test: `live` once its first response arrived, `ended` with its terminal status. */
interface OpenStream {
  live: Promise<void>;
  ended: Promise<Ending>;
}

function settleOnFirst(stack: string, method: string, run: (markLive: () => void) => Promise<{ code: Code; message: string }>): OpenStream {
  let markLive!: () => void;
  const first = new Promise<void>((resolve) => (markLive = resolve));
  const ended = run(markLive).then((o) => ({ stack, method, ...o }));
  // A stream that ends before its first response fails `live` instead of hanging it.
  const live = Promise.race([first, ended.then((o) => Promise.reject(new Error(`${stack} ${method} ended before its first response: ${o.code} ${o.message}`)))]);
  return { live, ended };
}

function connectStream(stack: string, method: string, responses: AsyncIterable<unknown>): OpenStream {
  return settleOnFirst(stack, method, async (markLive) => {
    try {
      for await (const _ of responses) markLive();
      return { code: 0 as Code, message: "ended OK" };
    } catch (e) {
      const ce = ConnectError.from(e);
      return { code: ce.code, message: ce.rawMessage };
    }
  });
}

function grpcJsStream(method: string, call: ReturnType<GrpcJsClient["serverStream"]>): OpenStream {
  return settleOnFirst("grpc", method, (markLive) => {
    call.on("data", markLive);
    call.on("error", () => undefined); // the status below says it
    return new Promise((resolve) => call.on("status", (s) => resolve({ code: s.code as number as Code, message: s.details })));
  });
}

describe("drain at SIGTERM", () => {
  it(
    "when SIGTERM comes with 1,000 StreamMessages and 100 WatchAccount streams open over gRPC, gRPC-Web and Connect and calls in flight, then every stream ends unavailable, every call completes, and the process exits 0",
    async () => {
      const dataDir = harness.tempDir();
      // One event in the log: each StreamMessages stream (from the oldest) proves it is live by receiving it.
      const seed = openSqliteStore(dataDir);
      await seed.events.append(receivedEvent("drain"));
      await seed.close();

      const main = harness.start("src/main.ts", dataDir, {
        WILDCAT_ADMIN_KEY: TEST_ADMIN_KEY,
        API_KEY_RATE_PER_SECOND: "100000",
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
        HTTP2_MAX_CONCURRENT_STREAMS: String(MAX_STREAMS),
        // The test waits on the "listening" and "shutting down" lines.
        LOG_LEVEL: "info",
      });
      const port = (JSON.parse(await main.line((l) => l.includes('"msg":"listening'))) as { port: number }).port;
      const baseUrl = `http://127.0.0.1:${port}`;
      await createClient(AccountService, createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer()] })).createAccount({ accountId: "drain" });

      // Few connections, many streams on each (each under MAX_STREAMS).
      const grpcClients = [0, 1].map(() => new GrpcJsClient(`127.0.0.1:${port}`, { "grpc.use_local_subchannel_pool": 1 }));
      const h2 = (make: typeof createConnectTransport | typeof createGrpcWebTransport): Transport => make({ baseUrl, httpVersion: "2", interceptors: [bearer()] });
      const grpcWeb = [h2(createGrpcWebTransport), h2(createGrpcWebTransport)];
      const connect = [h2(createConnectTransport), h2(createConnectTransport)];
      const connectH1 = createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [bearer()] });

      const streams: OpenStream[] = [];
      const oldest = { start: StreamStart.OLDEST };
      const spread = (n: number, open: (i: number) => OpenStream) => {
        for (let i = 0; i < n; i++) streams.push(open(i));
      };
      // StreamMessages: 400 gRPC, 300 gRPC-Web, 280 Connect over HTTP/2, 20 Connect over HTTP/1.1.
      spread(400, (i) => grpcJsStream("StreamMessages", grpcClients[i % 2].serverStream(MessageService.method.streamMessages, oldest)));
      spread(300, (i) => connectStream("grpc-web", "StreamMessages", createClient(MessageService, grpcWeb[i % 2]).streamMessages(oldest)));
      spread(280, (i) => connectStream("connect", "StreamMessages", createClient(MessageService, connect[i % 2]).streamMessages(oldest)));
      spread(20, () => connectStream("connect-h1", "StreamMessages", createClient(MessageService, connectH1).streamMessages(oldest)));
      // WatchAccount: 40 gRPC, 30 gRPC-Web, 30 Connect; each first sends the account as it is.
      const watch = { accountId: "drain" };
      spread(40, (i) => grpcJsStream("WatchAccount", grpcClients[i % 2].serverStream(AccountService.method.watchAccount, watch)));
      spread(30, (i) => connectStream("grpc-web", "WatchAccount", createClient(AccountService, grpcWeb[i % 2]).watchAccount(watch)));
      spread(30, (i) => connectStream("connect", "WatchAccount", createClient(AccountService, connect[i % 2]).watchAccount(watch)));
      await Promise.all(streams.map((s) => s.live));

      // Calls in flight: each has sent part of its request, and the server has started on it.
      const raw = http2.connect(baseUrl);
      const held = [
        holdRaw(raw, "/wildcat.v1.AccountService/CreateAccount", "application/grpc", grpcFrame(createAccount("inflight-grpc"))),
        holdRaw(raw, "/wildcat.v1.AccountService/CreateAccount", "application/grpc-web+proto", grpcFrame(createAccount("inflight-grpc-web"))),
        holdRaw(raw, "/wildcat.v1.AccountService/CreateAccount", "application/proto", Buffer.from(createAccount("inflight-connect")), { "connect-protocol-version": "1" }),
        holdRaw(raw, "/wildcat.v1.MediaService/UploadMedia", "application/grpc", uploadBody("drain", Buffer.alloc(256 * 1024, 7))),
      ];
      await serverHasSeen(raw);
      const h1 = holdHttp1(`${baseUrl}/wildcat.v1.AccountService/CreateAccount`, JSON.stringify({ accountId: "inflight-h1" }));
      await h1.started;

      const sigterm = Date.now();
      const exited = main.stop();
      await main.line((l) => l.includes('"msg":"shutting down"'));
      for (const h of held) h.finish();
      h1.finish();

      const endings = await Promise.all(streams.map((s) => s.ended));
      const [grpcAnswer, grpcWebAnswer, connectAnswer, uploadAnswer] = await Promise.all(held.map((h) => h.response));
      const h1Answer = await h1.response;
      const code = await exited;
      const exitMs = Date.now() - sigterm;
      raw.close();
      for (const c of grpcClients) c.close();

      const logTime = (msg: string) => (JSON.parse(main.lines.find((l) => l.includes(`"msg":"${msg}"`)) ?? "{}") as { time?: number }).time;
      const closeMs = (logTime("stopped") ?? NaN) - (logTime("shutting down") ?? NaN);
      const notUnavailable = endings.filter((e) => e.code !== Code.Unavailable || !e.message.includes("shutting down"));
      const count = (stack: string, method: string) =>
        endings.filter((e) => e.stack.replace("-h1", "") === stack && e.method === method && e.code === Code.Unavailable).length;
      const calls = [
        grpcStatus(grpcAnswer) === "0",
        grpcWebStatus(grpcWebAnswer) === "0",
        Number(connectAnswer.headers[":status"]) === 200,
        grpcStatus(uploadAnswer) === "0",
        h1Answer.status === 200,
      ];
      console.log(
        `drain: ${endings.length - notUnavailable.length}/${endings.length} streams ended unavailable ` +
          `(StreamMessages grpc ${count("grpc", "StreamMessages")}, grpc-web ${count("grpc-web", "StreamMessages")}, connect ${count("connect", "StreamMessages")}; ` +
          `WatchAccount grpc ${count("grpc", "WatchAccount")}, grpc-web ${count("grpc-web", "WatchAccount")}, connect ${count("connect", "WatchAccount")}), ` +
          `${calls.filter(Boolean).length}/${calls.length} in-flight calls OK, exit ${code} ${exitMs} ms after SIGTERM (close took ${closeMs} ms)`,
      );
      expect(notUnavailable.slice(0, 5)).toEqual([]);
      expect(endings).toHaveLength(1_100);
      expect({ grpc: grpcStatus(grpcAnswer), grpcWeb: grpcWebStatus(grpcWebAnswer), connect: connectAnswer.headers[":status"], upload: grpcStatus(uploadAnswer) }).toEqual({
        grpc: "0",
        grpcWeb: "0",
        connect: 200,
        upload: "0",
      });
      expect(h1Answer).toMatchObject({ status: 200, body: { account: { accountId: "inflight-h1" } } });
      expect(code).toBe(0);
      // Every call links its signal to the shutdown signal: 1,100 listeners are expected there, not a leak.
      expect(main.stderr).not.toContain("MaxListenersExceededWarning");
      expect(exitMs).toBeLessThan(10_000);
    },
    180_000,
  );
});

function createAccount(accountId: string): Uint8Array {
  return toBinary(CreateAccountRequestSchema, create(CreateAccountRequestSchema, { accountId }));
}

/** An UploadMedia request stream: the metadata, then the file in 64 KiB chunks. */
function uploadBody(accountId: string, file: Buffer): Buffer {
  const parts = [create(UploadMediaRequestSchema, { part: { case: "metadata", value: { accountId, mimeType: "application/octet-stream", fileName: "held.bin" } } })];
  for (let at = 0; at < file.length; at += 64 * 1024) parts.push(create(UploadMediaRequestSchema, { part: { case: "chunk", value: file.subarray(at, at + 64 * 1024) } }));
  return Buffer.concat(parts.map((p) => grpcFrame(toBinary(UploadMediaRequestSchema, p))));
}

/** A raw HTTP/2 call that sends its headers and the first part of its body now, the rest at `finish()`. */
function holdRaw(session: http2.ClientHttp2Session, path: string, contentType: string, body: Buffer, extra: http2.OutgoingHttpHeaders = {}) {
  const stream = session.request(rpcHeaders(path, contentType, extra));
  const split = Math.min(body.length - 1, 64 * 1024);
  stream.write(body.subarray(0, split));
  return { response: rawResponse(stream), finish: () => stream.end(body.subarray(split)) };
}

/** A Connect JSON call over HTTP/1.1 the server has started on ("100 Continue") before its body is sent. */
function holdHttp1(url: string, body: string) {
  const req = http.request(url, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), expect: "100-continue", authorization: TEST_AUTH_HEADER },
  });
  req.flushHeaders();
  const response = once(req, "response").then(async (args) => {
    const res = args[0] as http.IncomingMessage;
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return { status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString()) as unknown };
  });
  return { started: once(req, "continue"), response, finish: () => req.end(body) };
}

function grpcStatus(r: RawResponse): string | undefined {
  return String(r.trailers["grpc-status"] ?? r.headers["grpc-status"]);
}

/** gRPC-Web carries its trailers in the body, in a frame flagged 0x80. */
function grpcWebStatus(r: RawResponse): string | undefined {
  if (r.headers["grpc-status"] !== undefined) return String(r.headers["grpc-status"]);
  return /grpc-status:\s*(\d+)/.exec(r.body.toString("latin1"))?.[1];
}
