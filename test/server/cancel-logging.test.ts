import * as http2 from "node:http2";
import { Writable } from "node:stream";
import { create, toBinary } from "@bufbuild/protobuf";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthCheckRequestSchema } from "../../gen/grpc/health/v1/health_pb.js";
import { Code, ConnectError, type UnaryRequest } from "@connectrpc/connect";
import { loggingInterceptor } from "../../src/server/interceptors.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { grpcFrame as frame, serverHasSeen } from "../support/h2-raw.js";

interface LogLine {
  level: number;
  msg: string;
  code?: string;
  rpc?: string;
  err?: unknown;
}

const lines: LogLine[] = [];
const waiters: (() => void)[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l) as LogLine);
    for (const w of waiters.splice(0)) w();
    done();
  },
});

async function logLine(match: (l: LogLine) => boolean): Promise<LogLine> {
  for (;;) {
    const found = lines.find(match);
    if (found) return found;
    await new Promise<void>((resolve) => waiters.push(resolve));
  }
}

let server: RunningServer;

beforeAll(async () => {
  const config = { port: 0, host: "127.0.0.1", corsOrigins: [], maxRequestBytes: 1 << 20, maxTimeoutMs: 60_000, shutdownTimeoutMs: 1_000 };
  server = await startServer(config, pino({ level: "debug" }, sink), []);
});
afterAll(() => server?.shutdown());

describe("a client that hangs up", () => {
  it("when a client cancels an open stream, then the call is logged as canceled at debug, with no error line", async () => {
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    try {
      const stream = session.request({ ":method": "POST", ":path": "/grpc.health.v1.Health/Watch", "content-type": "application/grpc", te: "trailers" });
      stream.end(frame(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, {}))));
      await new Promise((resolve) => stream.once("data", resolve)); // the first status: the call is open
      stream.close(http2.constants.NGHTTP2_CANCEL);
      const line = await logLine((l) => l.rpc === "grpc.health.v1.Health/Watch");
      expect(line).toMatchObject({ level: 20, code: "canceled" });
      expect(line.err).toBeUndefined();
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    } finally {
      session.close();
    }
  });
});

describe("a client that hangs up while sending its request", () => {
  it("when a client drops its connection before its request is complete, then the call is canceled at debug, not an error with a stack", async () => {
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    try {
      // A server stream reads its one request inside the interceptors (a unary call reads it before them).
      const stream = session.request({ ":method": "POST", ":path": "/grpc.health.v1.Health/Watch", "content-type": "application/grpc", te: "trailers" });
      stream.on("error", () => undefined);
      stream.write(frame(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, {}))).subarray(0, 3));
      // A ping answered means the server has the headers and the partial body, and is reading it.
      await serverHasSeen(session);
      const earlier = lines.length; // other tests log Watch calls too
      session.destroy();
      const line = await logLine((l) => l.rpc === "grpc.health.v1.Health/Watch" && lines.indexOf(l) >= earlier);
      expect(line).toMatchObject({ level: 20, code: "canceled" });
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    } finally {
      session.destroy();
    }
  });
});

describe("a handler's wait aborted by the call's signal", () => {
  it("when a handler throws an AbortError because its call was canceled, then it is canceled at debug, not internal", async () => {
    const abort = new AbortController();
    abort.abort(new ConnectError("operation was aborted", Code.Canceled));
    const interceptor = loggingInterceptor(pino({ level: "debug" }, sink));
    const call = interceptor(async () => {
      throw new DOMException("This operation was aborted", "AbortError");
    });
    const req = { stream: false, signal: abort.signal, header: new Headers(), service: { typeName: "test.v1.Svc" }, method: { name: "Wait" } } as unknown as UnaryRequest;
    await expect(call(req)).rejects.toMatchObject({ code: Code.Canceled });
    const line = await logLine((l) => l.rpc === "test.v1.Svc/Wait");
    expect(line).toMatchObject({ level: 20, code: "canceled" });
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});

describe("a stream the client closed while the server writes", () => {
  it("when writing a stream's next message fails because the client's stream is gone, then it is canceled at debug, not internal", async () => {
    const interceptor = loggingInterceptor(pino({ level: "debug" }, sink));
    async function* messages() {
      yield {};
      yield {};
    }
    const call = interceptor(async (req) => ({ stream: true, service: req.service, method: req.method, header: new Headers(), trailer: new Headers(), message: messages() }) as never);
    const req = { stream: true, signal: new AbortController().signal, header: new Headers(), service: { typeName: "test.v1.Svc" }, method: { name: "Watch" } } as unknown as UnaryRequest;
    const res = (await call(req)) as unknown as { message: AsyncGenerator };
    await res.message.next();
    // What connect-node hands the stream when Http2ServerResponse.write throws on a destroyed stream.
    const gone = Object.assign(new Error("The stream has been destroyed"), { code: "ERR_HTTP2_INVALID_STREAM" });
    await expect(res.message.throw(gone)).rejects.toMatchObject({ code: Code.Canceled });
    const line = await logLine((l) => l.rpc === "test.v1.Svc/Watch");
    expect(line).toMatchObject({ level: 20, code: "canceled" });
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
