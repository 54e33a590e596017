import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import { AuthCipher } from "../../src/store/auth/auth-cipher.js";
import { resolveMasterKey } from "../../src/store/auth/master-key.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { processHarness, type NodeProcess } from "../support/processes.js";
import { receivedEvent } from "./events.js";
import { Receiver, verify } from "./receiver.js";
import { bearer, TEST_ADMIN_KEY } from "../support/auth.js";

const harness = processHarness();
const EVENTS = 2000;
const KILLS = 12;

afterEach(() => harness.cleanup());

async function portOf(gateway: NodeProcess): Promise<number> {
  const line = await gateway.line((l) => l.includes('"msg":"listening'));
  return (JSON.parse(line) as { port: number }).port;
}

describe("webhooks under crashes", () => {
  it(
    `when ${EVENTS} events are produced while the gateway is SIGKILLed ${KILLS} times, then every event arrives at least once and duplicates carry the same webhook-id`,
    async () => {
      const dataDir = harness.tempDir();
      const receiver = await Receiver.start();
      // A slow receiver: a kill often lands after it got a request and before the gateway saw
      // the answer. Only answers that reached a live gateway count as delivered.
      receiver.delay = () => Math.random() * 100;
      const env = {
        LOG_LEVEL: "info",
        WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
        WEBHOOK_TIMEOUT_MS: "1000",
        WEBHOOK_LEASE_MS: "2000",
        WEBHOOK_RETRY_SCHEDULE: "200ms,500ms,1s,2s,2s,2s,2s,2s,2s,2s,2s,2s",
        WEBHOOK_POLL_MS: "100",
        WEBHOOK_ENDPOINT_CONCURRENCY: "8",
        WILDCAT_ADMIN_KEY: TEST_ADMIN_KEY,
      };
      let gateway = harness.start("src/main.ts", dataDir, env);
      const client = createClient(WebhookService, createConnectTransport({ baseUrl: `http://127.0.0.1:${await portOf(gateway)}`, httpVersion: "1.1", interceptors: [bearer()] }));
      const { webhook, secret } = await client.createWebhook({ url: receiver.url() });
      // The producer writes into the gateway's own store file, as another process would.
      const store = openSqliteStore(dataDir, { authCipher: new AuthCipher(resolveMasterKey({ dataDir })) });
      try {
        const produced: string[] = [];
        /** Appends `n` events in small paced batches, so deliveries run while more arrive. */
        const produce = async (n: number) => {
          for (let left = n; left > 0; ) {
            for (let i = 0; i < 10 && left > 0; i++, left--) produced.push((await store.events.append(receivedEvent())).eventId);
            await sleep(20);
          }
        };
        let kills = 0;
        const deliveredAtKill: number[] = [];
        for (; kills < KILLS; kills++) {
          // Each round's events are appended while the gateway runs, dies and restarts.
          const round = produce(Math.floor((EVENTS * (kills + 1)) / KILLS) - Math.floor((EVENTS * kills) / KILLS));
          await sleep(100 + Math.random() * 900); // a random moment, with deliveries in flight
          const pid = gateway.child.pid!;
          gateway.child.kill("SIGKILL");
          await once(gateway.child, "exit");
          // The gateway process itself died, not a wrapper around it.
          expect(() => process.kill(pid, 0)).toThrow();
          deliveredAtKill.push(receiver.received.length);
          gateway = harness.start("src/main.ts", dataDir, env);
          await round;
          await portOf(gateway);
        }
        expect(produced).toHaveLength(EVENTS);
        const ids = new Set(produced);
        // Counted as they come: the receiver shares this process, so the check must stay cheap.
        const answered = new Set<string>();
        let counted = 0;
        const allAnswered = () => {
          for (; counted < receiver.received.length; counted++) if (receiver.received[counted].answered) answered.add(receiver.received[counted].eventId);
          return [...ids].every((id) => answered.has(id));
        };
        await receiver.waitFor(allAnswered, 180_000).catch(async (e: unknown) => {
          const missing = [...ids].filter((id) => !answered.has(id));
          const events = await Promise.all(missing.slice(0, 5).map((id) => store.events.get(id)));
          const records = await Promise.all(missing.slice(0, 5).map((id) => store.deliveries.get(webhook!.webhookId, id)));
          console.log(
            `missing ${missing.length}; fan-out at ${await store.deliveries.fanoutPosition()}; requests for them: ${missing.slice(0, 5).map((id) => receiver.of(id).length)}`,
            JSON.stringify({ events: events.map((ev) => ev && { cursor: ev.cursor, time: ev.createTime }), records }),
          );
          throw e;
        });

        for (const r of receiver.received) {
          expect(r.headers["webhook-id"]).toBe(r.eventId);
          verify(secret, r);
        }
        const seen = new Map<string, number>();
        for (const r of receiver.received) seen.set(r.eventId, (seen.get(r.eventId) ?? 0) + 1);
        expect([...ids].filter((id) => !answered.has(id))).toEqual([]);
        const duplicates = [...seen.values()].filter((n) => n > 1).length;
        console.log(
          `crash test: ${EVENTS} events, ${kills} SIGKILLs (receiver counts at each: ${deliveredAtKill.join(",")}), ` +
            `${receiver.received.length} requests (${receiver.received.filter((r) => !r.answered).length} cut off by a kill), ${duplicates} events delivered more than once`,
        );
        expect(kills).toBeGreaterThanOrEqual(10);
        // Kills landed mid-stream, not after everything was delivered.
        expect(deliveredAtKill.filter((n) => n < EVENTS).length).toBeGreaterThanOrEqual(10);
      } finally {
        await store.close();
        await receiver.close();
      }
    },
    420_000,
  );
});
