import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { fromJsonString } from "@bufbuild/protobuf";
import { MongoClient } from "mongodb";
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { EventSchema, EventType } from "../../gen/wildcat/v1/event_pb.js";
import { DeliveryState, WebhookState } from "../../gen/wildcat/v1/webhook_pb.js";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import { uniqueDbName } from "../support/ferretdb.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { appendEvents } from "./events.js";
import { Receiver, verify } from "./receiver.js";
import { bearer } from "../support/auth.js";

const mongodbUri = inject("mongodbUri");

let gw: TestGateway;
let receiver: Receiver;
let client: Client<typeof WebhookService>;
/** The store the gateways of the running suite use. */
let storeEnv: Record<string, string> = {};

async function start(env: Record<string, string> = {}) {
  gw = await startTestGateway({
    ...storeEnv,
    WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
    WEBHOOK_RETRY_SCHEDULE: "100ms,200ms,400ms,800ms,1s",
    WEBHOOK_POLL_MS: "50",
    ...env,
  });
  client = createClient(WebhookService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] }));
}

beforeEach(async () => {
  receiver = await Receiver.start();
});

afterEach(async () => {
  vi.useRealTimers();
  await gw?.cleanup();
  await receiver.close();
});

/** The delivery of `eventId` once `check` accepts it. */
async function deliveryOnce(webhookId: string, eventId: string, check: (d: { state: DeliveryState; attempts: number; lastStatusCode: number; lastError: string }) => boolean, timeout = 15_000) {
  return vi.waitFor(
    async () => {
      const [d] = (await client.listWebhookDeliveries({ webhookId, eventId })).deliveries;
      if (!d || !check(d)) throw new Error(`delivery not there yet: ${JSON.stringify(d ?? null, (_, v) => (typeof v === "bigint" ? String(v) : v))}`);
      return d;
    },
    { timeout, interval: 50 },
  );
}

const stores: [string, () => Record<string, string>][] = [["SQLite", () => ({})]];
if (mongodbUri) stores.push(["MongoDB (FerretDB)", () => ({ MONGODB_URI: mongodbUri, MONGODB_DB: uniqueDbName("webhooks"), AUTH_STATE_KEY: "a".repeat(64) })]);

/** The webhook once Wildcat has disabled it. */
function disabledWebhook(webhookId: string) {
  return vi.waitFor(
    async () => {
      const w = (await client.getWebhook({ webhookId })).webhook!;
      if (w.state !== WebhookState.FAILING) throw new Error("still enabled");
      return w;
    },
    { timeout: 15_000, interval: 50 },
  );
}

