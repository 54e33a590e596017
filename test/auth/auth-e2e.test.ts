import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { createConnectTransport as createWebConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import * as grpc from "@grpc/grpc-js";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { ApiKeyState, Permission } from "../../gen/wildcat/v1/api_key_pb.js";
import { ApiKeyService } from "../../gen/wildcat/v1/api_key_service_pb.js";
import { MediaService } from "../../gen/wildcat/v1/media_service_pb.js";
import { MessageService, StreamStart } from "../../gen/wildcat/v1/message_service_pb.js";
import { systemClock } from "../../src/clock.js";
import { loadConfig } from "../../src/config.js";
import { startGateway } from "../../src/gateway.js";
import { bearer, TEST_ADMIN_KEY, TEST_AUTH_HEADER } from "../support/auth.js";
import { BUF, GrpcJsClient, run } from "../support/clients.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { receivedEvent } from "../webhooks/events.js";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import { Receiver } from "../webhooks/receiver.js";

let gw: TestGateway;
let keys: Client<typeof ApiKeyService>;
let adminAccounts: Client<typeof AccountService>;

beforeAll(async () => {
  gw = await startTestGateway({ AUTH_FAILURE_SLOW_AFTER: "1000000", AUTH_FAILURE_LIMIT: "1000000", WEBHOOK_ALLOW_HOSTS: "127.0.0.1", WEBHOOK_POLL_MS: "100" });
  const transport = createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] });
  keys = createClient(ApiKeyService, transport);
  adminAccounts = createClient(AccountService, transport);
  for (const accountId of ["alpha", "beta"]) await adminAccounts.createAccount({ accountId });
});
afterAll(() => gw?.cleanup());

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => ConnectError.from(e));
const clientWith = <S extends Parameters<typeof createClient>[0]>(service: S, key: string | null, interceptors: Interceptor[] = []) =>
  createClient(service, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: key ? [bearer(key), ...interceptors] : interceptors }));

async function keyFor(accountIds: string[] | "all", permissions = [Permission.READ], extra: { ratePerSecond?: number } = {}) {
  return keys.createApiKey({ name: "e2e", permissions, allAccounts: accountIds === "all", accountIds: accountIds === "all" ? [] : accountIds, ...extra });
}

describe("every client kind authenticates", () => {
  it("when @grpc/grpc-js sends the key as metadata, then it is served; without, unauthenticated", async () => {
    const address = `127.0.0.1:${gw.gateway.server.port}`;
    const withKey = new GrpcJsClient(address);
    const without = new GrpcJsClient(address, {}, null);
    try {
      expect((await withKey.unary(AccountService.method.getAccount, { accountId: "alpha" })).account?.accountId).toBe("alpha");
      await expect(without.unary(AccountService.method.getAccount, { accountId: "alpha" })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    } finally {
      withKey.close();
      without.close();
    }
  });

  it("when connect-web's gRPC-Web and Connect transports (fetch, in Node) send the header, then both are served", async () => {
    for (const transport of [createGrpcWebTransport, createWebConnectTransport]) {
      const ok = createClient(AccountService, transport({ baseUrl: gw.baseUrl, interceptors: [bearer()] }));
      expect((await ok.getAccount({ accountId: "alpha" })).account?.accountId).toBe("alpha");
      const anonymous = createClient(AccountService, transport({ baseUrl: gw.baseUrl }));
      expect(await failure(anonymous.getAccount({ accountId: "alpha" }))).toMatchObject({ code: Code.Unauthenticated });
    }
  });

  it("when curl sends the header, then it is served; without, 401 unauthenticated", async () => {
    const url = `${gw.baseUrl}/wildcat.v1.AccountService/GetAccount`;
    const curl = (...extra: string[]) => run("curl", ["-sS", "-X", "POST", "-H", "content-type: application/json", ...extra, "-d", '{"accountId":"alpha"}', "-w", "\n%{http_code}", url]);
    const ok = await curl("-H", `authorization: ${TEST_AUTH_HEADER}`);
    expect(ok.stdout.trim().split("\n").at(-1)).toBe("200");
    const refused = await curl();
    const [body, status] = refused.stdout.trim().split("\n");
    expect(status).toBe("401");
    expect(JSON.parse(body)).toMatchObject({ code: "unauthenticated" });
  });

  it("when buf curl sends -H authorization, then it is served (reflection needs no key)", async () => {
    const bufCurl = (...args: string[]) => run(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args, "-d", '{"accountId":"alpha"}', `${gw.baseUrl}/wildcat.v1.AccountService/GetAccount`]);
    const ok = await bufCurl("-H", `authorization: ${TEST_AUTH_HEADER}`);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ account: { accountId: "alpha" } });
    const refused = await bufCurl();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/unauthenticated/);
  });
});

