import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DeliveryState } from "../../gen/wildcat/v1/webhook_pb.js";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { appendEvents } from "./events.js";
import { Receiver, verify } from "./receiver.js";
import { bearer } from "../support/auth.js";

let gw: TestGateway | undefined;
let receiver: Receiver | undefined;

afterEach(async () => {
  await gw?.cleanup();
  await receiver?.close();
});

const OUTAGE_MS = 60_000;

describe("webhook retries", () => {
  it(
    "when the receiver answers 503 for a minute and then 200, then every event arrives, after several attempts each",
    async () => {
      receiver = await Receiver.start();
      let outageStart: number | undefined;
      receiver.answer = (r) => {
        outageStart ??= r.time;
        return r.time - outageStart < OUTAGE_MS ? { status: 503 } : { status: 200 };
      };
      gw = await startTestGateway({ WEBHOOK_ALLOW_HOSTS: "127.0.0.1", WEBHOOK_RETRY_SCHEDULE: "1s,2s,4s,8s,15s,15s,15s,15s,15s,15s", WEBHOOK_POLL_MS: "100" });
      const client = createClient(WebhookService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] }));
      const { webhook, secret } = await client.createWebhook({ url: receiver.url() });
      const events = await appendEvents(gw.gateway.store.events, 20);

      const ok = () => receiver!.received.filter((r) => r.time - outageStart! >= OUTAGE_MS);
      await receiver.waitFor(() => new Set(ok().map((r) => r.eventId)).size === events.length, 150_000);

      for (const r of receiver.received) verify(secret, r);
      expect(receiver.received.filter((r) => r.time - outageStart! < OUTAGE_MS).length).toBeGreaterThanOrEqual(events.length * 4);
      // The last answers may still be on their way into the store.
      const deliveries = await vi.waitFor(
        async () => {
          const page = await client.listWebhookDeliveries({ webhookId: webhook!.webhookId, pageSize: 100 });
          if (page.deliveries.some((d) => d.state !== DeliveryState.SUCCEEDED)) throw new Error("not all succeeded yet");
          return page.deliveries;
        },
        { timeout: 10_000, interval: 100 },
      );
      expect(deliveries).toHaveLength(events.length);
      for (const d of deliveries) expect([d.attempts > 1, d.lastStatusCode, d.lastError]).toEqual([true, 200, ""]);
      console.log(`503 outage: ${receiver.received.length} requests for ${events.length} events; attempts per delivery: ${deliveries.map((d) => d.attempts).join(",")}`);
    },
    200_000,
  );
});
