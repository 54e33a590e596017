import * as http2 from "node:http2";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../src/server/server.js";

let server: RunningServer;

beforeAll(async () => {
  const config = { port: 0, host: "127.0.0.1", corsOrigins: [], maxRequestBytes: 1 << 20, maxTimeoutMs: 60_000, shutdownTimeoutMs: 1_000 };
  server = await startServer(config, pino({ level: "silent" }), []);
});
afterAll(() => server?.shutdown());

const UNKNOWN = "/nope.v1.UnknownService/UnknownMethod";

describe("a call to a procedure the server does not have", () => {
  it("when it is a gRPC call, then it ends with grpc-status 12 (unimplemented) in a trailers-only response", async () => {
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    try {
      const stream = session.request({ ":method": "POST", ":path": UNKNOWN, "content-type": "application/grpc", te: "trailers" });
      stream.end(Buffer.alloc(5));
      const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once("response", resolve));
      expect(headers[":status"]).toBe(200);
      expect(headers["grpc-status"]).toBe("12");
    } finally {
      session.close();
    }
  });

  it("when it is a Connect call, then it is HTTP 404 with code unimplemented", async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}${UNKNOWN}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "unimplemented" });
  });

  it("when it is no RPC at all, then it is a plain 404 not_found", async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/nowhere`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "not_found" });
  });
});