describe("cross-account attacks", () => {
  it("when a key of one account reads another through a Connect GET query, then it is permission_denied", async () => {
    const { key } = await keyFor(["alpha"]);
    const get = (id: string) =>
      fetch(`${gw.baseUrl}/wildcat.v1.AccountService/GetAccount?connect=v1&encoding=json&message=${encodeURIComponent(JSON.stringify({ accountId: id }))}`, {
        headers: { authorization: `Bearer ${key}` },
      });
    expect((await get("alpha")).status).toBe(200);
    const refused = await get("beta");
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "permission_denied" });
  });

  it("when a scoped key streams with an empty account filter, then it gets its accounts' events only", async () => {
    const { key } = await keyFor(["alpha"]);
    const start = await gw.gateway.store.events.latestCursor();
    await gw.gateway.store.events.append(receivedEvent("beta"));
    const mine = await gw.gateway.store.events.append(receivedEvent("alpha"));
    const abort = new AbortController();
    const seen: string[] = [];
    for await (const { event } of clientWith(MessageService, key).streamMessages({ afterCursor: start ?? "" , start: StreamStart.OLDEST }, { signal: abort.signal })) {
      seen.push(`${event!.accountId}:${event!.eventId}`);
      if (event!.eventId === mine.eventId) break;
    }
    expect(seen).toEqual([`alpha:${mine.eventId}`]);
  });

  it("when a scoped key makes a webhook, then it must name its accounts, and the endpoint gets only their events", async () => {
    const { key } = await keyFor(["alpha"], [Permission.WEBHOOKS]);
    const webhooks = clientWith(WebhookService, key);
    expect(await failure(webhooks.createWebhook({ url: "http://127.0.0.1:9/all" }))).toMatchObject({ code: Code.PermissionDenied });
    expect(await failure(webhooks.createWebhook({ url: "http://127.0.0.1:9/both", accountIds: ["alpha", "beta"] }))).toMatchObject({ code: Code.PermissionDenied });
    const receiver = await Receiver.start();
    try {
      const { webhook } = await webhooks.createWebhook({ url: receiver.url() , accountIds: ["alpha"] });
      // Widening it to another account is refused too.
      expect(await failure(webhooks.updateWebhook({ webhook: { webhookId: webhook!.webhookId, accountIds: ["beta"] }, updateMask: { paths: ["account_ids"] } }))).toMatchObject({
        code: Code.PermissionDenied,
      });
      const theirs = await gw.gateway.store.events.append(receivedEvent("beta"));
      const mine = await gw.gateway.store.events.append(receivedEvent("alpha"));
      await receiver.waitFor(() => receiver.of(mine.eventId).length > 0);
      expect(receiver.of(theirs.eventId)).toEqual([]);
      // Redelivering another account's event to it is refused as if the event did not exist.
      expect(await failure(webhooks.redeliverWebhookEvent({ webhookId: webhook!.webhookId, eventId: theirs.eventId }))).toMatchObject({ code: Code.NotFound });
      // The admin's webhook of every account is not this key's to see.
      const { webhook: everything } = await createClient(WebhookService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] })).createWebhook({
        url: "http://127.0.0.1:9/admin",
      });
      expect(await failure(webhooks.getWebhook({ webhookId: everything!.webhookId }))).toMatchObject({ code: Code.NotFound });
      expect((await webhooks.listWebhooks({})).webhooks.map((w) => w.webhookId)).toEqual([webhook!.webhookId]);
    } finally {
      await receiver.close();
    }
  });

  it("when a download URL is signed, then it works without a header for that file only, until it expires, and not after the key is revoked", async () => {
    const { key, apiKey } = await keyFor(["alpha"]);
    const media = clientWith(MediaService, key, []);
    const admin = clientWith(MediaService, TEST_ADMIN_KEY);
    const upload = async (accountId: string) =>
      (
        await admin.uploadMedia(
          (async function* () {
            yield { part: { case: "metadata" as const, value: { accountId, mimeType: "text/plain" } } };
            yield { part: { case: "chunk" as const, value: new TextEncoder().encode(`file of ${accountId}`) } };
          })(),
        )
      ).media!.mediaId;
    const alphaFile = await upload("alpha");
    const betaFile = await upload("beta");

    // With the header: the account's own file; another account's is not there at all.
    expect((await fetch(`${gw.baseUrl}/media/${alphaFile}`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await fetch(`${gw.baseUrl}/media/${betaFile}`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(404);
    expect((await fetch(`${gw.baseUrl}/media/${alphaFile}`)).status).toBe(401);
    expect(await failure(media.createDownloadUrl({ mediaId: betaFile }))).toMatchObject({ code: Code.NotFound });

    const { urlPath, expireTime } = await media.createDownloadUrl({ mediaId: alphaFile, ttl: { seconds: 2n } });
    const signed = await fetch(`${gw.baseUrl}${urlPath}`, { headers: { range: "bytes=0-3" } });
    expect(signed.status).toBe(206);
    expect(await signed.text()).toBe("file");
    // Bound to one file: the token on another path is refused.
    expect((await fetch(`${gw.baseUrl}${urlPath.replace(alphaFile, betaFile)}`)).status).toBe(401);
    const tampered = urlPath.replace(/\.(\d+)\./, (_m, exp: string) => `.${Number(exp) + 3600}.`);
    expect((await fetch(`${gw.baseUrl}${tampered}`)).status).toBe(401);

    const second = await media.createDownloadUrl({ mediaId: alphaFile });
    await keys.revokeApiKey({ keyId: apiKey!.keyId });
    expect((await fetch(`${gw.baseUrl}${second.urlPath}`)).status).toBe(401);

    // Expiry: wait until the first URL's time has passed (a clock we cannot hurry in another process).
    await new Promise((r) => setTimeout(r, Math.max(0, Number(expireTime!.seconds) * 1000 - Date.now() + 50)));
    const expired = await fetch(`${gw.baseUrl}${urlPath}`);
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toBe("Bearer");
  });
});

describe("API keys", () => {
  it("when a key is created, then the whole key is shown once; get and list never show a secret or hash", async () => {
    const created = await keyFor(["alpha", "beta"], [Permission.READ, Permission.SEND]);
    expect(created.key).toMatch(/^wck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(`wck_${created.apiKey!.keyId}_`)).toBe(true);
    const secret = created.key.split("_").slice(2).join("_");
    const { apiKey } = await keys.getApiKey({ keyId: created.apiKey!.keyId });
    expect(apiKey).toMatchObject({ accountIds: ["alpha", "beta"], allAccounts: false, state: ApiKeyState.ACTIVE, permissions: [Permission.READ, Permission.SEND] });
    let listed = "";
    for (let pageToken = ""; ; ) {
      const page = await keys.listApiKeys({ pageSize: 2, pageToken });
      listed += JSON.stringify(page, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
      if (!(pageToken = page.nextPageToken)) break;
    }
    expect(listed).toContain(created.apiKey!.keyId);
    expect(listed).not.toContain(secret);
    expect(listed).not.toMatch(/[0-9a-f]{64}/); // no SHA-256
  });

  it("when the input is wrong, then invalid_argument names the rule: admin needs all accounts, a scope is required, expiry must be ahead", async () => {
    const bad = [
      { name: "x", permissions: [Permission.ADMIN], accountIds: ["alpha"] },
      { name: "x", permissions: [Permission.READ] },
      { name: "x", permissions: [Permission.READ], allAccounts: true, accountIds: ["alpha"] },
      { name: "x", permissions: [Permission.READ], allAccounts: true, expireTime: { seconds: 1n } },
      { name: "", permissions: [Permission.READ], allAccounts: true },
      { name: "x", permissions: [], allAccounts: true },
    ];
    for (const req of bad) expect(await failure(keys.createApiKey(req)), JSON.stringify(req, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).toMatchObject({ code: Code.InvalidArgument });
  });

  it("when a key is rotated with a grace period, then both secrets work until it ends, then only the new one", async () => {
    const { key: old, apiKey } = await keyFor("all");
    const rotated = await keys.rotateApiKey({ keyId: apiKey!.keyId, gracePeriod: { seconds: 1n } });
    expect(rotated.key).not.toBe(old);
    expect(rotated.apiKey!.previousSecretExpireTime).toBeDefined();
    expect((await clientWith(AccountService, old).getAccount({ accountId: "alpha" })).account).toBeDefined();
    expect((await clientWith(AccountService, rotated.key).getAccount({ accountId: "alpha" })).account).toBeDefined();
    const ends = Number(rotated.apiKey!.previousSecretExpireTime!.seconds) * 1000 + rotated.apiKey!.previousSecretExpireTime!.nanos / 1e6;
    await new Promise((r) => setTimeout(r, Math.max(0, ends - Date.now() + 50)));
    expect(await failure(clientWith(AccountService, old).getAccount({ accountId: "alpha" }))).toMatchObject({ code: Code.Unauthenticated, rawMessage: "invalid API key" });
    expect((await clientWith(AccountService, rotated.key).getAccount({ accountId: "alpha" })).account).toBeDefined();
  });

  it("when 10,000 random keys are presented over HTTP/2, then every one is refused as unauthenticated", async () => {
    const transport = createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2" });
    const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("");
    const b64 = (n: number) => Array.from({ length: n }, () => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[Math.floor(Math.random() * 64)]).join("");
    const codes = new Map<number, number>();
    for (let batch = 0; batch < 100; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          // Most well-formed, some with the admin key's own id (a wrong secret), some malformed.
          const key = i % 10 === 0 ? `wck_00000000000000a1_${b64(43)}` : i % 10 === 1 ? b64(20) : `wck_${hex(16)}_${b64(43)}`;
          const client = createClient(AccountService, transport);
          const e = await failure(client.getAccount({ accountId: "alpha" }, { headers: { authorization: `Bearer ${key}` } }));
          codes.set(e?.code ?? -1, (codes.get(e?.code ?? -1) ?? 0) + 1);
        }),
      );
    }
    expect(Object.fromEntries(codes)).toEqual({ [Code.Unauthenticated]: 10_000 });
  }, 120_000); // 10,000 calls: seconds alone, more on a loaded CI machine
});

describe("revocation", () => {
  it("when a key is revoked on one gateway process, then its open StreamMessages on another process sharing the store ends unauthenticated", async () => {
    // A second gateway process on the same store (the SQLite file), re-reading keys every 200 ms.
    const other = await startTestGateway({ DATA_DIR: gw.config.dataDir, API_KEY_CACHE_MS: "200" });
    try {
      const { key, apiKey } = await keyFor("all");
      const before = await gw.gateway.store.events.latestCursor();
      await gw.gateway.store.events.append(receivedEvent("alpha"));
      await gw.gateway.store.events.append(receivedEvent("alpha"));
      const stream = createClient(MessageService, createConnectTransport({ baseUrl: other.baseUrl, httpVersion: "2", interceptors: [bearer(key)] }))
        .streamMessages({ afterCursor: before ?? "", start: StreamStart.OLDEST })
        [Symbol.asyncIterator]();
      // Open and authorized on the other process: its first event has arrived (a second is queued).
      await stream.next();
      const revokedAt = Date.now();
      await keys.revokeApiKey({ keyId: apiKey!.keyId });
      const error = await stream.next().then(
        () => stream.next().then(() => undefined, (e: unknown) => ConnectError.from(e)),
        (e: unknown) => ConnectError.from(e),
      );
      expect(error).toMatchObject({ code: Code.Unauthenticated, rawMessage: "the API key was revoked" });
      console.log(`open stream on another process ended ${Date.now() - revokedAt} ms after the revocation (API_KEY_CACHE_MS=200)`);
      expect((await keys.getApiKey({ keyId: apiKey!.keyId })).apiKey!.state).toBe(ApiKeyState.REVOKED);
    } finally {
      await other.stop();
    }
  });
});

describe("expiry", () => {
  it("when a key's expire_time passes, then its open stream ends unauthenticated and it is EXPIRED", async () => {
    const expireTime = { seconds: BigInt(Math.ceil(Date.now() / 1000) + 2), nanos: 0 };
    const { key, apiKey } = await keys.createApiKey({ name: "short-lived", permissions: [Permission.READ], allAccounts: true, expireTime });
    const watch = clientWith(AccountService, key).watchAccount({ accountId: "alpha" })[Symbol.asyncIterator]();
    await watch.next(); // open: the account's first snapshot arrived
    const ended = await watch.next().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(ended).toMatchObject({ code: Code.Unauthenticated, rawMessage: "the API key was expired" });
    expect(Date.now()).toBeGreaterThanOrEqual(Number(expireTime.seconds) * 1000);
    expect((await keys.getApiKey({ keyId: apiKey!.keyId })).apiKey!.state).toBe(ApiKeyState.EXPIRED);
    expect(await failure(clientWith(AccountService, key).getAccount({ accountId: "alpha" }))).toMatchObject({ code: Code.Unauthenticated });
  });
});

describe("limits", () => {
  it("when a key makes rate + 1 requests at once, then the last is resource_exhausted with RetryInfo, and after that delay it is served", async () => {
    const { key } = await keyFor("all", [Permission.READ], { ratePerSecond: 3 });
    const accounts = clientWith(AccountService, key);
    for (let i = 0; i < 3; i++) await accounts.getAccount({ accountId: "alpha" });
    const over = await failure(accounts.getAccount({ accountId: "alpha" }));
    expect(over).toMatchObject({ code: Code.ResourceExhausted });
    const retry = over!.findDetails(RetryInfoSchema)[0];
    expect(durationMs(retry.retryDelay!)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, durationMs(retry.retryDelay!)));
    expect((await accounts.getAccount({ accountId: "alpha" })).account).toBeDefined();
  });

  it("when one address fails authentication past the limit, then even a good key from it is refused with resource_exhausted until the window ends", async () => {
    const strict = await startTestGateway({ AUTH_FAILURE_SLOW_AFTER: "2", AUTH_FAILURE_LIMIT: "4", AUTH_FAILURE_WINDOW_MS: "1500" });
    try {
      const accounts = (key: string) => createClient(AccountService, createConnectTransport({ baseUrl: strict.baseUrl, httpVersion: "1.1", interceptors: [bearer(key)] }));
      const wrong = `wck_00000000000000a1_${"A".repeat(43)}`;
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push((await failure(accounts(wrong).listAccounts({})))?.code);
      expect(answers).toEqual([Code.Unauthenticated, Code.Unauthenticated, Code.Unauthenticated, Code.Unauthenticated, Code.Unauthenticated]);
      const blocked = await failure(accounts(TEST_ADMIN_KEY).listAccounts({}));
      expect(blocked).toMatchObject({ code: Code.ResourceExhausted });
      const wait = durationMs(blocked!.findDetails(RetryInfoSchema)[0].retryDelay!);
      await new Promise((r) => setTimeout(r, wait + 20));
      expect(await failure(accounts(TEST_ADMIN_KEY).listAccounts({}))).toBeUndefined();
    } finally {
      await strict.cleanup();
    }
  });
});

