import * as http2 from "node:http2";
import net from "node:net";
import { once } from "node:events";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountService, CreateAccountRequestSchema } from "../../gen/wildcat/v1/account_service_pb.js";
import { StreamMessagesRequestSchema, StreamStart } from "../../gen/wildcat/v1/message_service_pb.js";
import { bearer, TEST_AUTH_HEADER } from "../support/auth.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { grpcFrame, RawH2Connection, rawResponse, rpcHeaders } from "../support/h2-raw.js";
import { appendEvents } from "../webhooks/events.js";

const MAX_STREAMS = 5;
const HEADERS_TIMEOUT_MS = 500;
const BODY_TIMEOUT_MS = 500;
const MIN_RATE = 1024;
const STREAM_BUFFER = 8;
let gw: TestGateway;
let port: number;

beforeAll(async () => {
  gw = await startTestGateway({
    HTTP2_MAX_CONCURRENT_STREAMS: String(MAX_STREAMS),
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    REQUEST_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
    REQUEST_BODY_MIN_BYTES_PER_SECOND: String(MIN_RATE),
    STREAM_BUFFER: String(STREAM_BUFFER),
    STREAM_STALL_MS: "300",
    API_KEY_RATE_PER_SECOND: "100000",
  });
  port = gw.gateway.server.port;
});
afterAll(() => gw.cleanup());

/** Headers of a gRPC StreamMessages call as a hand-written client sends them. */
const STREAM_MESSAGES = {
  ":method": "POST",
  ":scheme": "http",
  ":path": "/wildcat.v1.MessageService/StreamMessages",
  ":authority": "localhost",
  "content-type": "application/grpc",
  te: "trailers",
  authorization: TEST_AUTH_HEADER,
};

const REFUSED_STREAM = http2.constants.NGHTTP2_REFUSED_STREAM;
const CANCEL = http2.constants.NGHTTP2_CANCEL;

/** A well-behaved call, to show the others cost it nothing but time. */
async function wellBehavedCall(accountId: string): Promise<string> {
  const client = createClient(AccountService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] }));
  return (await client.createAccount({ accountId })).account!.accountId;
}

function createAccountFrame(accountId: string): Buffer {
  return grpcFrame(toBinary(CreateAccountRequestSchema, create(CreateAccountRequestSchema, { accountId })));
}

describe("many streams on one connection (HTTP2_MAX_CONCURRENT_STREAMS)", () => {
  it("when a client opens HTTP2_MAX_CONCURRENT_STREAMS + 1 streams at once, then the last one is refused (REFUSED_STREAM) and the others are served", async () => {
    const c = await RawH2Connection.open(port);
    try {
      const ids = c.openStreams(MAX_STREAMS + 1, STREAM_MESSAGES);
      await c.until(() => c.resets.has(ids[MAX_STREAMS]));
      expect(c.resets.get(ids[MAX_STREAMS])).toBe(REFUSED_STREAM);
      expect(ids.slice(0, MAX_STREAMS).filter((id) => c.resets.has(id))).toEqual([]);
    } finally {
      c.close();
    }
  });

  it("when a client opens 10,000 streams on one connection, then past the limit they are refused, the connection is ended, none became a call, and other clients are served", async () => {
    const streamCalls = async () => (await gw.gateway.metrics.rpcs.get()).values.filter((v) => v.labels.method === "StreamMessages").reduce((n, v) => n + v.value, 0);
    const callsBefore = await streamCalls();
    const c = await RawH2Connection.open(port);
    const ids = c.openStreams(10_000, STREAM_MESSAGES);
    await c.until(() => c.socket.destroyed || c.socket.readableEnded);
    const refused = ids.filter((id) => c.resets.get(id) === REFUSED_STREAM).length;
    // GOAWAY names the last stream the server took up; those after it were never processed.
    const taken = ids.filter((id) => id <= (c.lastStreamId ?? Infinity) && !c.resets.has(id)).length;
    console.log(`10,000 streams on one connection: ${taken} taken up, ${refused} refused (REFUSED_STREAM), GOAWAY code ${c.goaway} after stream ${c.lastStreamId}, connection closed`);
    expect(c.lastStreamId).toBeDefined();
    expect(taken).toBeLessThanOrEqual(MAX_STREAMS);
    expect(refused).toBeGreaterThan(0);
    c.close();
    expect(await wellBehavedCall("after-flood")).toBe("after-flood");
    // Streams that never sent a body were never handed to a handler, so no call began or ended.
    expect(await streamCalls()).toBe(callsBefore);
  });
});

