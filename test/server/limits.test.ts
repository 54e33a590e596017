import http from "node:http";
import http2 from "node:http2";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { bearer } from "../support/auth.js";
import { TEST_AUTH_HEADER } from "../support/auth.js";

const MAX_REQUEST_BYTES = 2048;
const MAX_TIMEOUT_MS = 60_000;
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES), MAX_TIMEOUT_MS: String(MAX_TIMEOUT_MS) });
});
afterAll(() => gw.cleanup());

/** A CreateAccount JSON body of exactly `size` bytes (padded with spaces, which JSON ignores). */
function bodyOfSize(size: number, accountId: string): string {
  const json = JSON.stringify({ accountId });
  return json + " ".repeat(size - json.length);
}

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.baseUrl}/wildcat.v1.AccountService/CreateAccount`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: TEST_AUTH_HEADER, ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
}

describe("configured limits", () => {
  it("when a request is exactly MAX_REQUEST_BYTES, then it is accepted", async () => {
    expect((await post(bodyOfSize(MAX_REQUEST_BYTES, "at-limit"))).status).toBe(200);
  });

  it("when a request is MAX_REQUEST_BYTES + 1, then it is refused with resource_exhausted", async () => {
    const res = await post(bodyOfSize(MAX_REQUEST_BYTES + 1, "over-limit"));
    expect(res.body.code).toBe("resource_exhausted");
  });

  it("when a call asks for a deadline of MAX_TIMEOUT_MS, then it is served", async () => {
    const client = createClient(AccountService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] }));
    await client.createAccount({ accountId: "deadline-ok" }, { timeoutMs: MAX_TIMEOUT_MS });
  });

  it("when a call asks for a deadline over MAX_TIMEOUT_MS, then it is served within MAX_TIMEOUT_MS instead", async () => {
    const client = createClient(AccountService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] }));
    await client.createAccount({ accountId: "deadline-long" }, { timeoutMs: MAX_TIMEOUT_MS + 1 });
  });

  it("when a gRPC call asks for a deadline no timer can hold (99999999H), then it is served, with no timer overflow", async () => {
    const warnings = await collectWarnings(async () => {
      const client = createClient(AccountService, createGrpcTransport({ baseUrl: gw.baseUrl, interceptors: [bearer(), header("grpc-timeout", "99999999H")] }));
      await client.createAccount({ accountId: "deadline-huge" });
    });
    expect(warnings.filter((w) => w.name === "TimeoutOverflowWarning")).toEqual([]);
  });

  it("when a call sends a malformed deadline, then it is still refused with invalid_argument", async () => {
    const client = createClient(AccountService, createGrpcTransport({ baseUrl: gw.baseUrl, interceptors: [bearer(), header("grpc-timeout", "999999999H")] }));
    const err = await client.createAccount({ accountId: "deadline-malformed" }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.InvalidArgument });
  });
});

describe("a client stream whose later message is over MAX_REQUEST_BYTES, while the client is still sending", () => {
  /** An envelope (gRPC and Connect streams alike) that declares `size` bytes and carries them. */
  const envelope = (size: number) => {
    const f = Buffer.alloc(5 + size);
    f.writeUInt32BE(size, 1);
    return f;
  };
  // Larger than an HTTP/2 stream window and the socket buffers: the client blocks unless the server reads or resets.
  const LARGE = 1 << 20;

  it("when it is gRPC over HTTP/2, then the client gets resource_exhausted and may stop sending (RST_STREAM NO_ERROR)", async () => {
    const session = http2.connect(gw.baseUrl);
    try {
      const stream = session.request({ ":method": "POST", ":path": "/wildcat.v1.MediaService/UploadMedia", "content-type": "application/grpc", te: "trailers", authorization: TEST_AUTH_HEADER });
      const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once("trailers", resolve));
      const closed = new Promise<number>((resolve) => stream.once("close", () => resolve(stream.rstCode ?? -1)));
      stream.on("error", () => undefined);
      stream.resume();
      stream.write(envelope(10));
      stream.end(envelope(LARGE));
      expect((await trailers)["grpc-status"]).toBe(String(Code.ResourceExhausted));
      expect(await closed).toBe(http2.constants.NGHTTP2_NO_ERROR);
    } finally {
      session.close();
    }
  });

  it("when it is Connect over HTTP/1.1, then the client reads resource_exhausted and its keep-alive connection serves the next call", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set<unknown>();
      const over = await new Promise<string>((resolve, reject) => {
        const req = http.request(`${gw.baseUrl}/wildcat.v1.MediaService/UploadMedia`, { method: "POST", agent, headers: { "content-type": "application/connect+proto", authorization: TEST_AUTH_HEADER } }, (res) => {
          sockets.add(res.socket);
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c)).once("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
        });
        req.once("error", reject);
        req.write(envelope(10));
        req.end(envelope(LARGE));
      });
      expect(over).toContain("resource_exhausted");
      const next = await new Promise<number>((resolve, reject) => {
        const req = http.request(`${gw.baseUrl}/wildcat.v1.AccountService/ListAccounts`, { method: "POST", agent, headers: { "content-type": "application/json", authorization: TEST_AUTH_HEADER } }, (res) => {
          sockets.add(res.socket);
          res.resume().once("end", () => resolve(res.statusCode ?? 0));
        });
        req.once("error", reject);
        req.end("{}");
      });
      expect(next).toBe(200);
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });
});

describe("MAX_TIMEOUT_MS=0 (no bound)", () => {
  let unbounded: TestGateway;
  beforeAll(async () => {
    unbounded = await startTestGateway({ MAX_TIMEOUT_MS: "0" });
  });
  afterAll(() => unbounded.cleanup());

  it("when a call asks for a deadline, then it is served (0 is no bound, not a bound of 0)", async () => {
    const client = createClient(AccountService, createConnectTransport({ baseUrl: unbounded.baseUrl, httpVersion: "1.1", interceptors: [bearer()] }));
    await client.createAccount({ accountId: "unbounded-ok" }, { timeoutMs: 5_000 });
  });

  it("when a Connect call asks for a deadline no timer can hold, then it is served, with no timer overflow", async () => {
    const warnings = await collectWarnings(async () => {
      const client = createClient(AccountService, createConnectTransport({ baseUrl: unbounded.baseUrl, httpVersion: "2", interceptors: [bearer(), header("connect-timeout-ms", "9999999999")] }));
      await client.createAccount({ accountId: "unbounded-huge" });
    });
    expect(warnings.filter((w) => w.name === "TimeoutOverflowWarning")).toEqual([]);
  });
});

/** A client interceptor that sends a raw header, as a client in another language might. */
function header(name: string, value: string): Interceptor {
  return (next) => (req) => {
    req.header.set(name, value);
    return next(req);
  };
}

/** Runs `fn` and returns the process warnings emitted meanwhile (the server runs in this process). */
async function collectWarnings(fn: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const onWarning = (w: Error) => seen.push(w);
  process.on("warning", onWarning);
  try {
    await fn();
    // Warnings are emitted on the next tick after the timer is armed.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", onWarning);
  }
  return seen;
}
