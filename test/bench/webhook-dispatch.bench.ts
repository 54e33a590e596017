// Webhook delivery throughput on the embedded store, and what a dead endpoint costs the others.
//
//   node --import tsx test/bench/webhook-dispatch.bench.ts
//
// Delivers BENCH_EVENTS events (default 1000) to a healthy local receiver, once alone and once
// with a second webhook whose receiver never answers; prints deliveries per second and the
// ratio (with / alone: near 1 means the dead endpoint costs the healthy one nothing).
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import { startTestGateway } from "../support/gateway.js";
import { appendEvents } from "../webhooks/events.js";
import { Receiver } from "../webhooks/receiver.js";
import { bearer } from "../support/auth.js";

const events = Number(process.env.BENCH_EVENTS ?? 1000);

async function run(withDeadEndpoint: boolean): Promise<number> {
  const healthy = await Receiver.start();
  const dead = await Receiver.start();
  dead.answer = () => "hang";
  const gw = await startTestGateway({ WEBHOOK_ALLOW_HOSTS: "127.0.0.1", WEBHOOK_TIMEOUT_MS: "60000", WEBHOOK_LEASE_MS: "70000", LOG_LEVEL: "error" });
  try {
    const client = createClient(WebhookService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "1.1", interceptors: [bearer()] }));
    if (withDeadEndpoint) await client.createWebhook({ url: dead.url() });
    await client.createWebhook({ url: healthy.url() });
    const start = process.hrtime.bigint();
    await appendEvents(gw.gateway.store.events, events);
    await healthy.waitFor((r) => r.length >= events, 600_000);
    return events / (Number(process.hrtime.bigint() - start) / 1e9);
  } finally {
    await gw.cleanup();
    await healthy.close();
    await dead.close();
  }
}

const alone = await run(false);
const withDead = await run(true);
console.log(`webhook deliveries/s (SQLite, ${events} events, endpoint concurrency 4): alone ${alone.toFixed(0)}, beside a dead endpoint ${withDead.toFixed(0)}; ratio ${(withDead / alone).toFixed(2)}`);