describe("a request body that never ends (REQUEST_BODY_TIMEOUT_MS, REQUEST_BODY_MIN_BYTES_PER_SECOND)", () => {
  it("when an HTTP/2 call sends headers only, then after the body timeout that stream alone is reset (CANCEL) and its connection still serves", async () => {
    const session = http2.connect(gw.baseUrl);
    try {
      const idle = session.request(rpcHeaders("/wildcat.v1.AccountService/CreateAccount"));
      const ended = await rawResponse(idle);
      expect(ended.rstCode).toBe(CANCEL);
      // The same connection still serves a call that sends its body.
      const ok = session.request(rpcHeaders("/wildcat.v1.AccountService/CreateAccount"));
      ok.end(createAccountFrame("same-connection"));
      const answer = await rawResponse(ok);
      expect(answer.trailers["grpc-status"] ?? answer.headers["grpc-status"]).toBe("0");
    } finally {
      session.close();
    }
  });

  it("when an HTTP/2 call sends its body one byte at a time, slower than the minimum rate, then it is reset (CANCEL) after the body timeout", async () => {
    const session = http2.connect(gw.baseUrl);
    const slow = session.request(rpcHeaders("/wildcat.v1.AccountService/CreateAccount"));
    const body = createAccountFrame("one-byte-at-a-time");
    let sent = 0;
    // The client's own pace (a byte every 50 ms = 20 B/s), not a wait for the server.
    const pace = setInterval(() => sent < body.length - 1 && slow.write(body.subarray(sent, ++sent)), 50);
    try {
      const ended = await rawResponse(slow);
      expect(ended.rstCode).toBe(CANCEL);
      expect(sent).toBeLessThan(body.length);
    } finally {
      clearInterval(pace);
      session.close();
    }
  });

  it("when a body keeps coming at more than the minimum rate past the body timeout, then the call is served", async () => {
    const session = http2.connect(gw.baseUrl);
    // 2 KiB per 100 ms (20 KiB/s, well over MIN_RATE) for about twice BODY_TIMEOUT_MS: a Connect JSON
    // body padded with spaces, which JSON ignores.
    const json = JSON.stringify({ accountId: "steady-upload" });
    const body = Buffer.from(json + " ".repeat(2048 * Math.ceil((BODY_TIMEOUT_MS * 2) / 100)));
    const call = session.request({ ":method": "POST", ":path": "/wildcat.v1.AccountService/CreateAccount", "content-type": "application/json", authorization: TEST_AUTH_HEADER });
    let sent = 0;
    const pace = setInterval(() => {
      const next = Math.min(body.length, sent + 2048);
      if (next === body.length) {
        clearInterval(pace);
        call.end(body.subarray(sent));
      } else call.write(body.subarray(sent, next));
      sent = next;
    }, 100);
    try {
      const answer = await rawResponse(call);
      expect(answer.rstCode).toBe(0);
      expect(answer.headers[":status"]).toBe(200);
      expect(JSON.parse(answer.body.toString())).toMatchObject({ account: { accountId: "steady-upload" } });
    } finally {
      clearInterval(pace);
      session.close();
    }
  });

  it("when an HTTP/1.1 request declares a body and sends none, then its connection is closed after the body timeout", async () => {
    const socket = net.connect(port, "127.0.0.1");
    socket.write(`POST /wildcat.v1.AccountService/CreateAccount HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\nauthorization: ${TEST_AUTH_HEADER}\r\n\r\n`);
    socket.resume();
    await once(socket, "close");
  });
});

describe("slow headers and silent connections (HTTP_HEADERS_TIMEOUT_MS)", () => {
  it("when an HTTP/1.1 client never finishes its headers, then it gets 408 and its connection is closed", async () => {
    const socket = net.connect(port, "127.0.0.1");
    socket.write("POST /wildcat.v1.AccountService/CreateAccount HTTP/1.1\r\nhost: x\r\n");
    let answer = "";
    socket.setEncoding("utf8").on("data", (d: string) => (answer += d));
    await once(socket, "close");
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it("when a connection sends nothing at all, or half the HTTP/2 preface, then it is closed", async () => {
    const silent = net.connect(port, "127.0.0.1");
    const half = net.connect(port, "127.0.0.1");
    half.write("PRI * HTTP/2.0\r\n");
    silent.resume();
    half.resume();
    await Promise.all([once(silent, "close"), once(half, "close")]);
  });
});

describe("a stream whose client never reads (STREAM_BUFFER, STREAM_STALL_MS)", () => {
  it("when a StreamMessages client never reads (never opens its HTTP/2 window), then its stream is reset (ENHANCE_YOUR_CALM) once its queue stays full, and others are served", async () => {
    // More than a 64 KiB window and the queue hold.
    await appendEvents(gw.gateway.store.events, 1_000, "never-read");
    const c = await RawH2Connection.open(port);
    try {
      const [id] = c.openStreams(1, STREAM_MESSAGES);
      c.data(id, grpcFrame(toBinary(StreamMessagesRequestSchema, create(StreamMessagesRequestSchema, { start: StreamStart.OLDEST }))), true);
      await c.until(() => c.resets.has(id));
      expect(c.resets.get(id)).toBe(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    } finally {
      c.close();
    }
    expect(await wellBehavedCall("after-never-read")).toBe("after-never-read");
  });
});
