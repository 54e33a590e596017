import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountState } from "../../gen/wildcat/v1/account_pb.js";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { BUF, GrpcJsClient, run } from "../support/clients.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { bearer, TEST_AUTH_HEADER } from "../support/auth.js";

let gw: TestGateway;
let port: number;

beforeAll(async () => {
  gw = await startTestGateway({ CORS_ORIGINS: "https://app.example.com" });
  port = gw.gateway.server.port;
});
afterAll(() => gw.cleanup());

describe("gRPC over h2c (@grpc/grpc-js)", () => {
  it("when a client creates an account, then it reads it back with every field", async () => {
    const client = new GrpcJsClient(`127.0.0.1:${port}`);
    try {
      const created = await client.unary(AccountService.method.createAccount, { accountId: "grpc-one", displayName: "Support" });
      expect(created.account).toMatchObject({ accountId: "grpc-one", displayName: "Support", state: AccountState.DISCONNECTED });
      expect(created.account!.createTime).toBeDefined();
      const got = await client.unary(AccountService.method.getAccount, { accountId: "grpc-one" });
      expect(got.account).toEqual(created.account);
    } finally {
      client.close();
    }
  });

  it("when the id is taken, then the call fails with ALREADY_EXISTS; an unknown id gives NOT_FOUND; a bad id INVALID_ARGUMENT", async () => {
    const client = new GrpcJsClient(`127.0.0.1:${port}`);
    try {
      await client.unary(AccountService.method.createAccount, { accountId: "grpc-dup" });
      await expect(client.unary(AccountService.method.createAccount, { accountId: "grpc-dup" })).rejects.toMatchObject({
        code: grpc.status.ALREADY_EXISTS,
      });
      await expect(client.unary(AccountService.method.getAccount, { accountId: "nobody" })).rejects.toMatchObject({
        code: grpc.status.NOT_FOUND,
      });
      await expect(client.unary(AccountService.method.getAccount, { accountId: "Not Valid" })).rejects.toMatchObject({
        code: grpc.status.INVALID_ARGUMENT,
      });
    } finally {
      client.close();
    }
  });
});

describe("Connect-ES clients", () => {
  const transports = {
    "gRPC-Web (connect-web, fetch over HTTP/1.1)": () => createGrpcWebTransport({ baseUrl: gw.baseUrl, interceptors: [bearer()] }),
    "Connect over HTTP/1.1 (connect-node)": () => createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] }),
    "Connect over h2c (connect-node)": () => createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] }),
    "Connect GET for side-effect-free calls": () => createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", useHttpGet: true, interceptors: [bearer()] }),
  };
  for (const [name, transport] of Object.entries(transports)) {
    it(`${name}: create, get, list and the error codes all round-trip`, async () => {
      const client = createClient(AccountService, transport());
      const id = `t-${Object.keys(transports).indexOf(name)}`;
      const { account } = await client.createAccount({ accountId: id, displayName: name });
      expect(account?.displayName).toBe(name);
      expect((await client.getAccount({ accountId: id })).account).toEqual(account);
      const listed = await client.listAccounts({ pageSize: 1000 });
      expect(listed.accounts.map((a) => a.accountId)).toContain(id);

      const dup = await client.createAccount({ accountId: id }).catch((e: unknown) => ConnectError.from(e));
      expect(dup).toMatchObject({ code: Code.AlreadyExists });
      const missing = await client.getAccount({ accountId: "missing" }).catch((e: unknown) => ConnectError.from(e));
      expect(missing).toMatchObject({ code: Code.NotFound });
    });
  }
});

describe("oversized messages over HTTP/2", () => {
  const huge = "x".repeat(10 * 1024 * 1024);

  it("when grpc-js sends a 10 MiB message, then it gets RESOURCE_EXHAUSTED and the next call works", async () => {
    const client = new GrpcJsClient(`127.0.0.1:${port}`);
    try {
      await expect(client.unary(AccountService.method.createAccount, { accountId: "huge", displayName: huge })).rejects.toMatchObject({
        code: grpc.status.RESOURCE_EXHAUSTED,
      });
      await client.unary(AccountService.method.createAccount, { accountId: "after-huge" });
    } finally {
      client.close();
    }
  });

  it("when a Connect client sends a 10 MiB message over h2c, then it gets resource_exhausted and the next call works", async () => {
    const client = createClient(AccountService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] }));
    const err = await client.createAccount({ accountId: "huge", displayName: huge }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.ResourceExhausted });
    await client.getAccount({ accountId: "after-huge" });
  });
});

