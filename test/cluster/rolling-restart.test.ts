import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AccountState } from "../../gen/wildcat/v1/account_pb.js";
import { AccountWatcher } from "../support/account-watcher.js";
import { ClusterFixture, Subscriber } from "./cluster-fixture.js";

/**
 * A rolling deploy (issue 13): each of three gateways is stopped (SIGTERM) and started again, one
 * at a time, while contacts write. A graceful stop hands its accounts over at once (socket closed
 * first, lease released after), so no device ever has two connections: no 440, no loop.
 */
const TTL_MS = 5_000;
const ACCOUNTS = 3;

const uri = inject("mongodbUri");

/**
 * The messages of each round are still being handled when the process is told to stop: a stop
 * that cut a socket between a message's decryption (its Signal session step stored) and its
 * receipt lost the message (the next owner cannot decrypt it again). The stop drains first.
 */
describe.skipIf(!uri)("a rolling restart of three gateways", () => {
  const c = new ClusterFixture();
  const ids = Array.from({ length: ACCOUNTS }, (_, i) => `roll${i}`);
  const phone = (i: number) => `+1555473${String(i).padStart(4, "0")}`;
  const contact = (i: number) => `+1555474${String(i).padStart(4, "0")}`;
  const jid = (p: string) => `${p.slice(1)}@s.whatsapp.net`;

  beforeAll(async () => {
    await c.start({ mongodbUri: uri, nodes: 3, ttlMs: TTL_MS });
    await Promise.all(ids.map((id, i) => c.link(c.nodes[i % 3], id, phone(i))));
  }, 240_000);

  afterAll(() => c.stop(), 60_000);

  it("when each process restarts in turn, then every account is back, every message arrives once and in order, and no connection was replaced", async () => {
    const subscriber = new Subscriber(c.nodes[0], ids);
    const sent: string[] = [];
    const perChat = new Map<string, string[]>(); // chat → message ids in send order
    const send = async (round: string) => {
      for (const [i, id] of ids.entries()) {
        const { messageId } = await c.sandbox.sendFromContact({ fromPhoneNumber: contact(i), toJid: jid(phone(i)), text: `${round} ${i}` });
        sent.push(messageId);
        const chat = `${id}/${jid(contact(i))}`;
        perChat.set(chat, [...(perChat.get(chat) ?? []), messageId]);
      }
    };
    try {
      for (let n = 0; n < 3; n++) {
        await send(`before restart ${n}`);
        const stopping = c.nodes[n];
        expect(await stopping.process.stop()).toBe(0);
        // Its accounts are taken by the others (released at once, so within a balancing round).
        const survivor = c.nodes[(n + 1) % 3];
        await Promise.all(ids.map((id) => c.connectedElsewhere(survivor, id, stopping.url, 60_000)));
        await send(`while ${n} is down`);
        await c.restart(n);
      }
      await send("after the rolling restart");
      await subscriber.untilSeen(sent, 120_000);
      const received = subscriber.received.map((r) => r.id);
      expect(new Set(received).size).toBe(received.length); // each once
      // In send order per chat (accounts are owned by different processes: no order across them).
      for (const [chat, order] of perChat) expect(subscriber.received.filter((r) => r.chat === chat).map((r) => r.id), chat).toEqual(order);

      // Every account connected again (the last restarted process may still be taking its share over).
      for (const id of ids) {
        const w = new AccountWatcher(c.nodes[1].accounts, id);
        try {
          await w.until((s) => s.account!.state === AccountState.CONNECTED, 0, 60_000);
        } finally {
          w.close();
        }
      }
      expect(c.replaced()).toBe(0);
      const handovers = c.nodes.map((n) => n.process.lines.filter((l) => l.includes("account lease released")).length);
      console.log(`[rolling-restart] ${JSON.stringify({ accounts: ACCOUNTS, messages: sent.length, subscriberReconnects: subscriber.reconnects, leaseReleasesInLastProcesses: handovers })}`);
    } finally {
      subscriber.close();
    }
  }, 300_000);
});
