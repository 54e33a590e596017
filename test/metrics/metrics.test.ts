import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Permission } from "../../gen/wildcat/v1/api_key_pb.js";
import { ApiKeyService } from "../../gen/wildcat/v1/api_key_service_pb.js";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { EventType } from "../../gen/wildcat/v1/event_pb.js";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import { Metrics } from "../../src/metrics/metrics.js";
import { ContactBook } from "../../src/sim/contact-book.js";
import type { AccountStore } from "../../src/store/store.js";
import type { EventLog } from "../../src/store/events.js";
import type { DeliveryStore } from "../../src/store/webhooks.js";
import { ManualClock } from "../support/manual-clock.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { bearer, TEST_AUTH_HEADER } from "../support/auth.js";
import type { TestGateway } from "../support/gateway.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";
import { Receiver } from "../webhooks/receiver.js";

const ACCOUNT = "metered";
const ACCOUNT_PHONE = "15558700001";
const CONTACT_PHONE = "15558700002";

let sim: Simulator;
let gw: TestGateway;
let contacts: ContactBook;
let receiver: Receiver;

beforeAll(async () => {
  sim = await startTrustedSimulator();
  receiver = await Receiver.start();
  gw = await startSimGateway(sim, { WEBHOOK_ALLOW_HOSTS: "127.0.0.1" });
  contacts = new ContactBook(sim, { logger: pino({ level: "silent" }) });
}, 60_000);

afterAll(async () => {
  await contacts?.close();
  await gw?.cleanup();
  await receiver?.close();
  await sim?.close();
});

/** GET /metrics with this authorization header (null: none). */
async function scrape(authorization: string | null = TEST_AUTH_HEADER): Promise<Response> {
  return fetch(`${gw.baseUrl}/metrics`, { headers: authorization ? { authorization } : {} });
}

