import { describe, expect, inject, it } from "vitest";
import type { NewEvent, StoredEvent } from "../../src/store/events.js";
import { openMongoStore } from "../../src/store/mongo/mongo-store.js";
import type { Store } from "../../src/store/store.js";
import { deferred, mongoAdapter, testCipher, useAdapter } from "./harness.js";

const uri = inject("mongodbUri");
let n = 0;

function event(accountId = "acc"): NewEvent {
  n++;
  return {
    eventId: `w-${n}-${Math.random().toString(36).slice(2)}`,
    accountId,
    type: "message_received",
    createTime: new Date(Date.UTC(2025, 0, 1, 0, 0, n)),
    payload: new Uint8Array([n & 255]),
  };
}

/** Reads everything after `after` the way a stream does: page, and wait when caught up. */
async function follow(store: Store, after: string | undefined, count: number): Promise<StoredEvent[]> {
  const seen: StoredEvent[] = [];
  while (seen.length < count) {
    const page = await store.events.read({ after, limit: 7 });
    seen.push(...page.events);
    after = page.nextAfter;
    if (page.events.length === 0) await store.events.waitForAppend(after);
  }
  return seen;
}

describe.skipIf(!uri)("MongoDB event log with several writer processes", () => {
  const ctx = useAdapter(mongoAdapter(uri));

  it("when writer A has picked its number and stalls while B appends, B takes the number and A lands after it: a reader after the last cursor sees both, in cursor order", async () => {
    const picked = deferred<number>();
    const resume = deferred();
    let armed = true;
    const dbName = ctx.adapter.childEnv.MONGODB_DB;
    const a = await openMongoStore(uri, dbName, {
      authCipher: testCipher,
      beforeEventInsert: async (seq) => {
        if (!armed) return;
        armed = false;
        picked.resolve(seq);
        await resume.promise;
      },
    });
    try {
      const b = await ctx.open();
      const reader = await ctx.open();
      const base = await b.events.append(event());

      const fromA = a.events.append(event());
      const seqA = await picked.promise;
      const fromB = await b.events.append(event());

      // B got the number A picked; nothing is visible beyond it, so no reader can skip.
      expect(fromB.cursor).toBe(String(seqA));
      expect((await reader.events.read({ after: base.cursor, limit: 10 })).events.map((e) => e.cursor)).toEqual([fromB.cursor]);
      resume.resolve();
      const landed = await fromA;
      expect(Number(landed.cursor)).toBeGreaterThan(Number(fromB.cursor));
      expect((await reader.events.read({ after: base.cursor, limit: 10 })).events.map((e) => e.eventId)).toEqual([
        fromB.eventId,
        landed.eventId,
      ]);
    } finally {
      resume.resolve();
      await a.close();
    }
  });

  it("when two store instances append concurrently while a third follows the log, the follower gets every event exactly once, cursors strictly increasing", async () => {
    const writers = [await ctx.open(), await ctx.open()];
    const reader = await ctx.open();
    const start = await reader.events.latestCursor();
    const perWriter = 25;

    const following = follow(reader, start, perWriter * 2);
    const appended = await Promise.all(
      writers.map(async (w, i) => {
        const mine: StoredEvent[] = [];
        for (let k = 0; k < perWriter; k++) mine.push(await w.events.append(event(`acc${i}`)));
        return mine;
      }),
    );
    const seen = await following;

    const cursors = seen.map((e) => Number(e.cursor));
    expect(cursors.every((c, i) => i === 0 || c > cursors[i - 1])).toBe(true);
    expect(seen.map((e) => e.eventId).sort()).toEqual(appended.flat().map((e) => e.eventId).sort());
    // Each writer's own events are in its append order too (per-account order).
    for (const [i, mine] of appended.entries()) {
      expect(seen.filter((e) => e.accountId === `acc${i}`).map((e) => e.eventId)).toEqual(mine.map((e) => e.eventId));
    }
  });

  it("when a writer dies after picking its number, the log has no hole and other writers go on", async () => {
    const dbName = ctx.adapter.childEnv.MONGODB_DB;
    const picked = deferred<number>();
    const dying = await openMongoStore(uri, dbName, {
      authCipher: testCipher,
      beforeEventInsert: async (seq) => {
        picked.resolve(seq);
        await new Promise(() => {}); // never inserts, as if the process had died here
      },
    });
    const b = await ctx.open();
    const base = await b.events.append(event());
    void dying.events.append(event());
    const seq = await picked.promise;

    const next = await b.events.append(event());

    expect(next.cursor).toBe(String(seq));
    expect((await b.events.read({ after: base.cursor, limit: 10 })).events.map((e) => e.cursor)).toEqual([next.cursor]);
    await dying.close();
  });
  it("when another process appends and prunes far past the newest event this one saw, then this one's next append and read continue from the real top", async () => {
    const a = await ctx.open();
    const b = await ctx.open();
    const seen = await a.events.append(event());
    expect(await a.events.latestCursor()).toBe(seen.cursor);
    const more: StoredEvent[] = [];
    for (let i = 0; i < 40; i++) more.push(await b.events.append(event()));
    // Everything up to two below B's newest is gone, the event A saw and those just above it too.
    expect(await b.events.prune({ maxEvents: 2 })).toBe(39);
    const top = more[more.length - 1];
    expect(await a.events.latestCursor()).toBe(top.cursor);
    const next = await a.events.append(event());
    expect(Number(next.cursor)).toBe(Number(top.cursor) + 1);
    const page = await a.events.read({ after: more[more.length - 2].cursor, limit: 10 });
    expect(page.events.map((e) => e.cursor)).toEqual([top.cursor, next.cursor]);
  });
});
