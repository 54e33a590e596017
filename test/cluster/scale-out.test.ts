import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AccountState } from "../../gen/wildcat/v1/account_pb.js";
import { ClusterFixture, Subscriber } from "./cluster-fixture.js";

/**
 * Issue 13 end to end: three real gateway processes in cluster mode on one FerretDB, one
 * standalone simulator. CLUSTER_ACCOUNTS=30 runs the full scenario (slow on a small
 * machine), with the default 15 s lease TTL unless CLUSTER_TTL_MS says otherwise: linking 30
 * at once (812 pre-keys each) loads a 2-core machine past a 5 s TTL's renewals. The default
 * (6 accounts, 5 s) keeps the file well under a minute of work after linking.
 */
const ACCOUNTS = Number(process.env.CLUSTER_ACCOUNTS ?? 6);
const TTL_MS = Number(process.env.CLUSTER_TTL_MS ?? (ACCOUNTS > 6 ? 15_000 : 5_000));
/** Each contact's messages before the kill, and while it happens. */
const BEFORE = 2;
const DURING = 3;

const uri = inject("mongodbUri");

describe.skipIf(!uri)("three gateway processes on one MongoDB", () => {
  const c = new ClusterFixture();
  const ids = Array.from({ length: ACCOUNTS }, (_, i) => `acct${i}`);
  const phone = (i: number) => `+1555470${String(i).padStart(4, "0")}`;
  const contact = (i: number) => `+1555471${String(i).padStart(4, "0")}`;
  const jid = (p: string) => `${p.slice(1)}@s.whatsapp.net`;

  beforeAll(async () => {
    await c.start({ mongodbUri: uri, nodes: 3, ttlMs: TTL_MS });
    // Each account linked through one of the three, six at a time (a phone scan each).
    for (let k = 0; k < ids.length; k += 6) await Promise.all(ids.slice(k, k + 6).map((id, j) => c.link(c.nodes[(k + j) % 3], id, phone(k + j))));
  }, 600_000);

  afterAll(() => c.stop(), 60_000);

  it("when accounts are linked through all three, then each process owns some, every node shows the owner and its peers, and no device ever had two connections", async () => {
    const owners = new Map<string, string>();
    for (const id of ids) {
      // Read through a node that (mostly) does not own it: the owner comes from the shared store.
      const { account } = await c.nodes[(ids.indexOf(id) + 1) % 3].accounts.getAccount({ accountId: id });
      expect(account!.state).toBe(AccountState.CONNECTED);
      owners.set(id, account!.owner);
    }
    expect(new Set(owners.values())).toEqual(new Set(c.nodes.map((n) => n.url)));
    const { clusterMode, peers } = await c.nodes[1].cluster.listPeers({});
    expect(clusterMode).toBe(true);
    expect(peers.map((p) => p.url).sort()).toEqual(c.nodes.map((n) => n.url).sort());
    expect(peers.filter((p) => p.self).map((p) => p.url)).toEqual([c.nodes[1].url]);
    expect(c.replaced()).toBe(0);
  });

  it("when one process is SIGKILLed while contacts write, then the survivors take its accounts over, a subscriber on a survivor gets every message once and in order, and SendMessage works through any node", async () => {
    const [victim, other, watcherNode] = c.nodes;
    const subscriber = new Subscriber(watcherNode, ids);
    const sent = new Map<string, string[]>(); // chat → message ids in send order
    const all: string[] = [];
    const send = async (i: number, label: string) => {
      const { messageId } = await c.sandbox.sendFromContact({ fromPhoneNumber: contact(i), toJid: jid(phone(i)), text: `${label} ${i}` });
      const chat = `${ids[i]}/${jid(contact(i))}`;
      sent.set(chat, [...(sent.get(chat) ?? []), messageId]);
      all.push(messageId);
    };
    /** On a timeout, says where the missing messages are: stored (then the stream lost them) or not. */
    const seen = async (ids_: string[], timeoutMs: number) => {
      try {
        await subscriber.untilSeen(ids_, timeoutMs);
      } catch (e) {
        const stored: Record<string, number> = {};
        for (const id of ids) stored[id] = (await c.nodes[1].messages.listMessages({ accountId: id, pageSize: 100 })).messages.filter((m) => !m.fromMe).length;
        const got = new Set(subscriber.received.map((r) => r.id));
        const missing = [...sent].map(([chat, order]) => `${chat}: ${order.filter((id) => !got.has(id)).length}/${order.length}`);
        throw new Error(`${(e as Error).message}; stored per account ${JSON.stringify(stored)}; missing per chat ${missing.join(", ")}`);
      }
    };
    try {
      // The first round six at a time: a contact's first message also links its device in the simulator.
      for (let j = 0; j < ids.length; j += 6) await Promise.all(ids.slice(j, j + 6).map((_, i) => send(j + i, "before #0")));
      for (let k = 1; k < BEFORE; k++) await Promise.all(ids.map((_, i) => send(i, `before #${k}`)));
      await seen(all, 120_000);

      const victimAccounts = [];
      for (const id of ids) if ((await other.accounts.getAccount({ accountId: id })).account!.owner === victim.url) victimAccounts.push(id);
      expect(victimAccounts.length).toBeGreaterThan(0);

      // Contacts keep writing while the process dies: the first message of the batch goes out, then SIGKILL.
      const killedAt = performance.now();
      const writing = (async () => {
        for (let k = 0; k < DURING; k++) {
          await Promise.all(ids.map((_, i) => send(i, `during #${k}`)));
          if (k === 0) victim.process.child.kill("SIGKILL");
        }
      })();
      writing.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      const newOwners = await Promise.all(victimAccounts.map((id) => c.connectedElsewhere(other, id, victim.url, 6 * TTL_MS + 60_000)));
      const takeoverMs = Math.round(performance.now() - killedAt);
      for (const o of newOwners) expect([other.url, watcherNode.url]).toContain(o);
      await writing;
      await seen(all, 120_000);

      const ids_ = subscriber.received.map((r) => r.id);
      expect(new Set(ids_).size).toBe(ids_.length); // no duplicate
      for (const [chat, order] of sent) {
        expect(subscriber.received.filter((r) => r.chat === chat).map((r) => r.id), chat).toEqual(order); // every one, in order
      }
      console.log(`[scale-out] ${JSON.stringify({ accounts: ACCOUNTS, takenOver: victimAccounts.length, ttlMs: TTL_MS, takeoverMs, messages: all.length, subscriberReconnects: subscriber.reconnects })}`);

      // SendMessage through either survivor, for every account: forwarded to the owner or sent locally.
      for (const node of [other, watcherNode]) {
        for (const [i, id] of ids.entries()) {
          const res = await node.messages.sendMessage({ accountId: id, to: contact(i), content: { case: "text", value: { body: `after takeover via ${node.url}` } } });
          expect(res.message?.messageId).toBeTruthy();
        }
      }
    } finally {
      subscriber.close();
    }
  }, 240_000);
});
