import http from "node:http";
import { once } from "node:events";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/grpc/health/v1/health_pb.js";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { NodeProcess, processHarness } from "../support/processes.js";
import { bearer, TEST_AUTH_HEADER } from "../support/auth.js";

let gw: TestGateway | undefined;
afterEach(() => gw?.cleanup());

describe("graceful shutdown", () => {
  it("when the server shuts down, then health goes NOT_SERVING and an open stream ends with unavailable", async () => {
    gw = await startTestGateway();
    const client = createClient(Health, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] }));
    const stream = client.watch({ service: "" })[Symbol.asyncIterator]();
    expect((await stream.next()).value).toMatchObject({ status: Status.SERVING });

    const stopped = gw.stop();
    expect((await stream.next()).value).toMatchObject({ status: Status.NOT_SERVING });
    const end = await stream.next().catch((e: unknown) => ConnectError.from(e));
    expect(end).toMatchObject({ code: Code.Unavailable });
    await stopped;
  });

  it("when the server shuts down while a unary call is in flight, then that call still completes", async () => {
    gw = await startTestGateway();
    await createClient(AccountService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] })).createAccount({
      accountId: "inflight",
    });
    const body = JSON.stringify({ accountId: "inflight" });
    // "Expect: 100-continue" makes the server confirm it has the request (and has
    // started handling it) before the client sends the body.
    const req = http.request(`${gw.baseUrl}/wildcat.v1.AccountService/GetAccount`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), expect: "100-continue", authorization: TEST_AUTH_HEADER },
    });
    req.flushHeaders();
    await once(req, "continue");

    const stopped = gw.stop();
    req.end(body);
    const [res] = (await once(req, "response")) as [http.IncomingMessage];
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(Buffer.concat(chunks).toString())).toMatchObject({ account: { accountId: "inflight" } });
    await stopped;
  });
});

describe("the process", () => {
  const harness = processHarness();
  afterEach(() => harness.cleanup());

  it("when it gets SIGTERM, then it exits 0 within 10 seconds", async () => {
    const main = harness.start("src/main.ts", harness.tempDir());
    expect(await main.line((l) => l.includes('"msg":"listening'))).toMatch(/"port":\d+/);
    const started = Date.now();
    expect(await main.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("when the configuration is invalid, then it refuses to start and names each bad key", async () => {
    const main = new NodeProcess("src/main.ts", { PORT: "99999", LOG_LEVEL: "loud" });
    const [code] = (await once(main.child, "close")) as [number];
    expect(code).toBe(2);
    expect(main.stderr).toContain('PORT="99999": must be from 0 to 65535');
    expect(main.stderr).toContain('LOG_LEVEL="loud": must be one of');
  });
});