/** The samples of one scrape, by `name{labels}` as written (labels in the order prom-client writes them). */
async function samples(): Promise<Map<string, number>> {
  const res = await scrape();
  expect(res.status).toBe(200);
  const text = await res.text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** One sample's value, 0 when the series is absent (a counter nobody incremented yet). */
function value(s: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const [key, v] of s) {
    const m = /^([^{]+)(?:\{(.*)\})?$/.exec(key)!;
    if (m[1] !== name) continue;
    const have = m[2] ? m[2].split(/,(?=[a-zA-Z_]+=")/) : [];
    if (want.every((w) => have.includes(w)) && have.length === want.length) return v;
  }
  return 0;
}

describe("GET /metrics", () => {
  it("when scraped without a key, then 401 with WWW-Authenticate; with a key scoped to one account, 403; with READ on all accounts, 200", async () => {
    const none = await scrape(null);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe("Bearer");
    expect(((await none.json()) as { code: string }).code).toBe("unauthenticated");
    expect((await scrape("Bearer wck_0000000000000bad_VGVzdEFkbWluS2V5Rm9yV2lsZGNhdFRlc3RzT25seTA")).status).toBe(401);

    const keys = createClient(ApiKeyService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] }));
    const scoped = await keys.createApiKey({ name: "one account", permissions: [Permission.READ], accountIds: [ACCOUNT] });
    const denied = await scrape(`Bearer ${scoped.key}`);
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { message: string }).message).toMatch(/ADMIN, or READ on all accounts/);
    const reader = await keys.createApiKey({ name: "prometheus", permissions: [Permission.READ], allAccounts: true });
    const ok = await scrape(`Bearer ${reader.key}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await ok.text();
    expect(text).toMatch(/^# TYPE wildcat_rpc_requests_total counter$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);

    const head = await fetch(`${gw.baseUrl}/metrics`, { method: "HEAD", headers: { authorization: TEST_AUTH_HEADER } });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const post = await fetch(`${gw.baseUrl}/metrics`, { method: "POST", headers: { authorization: TEST_AUTH_HEADER } });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await fetch(`${gw.baseUrl}/metricsz`, { headers: { authorization: TEST_AUTH_HEADER } })).status).toBe(404);
  });

  it("when RPCs end, then they are counted by service, method, protocol and code, with a latency histogram", async () => {
    const before = await samples();
    const ok = { service: "wildcat.v1.AccountService", method: "ListAccounts", protocol: "connect", code: "ok" };
    const grpcNotFound = { service: "wildcat.v1.AccountService", method: "GetAccount", protocol: "grpc", code: "not_found" };
    const { accounts } = apiClients(gw);
    await accounts.listAccounts({});
    await accounts.listAccounts({});
    const grpc = createClient(AccountService, createGrpcTransport({ baseUrl: gw.baseUrl, interceptors: [bearer()] }));
    await expect(grpc.getAccount({ accountId: "nobody" })).rejects.toSatisfy((e) => ConnectError.from(e).code === Code.NotFound);

    const after = await samples();
    expect(value(after, "wildcat_rpc_requests_total", ok) - value(before, "wildcat_rpc_requests_total", ok)).toBe(2);
    expect(value(after, "wildcat_rpc_requests_total", grpcNotFound) - value(before, "wildcat_rpc_requests_total", grpcNotFound)).toBe(1);
    expect(value(after, "wildcat_rpc_duration_seconds_count", ok) - value(before, "wildcat_rpc_duration_seconds_count", ok)).toBe(2);
    expect(value(after, "wildcat_rpc_duration_seconds_bucket", { ...ok, le: "+Inf" })).toBe(value(after, "wildcat_rpc_duration_seconds_count", ok));
    expect(value(after, "wildcat_rpc_duration_seconds_sum", ok)).toBeGreaterThan(0);
  });

  it("when an account links, chats, uploads, streams and delivers webhooks, then every gauge and counter moves", async () => {
    const { accounts, messages, media } = apiClients(gw);
    const webhooks = createClient(WebhookService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] }));
    await webhooks.createWebhook({ url: receiver.url(), eventTypes: [EventType.MESSAGE_RECEIVED] });
    const before = await samples();

    await linkAccount(gw, sim, ACCOUNT, ACCOUNT_PHONE);
    let s = await samples();
    expect(value(s, "wildcat_accounts", { state: "connected" })).toBe(1);
    expect(value(s, "wildcat_accounts", { state: "logged_out" })).toBe(0);
    expect(value(s, "wildcat_event_log_appends_total", { type: "account_state_changed" })).toBeGreaterThanOrEqual(2);
    // Linking ends the first connection with 515, as WhatsApp does.
    expect(value(s, "wildcat_account_disconnects_total", { reason: "restart_required" })).toBeGreaterThanOrEqual(1);

    // A live stream is open while we wait on it for the contact's message.
    const abort = new AbortController();
    const stream = messages.streamMessages({ accountIds: [ACCOUNT] }, { signal: abort.signal })[Symbol.asyncIterator]();
    const first = stream.next(); // the call starts on the first read
    await until(async () => value(await samples(), "wildcat_open_streams", { service: "wildcat.v1.MessageService", method: "StreamMessages" }) === 1);
    await contacts.sendText(CONTACT_PHONE, `${ACCOUNT_PHONE}@s.whatsapp.net`, "is my order ready?");
    for (let next = await first; ; next = await stream.next()) {
      if (next.value?.event?.type === EventType.MESSAGE_RECEIVED) break;
    }
    // Caught up: the subscriber's reader is at the end of the log (had it stayed at its start, the
    // events appended since would count as lag).
    await until(async () => value(await samples(), "wildcat_event_consumer_lag_events", { consumer: "streams_max" }) === 0);
    abort.abort();
    await messages.sendMessage({ accountId: ACCOUNT, to: `+${CONTACT_PHONE}`, content: { case: "text", value: { body: "yes" } } });
    await receiver.waitFor((r) => r.length >= 1);

    const bytes = new Uint8Array(10_000).fill(7);
    const uploaded = await media.uploadMedia(
      (async function* () {
        yield { part: { case: "metadata" as const, value: { accountId: ACCOUNT, mimeType: "application/octet-stream", fileName: "x.bin" } } };
        yield { part: { case: "chunk" as const, value: bytes } };
      })(),
    );
    const download = await fetch(`${gw.baseUrl}/media/${uploaded.media!.mediaId}`, { headers: { authorization: TEST_AUTH_HEADER } });
    expect((await download.arrayBuffer()).byteLength).toBe(bytes.length);
    await accounts.disconnectAccount({ accountId: ACCOUNT });

    await until(async () => {
      s = await samples();
      return value(s, "wildcat_webhook_delivery_attempts_total", { outcome: "succeeded" }) >= 1 && value(s, "wildcat_open_streams", { service: "wildcat.v1.MessageService", method: "StreamMessages" }) === 0;
    });
    const moved = (name: string, labels: Record<string, string>) => value(s, name, labels) - value(before, name, labels);
    expect(moved("wildcat_messages_total", { direction: "in", type: "text" })).toBe(1);
    expect(moved("wildcat_messages_total", { direction: "out", type: "text" })).toBe(1);
    expect(moved("wildcat_event_log_appends_total", { type: "message_received" })).toBe(1);
    expect(moved("wildcat_event_log_appends_total", { type: "message_sent" })).toBe(1);
    expect(moved("wildcat_webhook_delivery_attempts_total", { outcome: "succeeded" })).toBe(1);
    expect(value(s, "wildcat_webhook_deliveries_pending")).toBe(0);
    expect(value(s, "wildcat_webhook_oldest_pending_age_seconds")).toBe(0);
    expect(value(s, "wildcat_event_consumer_lag_events", { consumer: "webhook_fanout" })).toBe(0);
    expect(moved("wildcat_media_bytes_total", { direction: "in" })).toBe(bytes.length);
    expect(moved("wildcat_media_bytes_total", { direction: "out" })).toBe(bytes.length);
    expect(moved("wildcat_account_disconnects_total", { reason: "requested" })).toBe(1);
    expect(value(s, "wildcat_accounts", { state: "disconnected" })).toBe(1);
    expect(value(s, "wildcat_accounts", { state: "connected" })).toBe(0);
    expect(value(s, "wildcat_rpc_requests_total", { service: "wildcat.v1.MessageService", method: "StreamMessages", protocol: "connect", code: "canceled" })).toBe(1);
  });
});

describe("Metrics read from the store at scrape time", () => {
  it("when deliveries wait and the fan-out is behind, then the outbox depth, the oldest one's age and the fan-out's lag say so", async () => {
    const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
    const accounts: Pick<AccountStore, "list"> = {
      list: async ({ after }) =>
        after === undefined
          ? { accounts: [{ state: "connected" }, { state: "connected" }] as never, nextAfter: "b" }
          : { accounts: [{ state: "logged_out" }] as never },
    };
    const deliveries: Pick<DeliveryStore, "pendingStats" | "fanoutPosition"> = {
      pendingStats: async () => ({ count: 3, oldestCreateTime: new Date(clock.now().getTime() - 90_000) }),
      fanoutPosition: async () => "4",
    };
    const events: Pick<EventLog, "latestCursor"> = { latestCursor: async () => "10" };
    const metrics = new Metrics({ processMetrics: false });
    metrics.watchStore({ accounts, deliveries, events } as never, clock);

    const text = await metrics.scrape();
    expect(text).toMatch(/^wildcat_accounts\{state="connected"\} 2$/m);
    expect(text).toMatch(/^wildcat_accounts\{state="logged_out"\} 1$/m);
    expect(text).toMatch(/^wildcat_accounts\{state="connecting"\} 0$/m);
    expect(text).toMatch(/^wildcat_webhook_deliveries_pending 3$/m);
    expect(text).toMatch(/^wildcat_webhook_oldest_pending_age_seconds 90$/m);
    expect(text).toMatch(/^wildcat_event_consumer_lag_events\{consumer="webhook_fanout"\} 6$/m);
    expect(text).toMatch(/^wildcat_event_consumer_lag_events\{consumer="streams_max"\} 0$/m);
    const slow = metrics.streamReaders.open("3", () => 0);
    const queued = metrics.streamReaders.open("8", () => 2);
    expect(await metrics.scrape()).toMatch(/^wildcat_event_consumer_lag_events\{consumer="streams_max"\} 7$/m);
    slow.close();
    expect(await metrics.scrape()).toMatch(/^wildcat_event_consumer_lag_events\{consumer="streams_max"\} 4$/m);
    queued.close();
    expect(text).not.toMatch(/^process_/m);
  });
});

/** Polls `check` (each poll is a scrape) until it holds; metrics have no event to wait on. */
async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