describe("plain curl with JSON", () => {
  const post = (path: string, body: string, ...extra: string[]) =>
    run("curl", ["-sS", "-X", "POST", ...extra, "-H", "content-type: application/json", "-H", `authorization: ${TEST_AUTH_HEADER}`, "-d", body, "-w", "\n%{http_code}", `${gw.baseUrl}${path}`]);
  const parse = (out: string) => {
    const lines = out.trimEnd().split("\n");
    return { status: Number(lines.pop()), body: JSON.parse(lines.join("\n")) as Record<string, unknown> };
  };

  it("when curl posts CreateAccount over HTTP/1.1, then it gets the account in proto3 JSON", async () => {
    const res = parse((await post("/wildcat.v1.AccountService/CreateAccount", '{"accountId":"myaccount","displayName":"Support"}')).stdout);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ account: { accountId: "myaccount", displayName: "Support", state: "ACCOUNT_STATE_DISCONNECTED" } });
  });

  it("when curl speaks HTTP/2 with prior knowledge, then the same port answers", async () => {
    const res = parse((await post("/wildcat.v1.AccountService/GetAccount", '{"accountId":"myaccount"}', "--http2-prior-knowledge")).stdout);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ account: { accountId: "myaccount" } });
  });

  it("when the input breaks a rule, then the answer is invalid_argument with the field violation", async () => {
    const res = parse((await post("/wildcat.v1.AccountService/CreateAccount", '{"accountId":"Bad Id!"}')).stdout);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_argument");
    expect(res.body.message).toContain("account_id");
    expect(JSON.stringify(res.body.details)).toContain("buf.validate.Violations");
  });

  it("when the body is not JSON, then the answer is invalid_argument", async () => {
    const res = parse((await post("/wildcat.v1.AccountService/CreateAccount", "{not json")).stdout);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_argument");
  });

  it("when a 10 MiB garbage body arrives, then it is refused with resource_exhausted and the server keeps serving", async () => {
    const file = join(tmpdir(), `wildcat-garbage-${process.pid}.bin`);
    const garbage = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < garbage.length; i += 4) garbage.writeUInt32LE((i * 2654435761) >>> 0, i);
    writeFileSync(file, garbage);
    // Several times: the early answer must reach the client while it is still sending.
    for (let i = 0; i < 3; i++) {
      const out = await run("curl", ["-sS", "-X", "POST", "-H", "content-type: application/json", "-H", `authorization: ${TEST_AUTH_HEADER}`, "--data-binary", `@${file}`, "-w", "\n%{http_code}", `${gw.baseUrl}/wildcat.v1.AccountService/CreateAccount`]);
      expect(out.stderr).toBe("");
      expect(parse(out.stdout).body.code).toBe("resource_exhausted");
    }
    const after = parse((await post("/wildcat.v1.AccountService/GetAccount", '{"accountId":"myaccount"}')).stdout);
    expect(after.status).toBe(200);
  });

  it("when a browser from an allowed origin sends a preflight, then CORS allows the Connect and gRPC-Web headers", async () => {
    const out = await run("curl", ["-sS", "-i", "-X", "OPTIONS", "-H", "origin: https://app.example.com", "-H", "access-control-request-method: POST", "-H", "access-control-request-headers: content-type,x-grpc-web", `${gw.baseUrl}/wildcat.v1.AccountService/GetAccount`]);
    expect(out.stdout).toMatch(/^HTTP\/1.1 204/);
    expect(out.stdout.toLowerCase()).toContain("access-control-allow-origin: https://app.example.com");
    expect(out.stdout.toLowerCase()).toMatch(/access-control-allow-headers: .*x-grpc-web/);
    expect(out.stdout.toLowerCase()).toMatch(/access-control-expose-headers: .*grpc-status/);
  });

  it("when the origin is not allowed, then no CORS header is given", async () => {
    const out = await run("curl", ["-sS", "-i", "-X", "POST", "-H", "origin: https://evil.example.com", "-H", "content-type: application/json", "-d", '{"accountId":"myaccount"}', `${gw.baseUrl}/wildcat.v1.AccountService/GetAccount`]);
    expect(out.stdout.toLowerCase()).not.toContain("access-control-allow-origin");
  });

  it("when a plain HTTP probe asks /healthz, then it answers 200 SERVING", async () => {
    const out = await run("curl", ["-sS", "-w", "\n%{http_code}", `${gw.baseUrl}/healthz`]);
    expect(parse(out.stdout)).toEqual({ status: 200, body: { status: "SERVING" } });
  });
});

describe("buf curl through server reflection (no proto files)", () => {
  const bufCurl = (...args: string[]) => run(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args]);

  it("when asked to list services (reflection needs no key), then every service is listed, health and reflection included", async () => {
    const out = await bufCurl("--list-services", gw.baseUrl);
    expect(out.stderr).toBe("");
    expect(out.stdout.trim().split("\n").sort()).toEqual([
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "wildcat.v1.AccountService",
      "wildcat.v1.ApiKeyService",
      "wildcat.v1.CallService",
      "wildcat.v1.ChatService",
      "wildcat.v1.ClusterService",
      "wildcat.v1.ContactService",
      "wildcat.v1.GroupService",
      "wildcat.v1.MediaService",
      "wildcat.v1.MessageService",
      "wildcat.v1.ProfileService",
      "wildcat.v1.WebhookService",
    ]);
  });

  it("when it calls an RPC with a JSON body, then it gets the account", async () => {
    await createClient(AccountService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] })).createAccount({ accountId: "bufcurl" });
    const out = await bufCurl("-H", `authorization: ${TEST_AUTH_HEADER}`, "-d", '{"accountId":"bufcurl"}', `${gw.baseUrl}/wildcat.v1.AccountService/GetAccount`);
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toMatchObject({ account: { accountId: "bufcurl", state: "ACCOUNT_STATE_DISCONNECTED" } });
  });

  it("when it asks the health service, then the server and each service are SERVING", async () => {
    const all = await bufCurl(`${gw.baseUrl}/grpc.health.v1.Health/Check`);
    expect(JSON.parse(all.stdout)).toEqual({ status: "SERVING" });
    const one = await bufCurl("-d", '{"service":"wildcat.v1.AccountService"}', `${gw.baseUrl}/grpc.health.v1.Health/Check`);
    expect(JSON.parse(one.stdout)).toEqual({ status: "SERVING" });
    const unknown = await bufCurl("-d", '{"service":"nope.Service"}', `${gw.baseUrl}/grpc.health.v1.Health/Check`);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("not_found");
  });

  it("when it uses the older v1alpha reflection, then it still finds the services", async () => {
    const out = await bufCurl("--reflect-protocol", "grpc-v1alpha", "--list-methods", gw.baseUrl);
    expect(out.stdout).toContain("wildcat.v1.AccountService/WatchAccount");
  });
});
