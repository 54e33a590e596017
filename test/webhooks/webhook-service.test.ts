import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { fromJsonString } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventSchema, EventType } from "../../gen/wildcat/v1/event_pb.js";
import { DeliveryState, WebhookState } from "../../gen/wildcat/v1/webhook_pb.js";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import { loadConfig } from "../../src/config.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { appendEvents } from "./events.js";
import { Receiver, verify } from "./receiver.js";
import { bearer } from "../support/auth.js";

let gw: TestGateway;
let receiver: Receiver;
let client: Client<typeof WebhookService>;

beforeAll(async () => {
  receiver = await Receiver.start();
  gw = await startTestGateway({ WEBHOOK_ALLOW_HOSTS: "127.0.0.1", WEBHOOK_POLL_MS: "50" });
  client = createClient(WebhookService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] }));
});

afterAll(async () => {
  await gw?.cleanup();
  await receiver?.close();
});

const code = (p: Promise<unknown>) => p.then(() => Code.Unknown, (e: unknown) => ConnectError.from(e).code);

describe("WebhookService", () => {
  it("when CreateWebhook repeats a request_id, then the first webhook and its secret come back; another URL with it is already_exists", async () => {
    const first = await client.createWebhook({ url: receiver.url("/a"), requestId: "req-1", description: "first" });
    const again = await client.createWebhook({ url: receiver.url("/a"), requestId: "req-1", description: "first" });

    expect(again.webhook).toEqual(first.webhook);
    expect(again.secret).toBe(first.secret);
    expect(await code(client.createWebhook({ url: receiver.url("/other"), requestId: "req-1" }))).toBe(Code.AlreadyExists);
  });

  it("when a URL is not http(s) or has credentials, then it is invalid_argument", async () => {
    expect(await code(client.createWebhook({ url: "ftp://example.com/x" }))).toBe(Code.InvalidArgument);
    expect(await code(client.createWebhook({ url: "https://user:pw@example.com/x" }))).toBe(Code.InvalidArgument);
    expect(await code(client.createWebhook({ url: "" }))).toBe(Code.InvalidArgument);
  });

  it("when ListWebhooks pages, then every webhook comes once, without secrets", async () => {
    for (let i = 0; i < 5; i++) await client.createWebhook({ url: receiver.url(`/p${i}`) });
    const ids: string[] = [];
    let pageToken = "";
    do {
      const page = await client.listWebhooks({ pageSize: 2, pageToken });
      ids.push(...page.webhooks.map((w) => w.webhookId));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(5);
  });

  it("when UpdateWebhook names fields, then only those change; FAILING cannot be set; unknown paths and webhooks are refused", async () => {
    const { webhook } = await client.createWebhook({ url: receiver.url("/u"), description: "before", eventTypes: [EventType.MESSAGE_SENT] });
    const id = webhook!.webhookId;

    const { webhook: updated } = await client.updateWebhook({
      webhook: { webhookId: id, description: "after", url: "https://ignored.example.com/" },
      updateMask: { paths: ["description", "event_types"] },
    });
    expect([updated!.description, updated!.url, updated!.eventTypes]).toEqual(["after", receiver.url("/u"), []]);
    const { webhook: disabled } = await client.updateWebhook({ webhook: { webhookId: id, state: WebhookState.DISABLED }, updateMask: { paths: ["state"] } });
    expect(disabled!.state).toBe(WebhookState.DISABLED);
    expect(await code(client.updateWebhook({ webhook: { webhookId: id, state: WebhookState.FAILING }, updateMask: { paths: ["state"] } }))).toBe(Code.InvalidArgument);
    expect(await code(client.updateWebhook({ webhook: { webhookId: id }, updateMask: { paths: ["secret"] } }))).toBe(Code.InvalidArgument);
    expect(await code(client.updateWebhook({ webhook: { webhookId: id, url: "" }, updateMask: { paths: ["url"] } }))).toBe(Code.InvalidArgument);
    expect(await code(client.updateWebhook({ webhook: { webhookId: "nope" }, updateMask: { paths: ["description"] } }))).toBe(Code.NotFound);
  });

  it("when a webhook is disabled by a client, then new events are not delivered to it; DeleteWebhook removes it", async () => {
    const { webhook } = await client.createWebhook({ url: receiver.url("/off") });
    const id = webhook!.webhookId;
    await client.updateWebhook({ webhook: { webhookId: id, state: WebhookState.DISABLED }, updateMask: { paths: ["state"] } });
    const { webhook: on } = await client.createWebhook({ url: receiver.url("/on") });
    const [event] = await appendEvents(gw.gateway.store.events, 1);

    await receiver.waitFor((r) => r.some((x) => x.eventId === event.eventId && x.path === "/on"));
    expect(receiver.received.filter((x) => x.path === "/off")).toEqual([]);
    expect((await client.listWebhookDeliveries({ webhookId: id })).deliveries).toEqual([]);
    expect((await client.listWebhookDeliveries({ webhookId: on!.webhookId, eventId: event.eventId })).deliveries).toHaveLength(1);

    await client.deleteWebhook({ webhookId: id });
    expect(await code(client.getWebhook({ webhookId: id }))).toBe(Code.NotFound);
    expect(await code(client.deleteWebhook({ webhookId: id }))).toBe(Code.NotFound);
    await client.deleteWebhook({ webhookId: on!.webhookId });
  });

  it("when filters are set, then only matching events are delivered", async () => {
    const { webhook } = await client.createWebhook({ url: receiver.url("/f"), accountIds: ["wanted"], eventTypes: [EventType.MESSAGE_RECEIVED] });
    const [skipped] = await appendEvents(gw.gateway.store.events, 1, "other");
    const [wanted] = await appendEvents(gw.gateway.store.events, 1, "wanted");

    await receiver.waitFor((r) => r.some((x) => x.path === "/f" && x.eventId === wanted.eventId));
    expect(receiver.received.filter((x) => x.path === "/f").map((x) => x.eventId)).toEqual([wanted.eventId]);
    expect((await client.listWebhookDeliveries({ webhookId: webhook!.webhookId, eventId: skipped.eventId })).deliveries).toEqual([]);
    await client.deleteWebhook({ webhookId: webhook!.webhookId });
  });

  it("when ListWebhookDeliveries pages and filters by state, then each delivery comes once, newest first", async () => {
    const { webhook } = await client.createWebhook({ url: receiver.url("/l") });
    const events = await appendEvents(gw.gateway.store.events, 5);
    await receiver.waitFor((r) => r.filter((x) => x.path === "/l").length === 5);

    const ids: string[] = [];
    let pageToken = "";
    for (let i = 0; i < 10; i++) {
      const page = await client.listWebhookDeliveries({ webhookId: webhook!.webhookId, pageSize: 2, pageToken });
      ids.push(...page.deliveries.map((d) => d.eventId));
      pageToken = page.nextPageToken;
      if (!pageToken) break;
    }
    expect(ids).toEqual(events.map((e) => e.eventId).reverse());
    expect((await client.listWebhookDeliveries({ webhookId: webhook!.webhookId, state: DeliveryState.FAILED })).deliveries).toEqual([]);
    expect(await code(client.listWebhookDeliveries({ webhookId: "nope" }))).toBe(Code.NotFound);
    expect(await code(client.listWebhookDeliveries({ webhookId: webhook!.webhookId, pageToken: "garbage" }))).toBe(Code.InvalidArgument);
    await client.deleteWebhook({ webhookId: webhook!.webhookId });
  });

  it("when TestWebhook is called, then a signed WEBHOOK_TEST ping arrives, the result comes back, and nothing is stored", async () => {
    const { webhook, secret } = await client.createWebhook({ url: receiver.url("/t") });
    const latest = await gw.gateway.store.events.latestCursor();

    const result = await client.testWebhook({ webhookId: webhook!.webhookId });

    expect([result.success, result.statusCode, result.error]).toEqual([true, 200, ""]);
    const [ping] = receiver.received.filter((x) => x.path === "/t");
    verify(secret, ping);
    const event = fromJsonString(EventSchema, ping.body);
    expect([event.type, event.payload.case]).toEqual([EventType.WEBHOOK_TEST, "webhook"]);
    expect(await gw.gateway.store.events.latestCursor()).toBe(latest);
    expect((await client.listWebhookDeliveries({ webhookId: webhook!.webhookId })).deliveries).toEqual([]);
  });
});

describe("webhook configuration", () => {
  it("when the webhook keys are unset, then the documented defaults apply (about three days of retries)", () => {
    const c = loadConfig({});
    expect([c.webhookTimeoutMs, c.webhookAllowHosts, c.webhookDisableAfterHours, c.webhookEndpointConcurrency, c.webhookLeaseMs]).toEqual([15_000, [], 120, 4, 60_000]);
    const total = c.webhookRetrySchedule.reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(60);
    expect(total / 3_600_000).toBeLessThan(84);
  });

  it("when webhook keys are malformed, then each is named", () => {
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: "5s,soon" })).toThrow(/WEBHOOK_RETRY_SCHEDULE.*soon/);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: "8d" })).toThrow(/longer than 7 days/);
    expect(() => loadConfig({ WEBHOOK_ALLOW_HOSTS: "10.0.0.0/99" })).toThrow(/WEBHOOK_ALLOW_HOSTS/);
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: "20000", WEBHOOK_LEASE_MS: "20000" })).toThrow(/WEBHOOK_LEASE_MS must be at least/);
    expect(() => loadConfig({ WEBHOOK_DISABLE_AFTER_HOURS: "-1" })).toThrow(/WEBHOOK_DISABLE_AFTER_HOURS/);
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: "500ms, 2s,1m,1h,1d", WEBHOOK_DISABLE_AFTER_HOURS: "0.5", WEBHOOK_ALLOW_HOSTS: "127.0.0.1, hooks.internal,10.0.0.0/8" })).toMatchObject({
      webhookRetrySchedule: [500, 2000, 60_000, 3_600_000, 86_400_000],
      webhookDisableAfterHours: 0.5,
      webhookAllowHosts: ["127.0.0.1", "hooks.internal", "10.0.0.0/8"],
    });
  });
});
