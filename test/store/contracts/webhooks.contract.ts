import { describe, expect, it } from "vitest";
import { AlreadyExistsError } from "../../../src/store/store.js";
import type { NewDelivery, WebhookRecord } from "../../../src/store/webhooks.js";
import { AuthCipher } from "../../../src/store/auth/auth-cipher.js";
import type { NewEvent } from "../../../src/store/events.js";
import { useAdapter, type AdapterFactory } from "../harness.js";

const t0 = Date.parse("2025-06-01T00:00:00Z");
const at = (s: number) => new Date(t0 + s * 1000);

const webhook: WebhookRecord = {
  webhookId: "wh-1",
  url: "https://example.com/hook",
  eventTypes: ["message_received", "message_status_changed"],
  accountIds: ["acc"],
  description: "CRM – inbound",
  state: "enabled",
  secrets: [
    { secret: "new-secret", createTime: at(100) },
    { secret: "old-secret", createTime: at(0), expireTime: at(3700) },
  ],
  createTime: at(0),
  updateTime: at(100),
};

function delivery(webhookId: string, n: number, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    webhookId,
    eventId: `evt-${n}`,
    eventCursor: String(n),
    eventType: "message_received",
    createTime: at(n),
    nextAttemptTime: at(n),
    ...overrides,
  };
}

function logEvent(n: number): NewEvent {
  return { eventId: `log-${n}`, accountId: "acc", type: "message_received", createTime: at(n), payload: new Uint8Array([n]) };
}

