import { describe, expect, it } from "vitest";
import { CursorExpiredError, InvalidCursorError, type EventType, type NewEvent } from "../../../src/store/events.js";
import { useAdapter, type AdapterFactory } from "../harness.js";

const t0 = Date.parse("2025-04-01T00:00:00Z");
let counter = 0;

function event(overrides: Partial<NewEvent> = {}): NewEvent {
  counter++;
  return {
    eventId: `evt-${counter}-${Math.random().toString(36).slice(2)}`,
    accountId: "acc",
    type: "message_received",
    chatJid: "1@s.whatsapp.net",
    createTime: new Date(t0 + counter * 1000),
    payload: new Uint8Array([counter & 255, 0, 255]),
    ...overrides,
  };
}

export function eventLogContract(name: string, factory: AdapterFactory): void {
  describe(`${name} event log`, () => {
    const ctx = useAdapter(factory);

    it("when events are appended, cursors increase and read returns them in order, byte for byte", async () => {
      const a = await ctx.store.events.append(event());
      const b = await ctx.store.events.append(event({ chatJid: undefined, type: "account_state_changed" }));

      const page = await ctx.store.events.read({ limit: 10 });

      expect(page.events).toStrictEqual([a, b]);
      expect(page.events[1]).not.toHaveProperty("chatJid");
      expect(Number(b.cursor)).toBeGreaterThan(Number(a.cursor));
      expect(page.nextAfter).toBe(b.cursor);
      expect(await ctx.store.events.latestCursor()).toBe(b.cursor);
    });

    it("when an event id is appended again, the first copy is returned and nothing is added", async () => {
      const e = event();
      const first = await ctx.store.events.append(e);

      expect(await ctx.store.events.append({ ...e, payload: new Uint8Array([9]) })).toStrictEqual(first);
      expect((await ctx.store.events.read({ limit: 10 })).events).toHaveLength(1);
    });

    it("when read in pages from a cursor, every event comes once, in order, and the end repeats the cursor", async () => {
      const appended = [];
      for (let i = 0; i < 7; i++) appended.push(await ctx.store.events.append(event()));

      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await ctx.store.events.read({ after, limit: 3 });
        if (page.events.length === 0) {
          expect(page.nextAfter).toBe(after);
          break;
        }
        seen.push(...page.events.map((e) => e.eventId));
        after = page.nextAfter;
      }

      expect(seen).toEqual(appended.map((e) => e.eventId));
    });

    it("when filtered, read returns only matching events and nextAfter moves past skipped ones", async () => {
      const wanted: string[] = [];
      const specs: [string, EventType, string][] = [
        ["acc", "message_received", "a@s.whatsapp.net"],
        ["other", "message_received", "a@s.whatsapp.net"],
        ["acc", "message_sent", "b@s.whatsapp.net"],
        ["acc", "message_received", "b@s.whatsapp.net"],
        ["third", "message_received", "b@s.whatsapp.net"],
      ];
      const stored = [];
      for (const [accountId, type, chatJid] of specs) stored.push(await ctx.store.events.append(event({ accountId, type, chatJid })));
      wanted.push(stored[0].eventId, stored[3].eventId);
      const byFilter = async (filter: object) => (await ctx.store.events.read({ limit: 10, filter })).events.map((e) => e.eventId);

      expect(await byFilter({ accountIds: ["acc"], types: ["message_received"] })).toEqual(wanted);
      expect(await byFilter({ accountIds: ["other", "third"] })).toEqual([stored[1].eventId, stored[4].eventId]);
      expect(await byFilter({ chatJid: "b@s.whatsapp.net", types: ["message_sent"] })).toEqual([stored[2].eventId]);
      const none = await ctx.store.events.read({ limit: 10, filter: { accountIds: ["nobody"] } });
      expect(none).toStrictEqual({ events: [], nextAfter: stored[4].cursor });
    });

    it("when many readers read the same page, then an append after it shows in their next read and one reader's page is not another's", async () => {
      const start = (await ctx.store.events.append(event())).cursor;
      const first = await ctx.store.events.append(event());
      const pages = await Promise.all(Array.from({ length: 5 }, () => ctx.store.events.read({ after: start, limit: 10 })));
      expect(pages.map((p) => p.events.map((e) => e.cursor))).toEqual(Array(5).fill([first.cursor]));
      pages[0].events.length = 0;
      expect((await ctx.store.events.read({ after: start, limit: 10 })).events.map((e) => e.cursor)).toEqual([first.cursor]);

      const second = await ctx.store.events.append(event());
      const again = await ctx.store.events.read({ after: start, limit: 10 });

      expect(again.events.map((e) => e.cursor)).toEqual([first.cursor, second.cursor]);
      expect(again.nextAfter).toBe(second.cursor);
      // Appended by another instance (another process), with no append in this one.
      const third = await (await ctx.open()).events.append(event());
      expect((await ctx.store.events.read({ after: start, limit: 10 })).events.map((e) => e.cursor)).toEqual([first.cursor, second.cursor, third.cursor]);
    });

    it("when nothing is readable yet, waitForAppend resolves on the next append and can be aborted", async () => {
      const latest = (await ctx.store.events.append(event())).cursor;
      const woken = ctx.store.events.waitForAppend(latest);
      const appended = await ctx.store.events.append(event());
      await woken;
      expect((await ctx.store.events.read({ after: latest, limit: 10 })).events.map((e) => e.cursor)).toEqual([appended.cursor]);

      await ctx.store.events.waitForAppend(latest); // already readable: resolves at once
      const controller = new AbortController();
      const waiting = ctx.store.events.waitForAppend(appended.cursor, controller.signal);
      controller.abort(new Error("client went away"));
      await expect(waiting).rejects.toThrow("client went away");
    });

    it("when another store instance appends, a waiting reader wakes by polling", async () => {
      const reader = ctx.store;
      const writer = await ctx.open();
      const start = await reader.events.latestCursor();

      const woken = reader.events.waitForAppend(start);
      const appended = await writer.events.append(event());
      await woken;

      expect((await reader.events.read({ after: start, limit: 10 })).events.map((e) => e.eventId)).toEqual([appended.eventId]);
    });

    it("when retention runs, old events go, a pending delivery's event stays, and a stale cursor is refused", async () => {
      const events = [];
      for (let i = 0; i < 6; i++) events.push(await ctx.store.events.append(event({ createTime: new Date(t0 + i * 60_000) })));
      await ctx.store.deliveries.enqueue([
        { webhookId: "wh", eventId: events[3].eventId, eventCursor: events[3].cursor, eventType: "message_received", createTime: new Date(t0), nextAttemptTime: new Date(t0) },
      ]);

      expect(await ctx.store.events.prune({ maxEvents: 1 })).toBe(3); // stops at the pending delivery
      expect((await ctx.store.events.read({ limit: 10 })).events.map((e) => e.eventId)).toEqual(events.slice(3).map((e) => e.eventId));
      await expect(ctx.store.events.read({ after: events[1].cursor, limit: 10 })).rejects.toBeInstanceOf(CursorExpiredError);
      expect((await ctx.store.events.read({ after: events[2].cursor, limit: 10 })).events).toHaveLength(3);

      const claimed = await ctx.store.deliveries.claimDue({ now: new Date(t0), owner: "me", leaseMs: 1000 });
      await ctx.store.deliveries.recordAttempt("wh", claimed!.eventId, "me", { attemptTime: new Date(t0), state: "succeeded", statusCode: 200 });
      expect(await ctx.store.events.prune({ createdBefore: new Date(t0 + 5 * 60_000) })).toBe(2);
      expect((await ctx.store.events.read({ limit: 10 })).events.map((e) => e.eventId)).toEqual([events[5].eventId]);
    });

    it("when a cursor is not one the store made, read throws InvalidCursorError", async () => {
      await expect(ctx.store.events.read({ after: "abc", limit: 1 })).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(ctx.store.events.read({ limit: 0 })).rejects.toBeInstanceOf(RangeError);
    });

    it("when the store is reopened, cursors continue strictly after the last one", async () => {
      const before = await ctx.store.events.append(event());
      await ctx.store.close();
      const reopened = await ctx.open();

      const after = await reopened.events.append(event());

      expect(Number(after.cursor)).toBeGreaterThan(Number(before.cursor));
      expect((await reopened.events.read({ after: before.cursor, limit: 5 })).events.map((e) => e.eventId)).toEqual([after.eventId]);
    });

    it("when many appends race in one process, cursors are unique and read order is append-cursor order", async () => {
      const results = await Promise.all(Array.from({ length: 40 }, () => ctx.store.events.append(event())));
      const cursors = results.map((r) => Number(r.cursor));

      expect(new Set(cursors).size).toBe(40);
      const read = (await ctx.store.events.read({ limit: 100 })).events.map((e) => Number(e.cursor));
      expect(read).toEqual([...cursors].sort((a, b) => a - b));
    });
  });
}
