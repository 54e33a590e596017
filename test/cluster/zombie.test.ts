import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AccountState, DisconnectReason } from "../../gen/wildcat/v1/account_pb.js";
import { EventType } from "../../gen/wildcat/v1/event_pb.js";
import { MessageStatus } from "../../gen/wildcat/v1/message_pb.js";
import { StreamStart } from "../../gen/wildcat/v1/message_service_pb.js";
import { ClusterFixture, Subscriber } from "./cluster-fixture.js";

/**
 * Fencing (issue 13): a gateway frozen (SIGSTOP) past its lease TTL while a contact writes; another
 * takes the account over; then the frozen one resumes (SIGCONT) with the contact's messages still
 * in its socket buffer and WhatsApp's "replaced" waiting for it. None of its writes may land, it
 * must give the account up without reconnecting, and the new owner must go on decrypting.
 */
const TTL_MS = 5_000;
const ACCOUNT = "zombie";
const PHONE = "+15554720001";
const CONTACT = "+15554720101";
const JID = `${PHONE.slice(1)}@s.whatsapp.net`;

const uri = inject("mongodbUri");

describe.skipIf(!uri)("a gateway frozen past its lease (SIGSTOP), then resumed", () => {
  const c = new ClusterFixture();

  beforeAll(async () => {
    await c.start({ mongodbUri: uri, nodes: 2, ttlMs: TTL_MS });
    await c.link(c.nodes[0], ACCOUNT, PHONE);
  }, 180_000);

  afterAll(() => c.stop(), 60_000);

  it("when it resumes after another took over, then none of its writes lands, it drops its socket for good, and the new owner keeps decrypting", async () => {
    const [zombie, owner] = c.nodes;
    expect((await owner.accounts.getAccount({ accountId: ACCOUNT })).account!.owner).toBe(zombie.url);
    const subscriber = new Subscriber(owner, [ACCOUNT]);
    const sent: string[] = [];
    const send = async (text: string) => sent.push((await c.sandbox.sendFromContact({ fromPhoneNumber: CONTACT, toJid: JID, text })).messageId);
    const db = new MongoClient(uri);
    try {
      await send("before the freeze");
      await subscriber.untilSeen(sent, 60_000);

      zombie.process.child.kill("SIGSTOP");
      // These reach the frozen process's socket: it will read them when it resumes.
      await send("while frozen #1");
      await send("while frozen #2");
      expect(await c.connectedElsewhere(owner, ACCOUNT, zombie.url, 6 * TTL_MS + 60_000)).toBe(owner.url);
      // The simulator re-sends what the frozen connection never acknowledged to the new one.
      await subscriber.untilSeen(sent, 60_000);
      const events = db.db(c.dbName).collection<{ _id: number; accountId: string; type: string }>("events");
      const cursorBefore = (await events.find({}).sort({ _id: -1 }).limit(1).next())?._id ?? 0;

      zombie.process.child.kill("SIGCONT");
      // It notices: its writes are refused (by its own clock first) and its lease is gone.
      await zombie.process.line((l) => l.includes("account lease lost") || l.includes("a write was refused for a stale lease"), 60_000);
      await zombie.process.line((l) => l.includes("account lease lost"), 60_000);

      // Its own writes would show: the 440 it found waiting would have recorded DISCONNECTED (replaced).
      const { account } = await owner.accounts.getAccount({ accountId: ACCOUNT });
      expect(account!.state).toBe(AccountState.CONNECTED);
      expect(account!.owner).toBe(owner.url);
      expect(account!.lastDisconnect?.reason).not.toBe(DisconnectReason.REPLACED);
      const stateEvents = await events.countDocuments({ _id: { $gt: cursorBefore }, accountId: ACCOUNT, type: "account_state_changed" });
      expect(stateEvents).toBe(0);

      // The new owner goes on decrypting: more messages arrive once each, in order.
      await send("after the resume #1");
      await send("after the resume #2");
      await subscriber.untilSeen(sent, 60_000);
      const ids = subscriber.received.map((r) => r.id);
      expect(ids).toEqual(sent);
      // And its sessions still encrypt: a send through the resumed process (forwarded) reaches the contact.
      // Delivered means the contact's device decrypted it and sent its receipt.
      const abort = new AbortController();
      const statuses = owner.messages.streamMessages({ accountIds: [ACCOUNT], eventTypes: [EventType.MESSAGE_STATUS_CHANGED], start: StreamStart.NOW }, { signal: abort.signal, timeoutMs: 60_000 });
      const iterator = statuses[Symbol.asyncIterator]();
      const { message } = await zombie.messages.sendMessage({ accountId: ACCOUNT, to: CONTACT, content: { case: "text", value: { body: "from the new owner" } } });
      for (;;) {
        const { value, done } = await iterator.next();
        expect(done, "the status stream ended before DELIVERED").toBe(false);
        const u = value!.event!.payload.case === "statusUpdate" ? value!.event!.payload.value : undefined;
        if (u?.messageId === message!.messageId && u.status >= MessageStatus.DELIVERED) break;
      }
      abort.abort();
      expect((await c.sandbox.listContactMessages({ phoneNumber: CONTACT })).messages.map((m) => m.messageId)).toContain(message!.messageId);

      // The resumed process never reconnected: the only replaced connection is the one the takeover replaced.
      expect(c.replaced()).toBe(1);
      expect(zombie.process.lines.filter((l) => l.includes('"accountId":"zombie"') && l.includes("account lease acquired"))).toHaveLength(1);
      console.log(
        `[zombie] ${JSON.stringify({ refusedWrites: zombie.process.lines.filter((l) => l.includes("a write was refused for a stale lease") || l.includes("StaleLeaseError")).length, messages: sent.length })}`,
      );
    } finally {
      subscriber.close();
      await db.close();
    }
  }, 240_000);
});
