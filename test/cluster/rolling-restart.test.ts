import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AccountState } from "../../gen/wildcat/v1/account_pb.js";
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
 * KNOWN FAILING, hence opt-in (CLUSTER_ROLLING=1): a message being received at the moment of a
 * graceful hand-over can be lost (2–4 of 21 in runs so far): the old owner stores the message's
 * Signal session step, its socket closes before the receipt, WhatsApp delivers the message again to
 * the new owner, which cannot decrypt it any more (MessageCounterError, error 487 to WhatsApp).
 * See README, "Running several gateways", known limit.
 */
describe.skipIf(!uri || process.env.CLUSTER_ROLLING !== "1")("a rolling restart of three gateways", () => {
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
    const send = async (round: string) => {
      for (const [i] of ids.entries()) sent.push((await c.sandbox.sendFromContact({ fromPhoneNumber: contact(i), toJid: jid(phone(i)), text: `${round} ${i}` })).messageId);
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
      expect(subscriber.received.map((r) => r.id)).toEqual(sent); // sent one after another: this order, each once

      for (const id of ids) expect((await c.nodes[1].accounts.getAccount({ accountId: id })).account!.state).toBe(AccountState.CONNECTED);
      expect(c.replaced()).toBe(0);
      const handovers = c.nodes.map((n) => n.process.lines.filter((l) => l.includes("account lease released")).length);
      console.log(`[rolling-restart] ${JSON.stringify({ accounts: ACCOUNTS, messages: sent.length, subscriberReconnects: subscriber.reconnects, leaseReleasesInLastProcesses: handovers })}`);
    } finally {
      subscriber.close();
    }
  }, 300_000);
});
