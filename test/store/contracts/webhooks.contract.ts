import { describe, expect, it } from "vitest";
import { AlreadyExistsError } from "../../../src/store/store.js";
import type { NewDelivery, WebhookRecord } from "../../../src/store/webhooks.js";
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
  });
}