describe("bootstrap and logs", () => {
  it("when a store has no key, then the first start writes an admin key to DATA_DIR/admin.key (0600) and logs the file, never a key, secret or hash", async () => {
    let logs = "";
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    const dataDir = (await import("node:fs")).mkdtempSync(join((await import("node:os")).tmpdir(), "wildcat-boot-"));
    const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "trace" });
    const gateway = await startGateway(config, pino({ level: "trace" }, sink), systemClock);
    try {
      const file = join(dataDir, "admin.key");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const key = readFileSync(file, "utf8").trim();
      const base = `http://127.0.0.1:${gateway.server.port}`;
      const keysClient = createClient(ApiKeyService, createConnectTransport({ baseUrl: base, httpVersion: "1.1", interceptors: [bearer(key)] }));
      // Things that handle secrets, each at trace level: create, rotate, a wrong key, a revoked one.
      const made = await keysClient.createApiKey({ name: "logged?", permissions: [Permission.READ], allAccounts: true });
      const rotated = await keysClient.rotateApiKey({ keyId: made.apiKey!.keyId });
      await failure(createClient(ApiKeyService, createConnectTransport({ baseUrl: base, httpVersion: "1.1", interceptors: [bearer(made.key)] })).listApiKeys({}));
      await keysClient.revokeApiKey({ keyId: made.apiKey!.keyId });
      await failure(createClient(AccountService, createConnectTransport({ baseUrl: base, httpVersion: "1.1", interceptors: [bearer(rotated.key)] })).listAccounts({}));
      expect(logs).toContain(file);
      for (const k of [key, made.key, rotated.key]) {
        const secret = k.split("_").slice(2).join("_");
        expect(logs).not.toContain(secret);
        expect(logs).not.toContain((await import("../../src/auth/key-format.js")).hashSecret(secret));
      }
    } finally {
      await gateway.close();
    }
  });
});