describe.each(stores)("webhook deliveries on %s", (_name, envOf) => {
  beforeEach(() => {
    storeEnv = envOf();
  });
  afterEach(async () => {
    await gw?.stop();
    if (!storeEnv.MONGODB_URI) return;
    const mongo = await MongoClient.connect(storeEnv.MONGODB_URI);
    await mongo.db(storeEnv.MONGODB_DB).dropDatabase();
    await mongo.close();
  });

  it("when an event is appended, then the receiver gets its proto3 JSON signed so standardwebhooks verifies it; tampered or stale fails", async () => {
    await start();
    const { webhook, secret } = await client.createWebhook({ url: receiver.url(), description: "crm" });
    expect(secret).toMatch(/^whsec_/);
    const [event] = await appendEvents(gw.gateway.store.events, 1);

    const [got] = await receiver.waitFor((r) => r.length >= 1);
    expect(got.headers["webhook-id"]).toBe(event.eventId);
    expect(got.headers["content-type"]).toMatch(/^application\/json/);
    verify(secret, got);
    const body = fromJsonString(EventSchema, got.body);
    expect([body.eventId, body.cursor, body.type, body.accountId]).toEqual([event.eventId, event.cursor, EventType.MESSAGE_RECEIVED, "acc"]);

    expect(() => verify(secret, { ...got, body: got.body.replace('"acc"', '"acd"') })).toThrow(/signature/i);
    expect(() => verify(secret, { ...got, headers: { ...got.headers, "webhook-id": "another" } })).toThrow(/signature/i);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 6 * 60_000);
    expect(() => verify(secret, got)).toThrow(/timestamp/i);
    vi.useRealTimers();

    const d = await deliveryOnce(webhook!.webhookId, event.eventId, (d) => d.state === DeliveryState.SUCCEEDED);
    expect([d.attempts, d.lastStatusCode, d.lastError, d.nextAttemptTime]).toEqual([1, 200, "", undefined]);
    // The secret is shown once: never in Get or List.
    const shown = [(await client.getWebhook({ webhookId: webhook!.webhookId })).webhook, ...(await client.listWebhooks({})).webhooks];
    expect(JSON.stringify(shown, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain("whsec_");
  });

  it("when RedeliverWebhookEvent is called, then the receiver gets the event again with the same webhook-id; an unknown event is not_found", async () => {
    await start();
    const { webhook, secret } = await client.createWebhook({ url: receiver.url() });
    const [event] = await appendEvents(gw.gateway.store.events, 1);
    await deliveryOnce(webhook!.webhookId, event.eventId, (d) => d.state === DeliveryState.SUCCEEDED);

    const { delivery } = await client.redeliverWebhookEvent({ webhookId: webhook!.webhookId, eventId: event.eventId });
    expect(delivery?.state).toBe(DeliveryState.PENDING);

    const twice = await receiver.waitFor(() => receiver.of(event.eventId).length === 2);
    expect(twice.map((r) => r.headers["webhook-id"])).toEqual([event.eventId, event.eventId]);
    verify(secret, twice[1]);
    const d = await deliveryOnce(webhook!.webhookId, event.eventId, (d) => d.state === DeliveryState.SUCCEEDED && d.attempts === 2);
    expect(d.lastStatusCode).toBe(200);
    await expect(client.redeliverWebhookEvent({ webhookId: webhook!.webhookId, eventId: "no-such-event" })).rejects.toThrow(/not in the event log/);
  });

  it("when the secret is rotated, then during the grace period both secrets verify each delivery, and after it only the new one", async () => {
    await start();
    const { webhook, secret: oldSecret } = await client.createWebhook({ url: receiver.url() });
    const { secret: newSecret } = await client.rotateWebhookSecret({ webhookId: webhook!.webhookId, gracePeriod: { seconds: 3600n } });
    expect(newSecret).not.toBe(oldSecret);

    const [during] = await appendEvents(gw.gateway.store.events, 1);
    const [inGrace] = await receiver.waitFor(() => receiver.of(during.eventId).length === 1).then(() => receiver.of(during.eventId));
    verify(oldSecret, inGrace);
    verify(newSecret, inGrace);

    // A second rotation with no grace: only the newest secret signs from now on.
    const { secret: newest } = await client.rotateWebhookSecret({ webhookId: webhook!.webhookId, gracePeriod: { seconds: 0n } });
    const [after] = await appendEvents(gw.gateway.store.events, 1);
    const [afterGrace] = await receiver.waitFor(() => receiver.of(after.eventId).length === 1).then(() => receiver.of(after.eventId));
    verify(newest, afterGrace);
    expect(() => verify(newSecret, afterGrace)).toThrow(/signature/i);
    expect(() => verify(oldSecret, afterGrace)).toThrow(/signature/i);
  });

  it("when the grace period of a rotation ends, then the old secret stops verifying", async () => {
    await start();
    const { webhook, secret: oldSecret } = await client.createWebhook({ url: receiver.url() });
    const { secret: newSecret } = await client.rotateWebhookSecret({ webhookId: webhook!.webhookId, gracePeriod: { seconds: 1n } });
    // Events keep coming until one is signed after the grace period: it carries one signature.
    let last;
    for (;;) {
      const [e] = await appendEvents(gw.gateway.store.events, 1);
      [last] = await receiver.waitFor(() => receiver.of(e.eventId).length === 1).then(() => receiver.of(e.eventId));
      verify(newSecret, last);
      if (String(last.headers["webhook-signature"]).split(" ").length === 1) break;
      verify(oldSecret, last);
      await new Promise((r) => setTimeout(r, 200)); // pacing the producer, not waiting for an outcome
    }
    expect(() => verify(oldSecret, last)).toThrow(/signature/i);
  });

  it("when the endpoint answers a redirect, then it is a failure and the Location is not followed", async () => {
    await start({ WEBHOOK_RETRY_SCHEDULE: "1h" });
    receiver.answer = (r) => (r.path === "/hook" ? { status: 302, headers: { location: receiver.url("/elsewhere") } } : { status: 200 });
    const { webhook } = await client.createWebhook({ url: receiver.url() });
    const [event] = await appendEvents(gw.gateway.store.events, 1);

    const d = await deliveryOnce(webhook!.webhookId, event.eventId, (d) => d.attempts === 1);
    expect([d.state, d.lastStatusCode]).toEqual([DeliveryState.PENDING, 302]);
    expect(d.lastError).toMatch(/redirect/i);
    expect(d.nextAttemptTime).toBeDefined();
    expect(receiver.received.map((r) => r.path)).toEqual(["/hook"]);
  });

  it("when the endpoint hangs, then the attempt times out and is retried", async () => {
    await start({ WEBHOOK_TIMEOUT_MS: "300", WEBHOOK_LEASE_MS: "1300", WEBHOOK_RETRY_SCHEDULE: "1h" });
    receiver.answer = () => "hang";
    const { webhook } = await client.createWebhook({ url: receiver.url() });
    const [event] = await appendEvents(gw.gateway.store.events, 1);

    const d = await deliveryOnce(webhook!.webhookId, event.eventId, (d) => d.attempts === 1);
    expect([d.state, d.lastStatusCode]).toEqual([DeliveryState.PENDING, 0]);
    expect(d.lastError).toMatch(/time/i);
  });

  it("when the endpoint answers 503 with Retry-After, then the next attempt waits at least that long", async () => {
    await start();
    let first = true;
    receiver.answer = () => {
      if (!first) return { status: 200 };
      first = false;
      return { status: 503, headers: { "retry-after": "2" } };
    };
    const { webhook } = await client.createWebhook({ url: receiver.url() });
    const [event] = await appendEvents(gw.gateway.store.events, 1);

    const pending = await deliveryOnce(webhook!.webhookId, event.eventId, (d) => d.attempts === 1);
    expect(pending.lastStatusCode).toBe(503);
    const waitMs = Number(pending.nextAttemptTime!.seconds - pending.lastAttemptTime!.seconds) * 1000 + (pending.nextAttemptTime!.nanos - pending.lastAttemptTime!.nanos) / 1e6;
    // The schedule alone would retry after about 100 ms.
    expect(waitMs).toBeGreaterThanOrEqual(2000);
    const [a, b] = await receiver.waitFor((r) => r.length === 2);
    expect(b.time - a.time).toBeGreaterThanOrEqual(1900);
    await deliveryOnce(webhook!.webhookId, event.eventId, (d) => d.state === DeliveryState.SUCCEEDED && d.attempts === 2);
  });

  it("when the endpoint answers 410, then the webhook is disabled (GetWebhook, event log) and its other deliveries stop", async () => {
    await start({ WEBHOOK_ENDPOINT_CONCURRENCY: "1" });
    receiver.answer = () => ({ status: 410 });
    const { webhook } = await client.createWebhook({ url: receiver.url() });
    const events = await appendEvents(gw.gateway.store.events, 3);

    const first = await deliveryOnce(webhook!.webhookId, events[0].eventId, (d) => d.state === DeliveryState.FAILED);
    expect([first.attempts, first.lastStatusCode]).toEqual([1, 410]);
    // The webhook is disabled right after the attempt is recorded.
    const got = await disabledWebhook(webhook!.webhookId);
    expect(got.disabledReason).toMatch(/410/);
    // Then its pending deliveries end (right after the state change).
    await vi.waitFor(
      async () => {
        const others = (await client.listWebhookDeliveries({ webhookId: webhook!.webhookId })).deliveries.filter((d) => d.eventId !== events[0].eventId);
        expect(others).toHaveLength(2);
        for (const d of others) expect([d.state, d.attempts, d.lastError]).toEqual([DeliveryState.FAILED, 0, expect.stringMatching(/disabled/)]);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(receiver.received).toHaveLength(1);

    const disabled = (await gw.gateway.store.events.read({ filter: { types: ["webhook_disabled"] }, limit: 10 })).events;
    expect(disabled).toHaveLength(1);
    expect(disabled[0].eventId).toContain(webhook!.webhookId);

    // Re-enabled: the reason is cleared and new events flow again.
    receiver.answer = () => ({ status: 200 });
    const enabled = await client.updateWebhook({ webhook: { webhookId: webhook!.webhookId, state: WebhookState.ENABLED }, updateMask: { paths: ["state"] } });
    expect([enabled.webhook!.state, enabled.webhook!.disabledReason]).toEqual([WebhookState.ENABLED, ""]);
    const [later] = await appendEvents(gw.gateway.store.events, 1);
    await receiver.waitFor(() => receiver.of(later.eventId).length === 1);
  });

  it("when a webhook points at a loopback address that is not allow-listed, then nothing reaches it and the delivery shows the refusal", async () => {
    await start({ WEBHOOK_ALLOW_HOSTS: "" });
    const direct = await client.createWebhook({ url: receiver.url() });
    const byName = await client.createWebhook({ url: `http://localhost:${receiver.port}/hook` });
    const [event] = await appendEvents(gw.gateway.store.events, 1);

    for (const { webhook } of [direct, byName]) {
      const d = await deliveryOnce(webhook!.webhookId, event.eventId, (d) => d.attempts >= 1);
      expect([d.state, d.lastStatusCode]).toEqual([DeliveryState.PENDING, 0]);
      expect(d.lastError).toMatch(/refused.*loopback/);
    }
    const test = await client.testWebhook({ webhookId: direct.webhook!.webhookId });
    expect([test.success, test.error]).toEqual([false, expect.stringMatching(/loopback/)]);
    expect(receiver.received).toHaveLength(0);
  });
  it("when an endpoint fails every delivery for WEBHOOK_DISABLE_AFTER_HOURS, then it is disabled and that is an event", async () => {
    await start({ WEBHOOK_DISABLE_AFTER_HOURS: "0.0003", WEBHOOK_RETRY_SCHEDULE: Array(40).fill("100ms").join(",") });
    receiver.answer = () => ({ status: 500 });
    const { webhook } = await client.createWebhook({ url: receiver.url() });
    const [event] = await appendEvents(gw.gateway.store.events, 1);

    const got = await disabledWebhook(webhook!.webhookId);
    expect(got.disabledReason).toMatch(/every delivery failed since .* HTTP 500/);
    const d = await deliveryOnce(webhook!.webhookId, event.eventId, (d) => d.state === DeliveryState.FAILED);
    expect(d.attempts).toBeGreaterThan(1);
    const [disabled] = (await gw.gateway.store.events.read({ filter: { types: ["webhook_disabled"] }, limit: 10 })).events;
    expect(disabled.payload).toBeDefined();
    expect(await client.redeliverWebhookEvent({ webhookId: webhook!.webhookId, eventId: event.eventId }).catch((e: Error) => e.message)).toMatch(/not enabled/);
  });

  it("when one endpoint hangs, then another endpoint gets all its events while the hanging one holds at most its concurrency", async () => {
    await start({ WEBHOOK_ENDPOINT_CONCURRENCY: "2", WEBHOOK_WORKERS: "4", WEBHOOK_TIMEOUT_MS: "20000", WEBHOOK_LEASE_MS: "30000" });
    const slow = await Receiver.start();
    try {
      slow.answer = () => "hang";
      await client.createWebhook({ url: slow.url() });
      await client.createWebhook({ url: receiver.url() });
      const events = await appendEvents(gw.gateway.store.events, 30);

      await receiver.waitFor((r) => new Set(r.map((x) => x.eventId)).size === events.length);
      expect(slow.received.length).toBeLessThanOrEqual(2);
    } finally {
      await slow.close();
    }
  });
});