export function webhooksContract(name: string, factory: AdapterFactory): void {
  describe(`${name} webhooks and deliveries`, () => {
    const ctx = useAdapter(factory);

    it("when a webhook is created, get returns it exactly; a taken id throws AlreadyExistsError", async () => {
      expect(await ctx.store.webhooks.create(webhook)).toStrictEqual(webhook);

      expect(await ctx.store.webhooks.get("wh-1")).toStrictEqual(webhook);
      await expect(ctx.store.webhooks.create(webhook)).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await ctx.store.webhooks.get("nope")).toBeUndefined();
    });

    it("when updated, only the given fields change; disabledReason can be set and cleared", async () => {
      await ctx.store.webhooks.create(webhook);

      const disabled = await ctx.store.webhooks.update("wh-1", { state: "disabled", disabledReason: "410 Gone" }, at(200));
      expect(disabled).toStrictEqual({ ...webhook, state: "disabled", disabledReason: "410 Gone", updateTime: at(200) });

      const enabled = await ctx.store.webhooks.update("wh-1", { state: "enabled", disabledReason: undefined, url: undefined }, at(300));
      expect(enabled).toStrictEqual({ ...webhook, updateTime: at(300) });
      expect(await ctx.store.webhooks.get("wh-1")).toStrictEqual(enabled);
      expect(await ctx.store.webhooks.update("nope", { description: "x" }, at(1))).toBeUndefined();
    });

    it("when listed, webhooks come by id in pages; delete removes a webhook and its deliveries", async () => {
      for (const id of ["c", "a", "b"]) await ctx.store.webhooks.create({ ...webhook, webhookId: id });
      await ctx.store.deliveries.enqueue([delivery("a", 1)]);

      const first = await ctx.store.webhooks.list({ pageSize: 2 });
      const second = await ctx.store.webhooks.list({ pageSize: 2, after: first.nextAfter });
      expect([first.webhooks.map((w) => w.webhookId), first.nextAfter, second.webhooks.map((w) => w.webhookId), second.nextAfter]).toEqual([
        ["a", "b"],
        "b",
        ["c"],
        undefined,
      ]);

      expect(await ctx.store.webhooks.delete("a")).toBe(true);
      expect(await ctx.store.webhooks.delete("a")).toBe(false);
      expect(await ctx.store.deliveries.get("a", "evt-1")).toBeUndefined();
    });

    it("when deliveries are enqueued twice, each (webhook, event) exists once with its first state", async () => {
      await ctx.store.deliveries.enqueue([delivery("w", 1), delivery("w", 2)]);
      const claimed = await ctx.store.deliveries.claimDue({ now: at(10), owner: "p1", leaseMs: 5000 });
      await ctx.store.deliveries.recordAttempt("w", claimed!.eventId, "p1", { attemptTime: at(10), state: "succeeded", statusCode: 204 });

      await ctx.store.deliveries.enqueue([delivery("w", 1), delivery("w", 2), delivery("w", 3)]);

      expect((await ctx.store.deliveries.list({ webhookId: "w", pageSize: 10 })).deliveries.map((d) => [d.eventId, d.state, d.attempts])).toEqual([
        ["evt-3", "pending", 0],
        ["evt-2", "pending", 0],
        ["evt-1", "succeeded", 1],
      ]);
    });

    it("when claiming, only due and unleased deliveries are handed out, most overdue first, each to one owner", async () => {
      await ctx.store.deliveries.enqueue([delivery("w", 1, { nextAttemptTime: at(5) }), delivery("w", 2, { nextAttemptTime: at(3) }), delivery("w", 3, { nextAttemptTime: at(50) })]);
      const other = await ctx.open();

      const [a, b, c] = await Promise.all([
        ctx.store.deliveries.claimDue({ now: at(10), owner: "p1", leaseMs: 30_000 }),
        other.deliveries.claimDue({ now: at(10), owner: "p2", leaseMs: 30_000 }),
        other.deliveries.claimDue({ now: at(10), owner: "p3", leaseMs: 30_000 }),
      ]);

      expect([a, b, c].filter(Boolean).map((d) => d!.eventId).sort()).toEqual(["evt-1", "evt-2"]);
      const leased = (await ctx.store.deliveries.get("w", "evt-2"))!;
      expect(leased.lease?.expireTime).toStrictEqual(at(40));
      // The lease expires: someone else may take it over, and the first owner can no longer record.
      const firstOwner = leased.lease!.owner;
      const taken = await other.deliveries.claimDue({ now: at(41), owner: "p9", leaseMs: 30_000 });
      expect(taken?.eventId).toBe("evt-2");
      expect(await ctx.store.deliveries.recordAttempt("w", "evt-2", firstOwner, { attemptTime: at(41), state: "succeeded" })).toBe(false);
    });

    it("when an attempt fails, the delivery records it and comes due again at the retry time", async () => {
      await ctx.store.deliveries.enqueue([delivery("w", 1)]);
      await ctx.store.deliveries.claimDue({ now: at(1), owner: "p1", leaseMs: 30_000 });

      expect(
        await ctx.store.deliveries.recordAttempt("w", "evt-1", "p1", { attemptTime: at(2), state: "pending", nextAttemptTime: at(62), statusCode: 503, error: "Service Unavailable" }),
      ).toBe(true);

      expect(await ctx.store.deliveries.get("w", "evt-1")).toStrictEqual({
        ...delivery("w", 1),
        nextAttemptTime: at(62),
        state: "pending",
        attempts: 1,
        lastStatusCode: 503,
        lastError: "Service Unavailable",
        lastAttemptTime: at(2),
      });
      expect(await ctx.store.deliveries.claimDue({ now: at(61), owner: "p1", leaseMs: 1 })).toBeUndefined();
      expect((await ctx.store.deliveries.claimDue({ now: at(62), owner: "p1", leaseMs: 1 }))?.attempts).toBe(1);
      expect(await ctx.store.deliveries.oldestPendingCursor()).toBe("1");
    });

    it("when listed, a webhook's deliveries come newest event first, filtered by state, in pages", async () => {
      await ctx.store.deliveries.enqueue([1, 2, 3, 4, 5].map((n) => delivery("w", n)));
      await ctx.store.deliveries.enqueue([delivery("x", 6)]);
      const c = await ctx.store.deliveries.claimDue({ now: at(100), owner: "p", leaseMs: 1000 });
      await ctx.store.deliveries.recordAttempt("w", c!.eventId, "p", { attemptTime: at(100), state: "failed", error: "gave up" });

      const ids: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await ctx.store.deliveries.list({ webhookId: "w", pageSize: 2, pageToken, states: ["pending"] });
        ids.push(...page.deliveries.map((d) => d.eventId));
        pageToken = page.nextPageToken;
      } while (pageToken);

      expect(ids).toEqual(["evt-5", "evt-4", "evt-3", "evt-2"]);
      expect((await ctx.store.deliveries.list({ webhookId: "w", pageSize: 10, states: ["failed"] })).deliveries.map((d) => d.eventId)).toEqual(["evt-1"]);
      expect(await ctx.store.deliveries.oldestPendingCursor()).toBe("2");
    });

    it("when deliveries are pending, pendingStats counts them across webhooks and gives the oldest one's creation time", async () => {
      expect(await ctx.store.deliveries.pendingStats()).toStrictEqual({ count: 0 });
      await ctx.store.deliveries.enqueue([3, 4].map((n) => delivery("w", n)));
      await ctx.store.deliveries.enqueue([delivery("x", 5)]);
      const c = await ctx.store.deliveries.claimDue({ now: at(100), owner: "p", leaseMs: 1000 });
      await ctx.store.deliveries.recordAttempt("w", c!.eventId, "p", { attemptTime: at(100), state: "succeeded", statusCode: 200 });

      expect(await ctx.store.deliveries.pendingStats()).toStrictEqual({ count: 2, oldestCreateTime: at(4) });
    });
      it("when secrets are stored, they are sealed: a store with another master key cannot read them", async () => {
      await ctx.store.webhooks.create(webhook);
      const other = await ctx.open({ authCipher: new AuthCipher(Buffer.alloc(32, 9)) });

      await expect(other.webhooks.get("wh-1")).rejects.toThrow(/master key/);
      expect((await ctx.store.webhooks.get("wh-1"))?.secrets.map((s) => s.secret)).toEqual(["new-secret", "old-secret"]);
      // Rotation through update is sealed too.
      const rotated = await ctx.store.webhooks.update("wh-1", { secrets: [{ secret: "newest", createTime: at(500) }] }, at(500));
      expect(rotated?.secrets).toStrictEqual([{ secret: "newest", createTime: at(500) }]);
      await expect(other.webhooks.list({ pageSize: 10 })).rejects.toThrow(/master key/);
    });

    it("when failingSince is set it is kept, and a patch with it undefined clears it", async () => {
      await ctx.store.webhooks.create(webhook);

      expect((await ctx.store.webhooks.update("wh-1", { failingSince: at(150) }, at(150)))?.failingSince).toStrictEqual(at(150));
      expect((await ctx.store.webhooks.get("wh-1"))?.failingSince).toStrictEqual(at(150));
      expect(await ctx.store.webhooks.update("wh-1", { failingSince: undefined }, at(160))).toStrictEqual({ ...webhook, updateTime: at(160) });
    });

    it("when claiming with skipWebhookIds, deliveries of those webhooks are passed over", async () => {
      await ctx.store.deliveries.enqueue([delivery("busy", 1), delivery("busy", 2), delivery("idle", 3)]);

      const claimed = await ctx.store.deliveries.claimDue({ now: at(10), owner: "p", leaseMs: 1000, skipWebhookIds: ["busy"] });
      expect(claimed?.webhookId).toBe("idle");
      expect(await ctx.store.deliveries.claimDue({ now: at(10), owner: "p", leaseMs: 1000, skipWebhookIds: ["busy", "x"] })).toBeUndefined();
      expect((await ctx.store.deliveries.claimDue({ now: at(10), owner: "p", leaseMs: 1000, skipWebhookIds: [] }))?.eventId).toBe("evt-1");
    });

    it("when claiming for one webhook, only its deliveries are handed out, most overdue first", async () => {
      await ctx.store.deliveries.enqueue([delivery("backlog", 1), delivery("backlog", 2), delivery("w", 3, { nextAttemptTime: at(4) }), delivery("w", 4, { nextAttemptTime: at(3) })]);

      expect((await ctx.store.deliveries.claimDue({ now: at(10), owner: "p", leaseMs: 1000, webhookId: "w" }))?.eventId).toBe("evt-4");
      expect((await ctx.store.deliveries.claimDue({ now: at(10), owner: "p", leaseMs: 1000, webhookId: "w" }))?.eventId).toBe("evt-3");
      expect(await ctx.store.deliveries.claimDue({ now: at(10), owner: "p", leaseMs: 1000, webhookId: "w" })).toBeUndefined();
      expect(await ctx.store.deliveries.claimDue({ now: at(10), owner: "p", leaseMs: 1000, webhookId: "backlog", skipWebhookIds: ["backlog"] })).toBeUndefined();
      expect((await ctx.store.deliveries.claimDue({ now: at(10), owner: "p", leaseMs: 1000, webhookId: "backlog" }))?.eventId).toBe("evt-1");
    });

    it("when rescheduled, a finished delivery is pending and due again with its attempts kept, a leased one loses its lease, a missing one is created", async () => {
      await ctx.store.deliveries.enqueue([delivery("w", 1), delivery("w", 2)]);
      await ctx.store.deliveries.claimDue({ now: at(10), owner: "p1", leaseMs: 60_000 });
      await ctx.store.deliveries.recordAttempt("w", "evt-1", "p1", { attemptTime: at(10), state: "succeeded", statusCode: 200 });
      await ctx.store.deliveries.claimDue({ now: at(11), owner: "p2", leaseMs: 60_000 });

      const again = await ctx.store.deliveries.reschedule(delivery("w", 1, { createTime: at(20), nextAttemptTime: at(20) }));
      expect([again.state, again.attempts, again.nextAttemptTime, again.lastStatusCode]).toEqual(["pending", 1, at(20), 200]);
      const unleased = await ctx.store.deliveries.reschedule(delivery("w", 2, { createTime: at(20), nextAttemptTime: at(20) }));
      expect(unleased.lease).toBeUndefined();
      // The late result of the attempt that held the lease is ignored.
      expect(await ctx.store.deliveries.recordAttempt("w", "evt-2", "p2", { attemptTime: at(21), state: "failed" })).toBe(false);
      const created = await ctx.store.deliveries.reschedule(delivery("w", 3, { createTime: at(20), nextAttemptTime: at(20) }));
      expect([created.state, created.attempts]).toEqual(["pending", 0]);
      expect((await ctx.store.deliveries.claimDue({ now: at(20), owner: "p3", leaseMs: 1000 }))?.eventId).toBeDefined();
    });

    it("when a webhook's pending deliveries are failed, they end with the error and others are untouched", async () => {
      await ctx.store.deliveries.enqueue([delivery("w", 1), delivery("w", 2), delivery("w", 3), delivery("x", 4)]);
      const c = await ctx.store.deliveries.claimDue({ now: at(10), owner: "p", leaseMs: 1000 });
      await ctx.store.deliveries.recordAttempt("w", c!.eventId, "p", { attemptTime: at(10), state: "succeeded", statusCode: 204 });
      await ctx.store.deliveries.claimDue({ now: at(10), owner: "p", leaseMs: 60_000 });

      expect(await ctx.store.deliveries.failPending("w", "webhook disabled: 410")).toBe(2);

      const states = (await ctx.store.deliveries.list({ webhookId: "w", pageSize: 10 })).deliveries.map((d) => [d.eventId, d.state, d.lastError, d.nextAttemptTime, d.lease]);
      expect(states).toEqual([
        ["evt-3", "failed", "webhook disabled: 410", undefined, undefined],
        ["evt-2", "failed", "webhook disabled: 410", undefined, undefined],
        ["evt-1", "succeeded", undefined, undefined, undefined],
      ]);
      expect(await ctx.store.deliveries.oldestPendingCursor()).toBe("4");
    });

    it("when the fan-out position is advanced, it never moves back, and retention keeps every event after it", async () => {
      expect(await ctx.store.deliveries.fanoutPosition()).toBeUndefined();
      const events = [];
      for (let n = 1; n <= 6; n++) events.push(await ctx.store.events.append(logEvent(n)));
      // Retention before the fan-out ever ran is not held back.
      expect(await ctx.store.events.prune({ maxEvents: 5 })).toBe(1);

      await ctx.store.deliveries.advanceFanout(events[2].cursor);
      await ctx.store.deliveries.advanceFanout(events[1].cursor);
      expect(await ctx.store.deliveries.fanoutPosition()).toBe(events[2].cursor);

      expect(await ctx.store.events.prune({ maxEvents: 1 })).toBe(2);
      expect((await ctx.store.events.read({ limit: 10 })).events.map((e) => e.eventId)).toEqual(["log-4", "log-5", "log-6"]);
    });

    it("when an event is looked up by id, the retained event is returned; unknown or pruned ones are undefined", async () => {
      const a = await ctx.store.events.append(logEvent(1));
      const b = await ctx.store.events.append(logEvent(2));
      await ctx.store.events.append(logEvent(3));

      expect(await ctx.store.events.get("log-2")).toStrictEqual(b);
      expect(await ctx.store.events.get("nope")).toBeUndefined();
      await ctx.store.events.prune({ maxEvents: 2 });
      expect(await ctx.store.events.get(a.eventId)).toBeUndefined();
    });
});
}
