import { MongoClient } from "mongodb";
import { describe, expect, inject, it } from "vitest";
import { mongoAdapter, useAdapter } from "./harness.js";

const uri = inject("mongodbUri");
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

/**
 * A claim takes a delivery's next lease generation with a unique insert, then records it on the
 * delivery. When the database goes away between the two (the insert landed, its answer did not),
 * that generation exists but the delivery does not show it. Later claims must not wait for it.
 */
describe.skipIf(!uri)("MongoDB webhook delivery leases", () => {
  const ctx = useAdapter(mongoAdapter(uri));

  it("when a generation was taken long ago but never recorded on the delivery, then the next claim skips it and the delivery goes out", async () => {
    await ctx.store.deliveries.enqueue([{ webhookId: "wh", eventId: "evt-1", eventCursor: "1", eventType: "message_received", createTime: at(0), nextAttemptTime: at(0) }]);
    const client = new MongoClient(uri);
    try {
      // What a claimer left whose insert of generation 1 landed as the database went away.
      await client.db(ctx.adapter.childEnv.MONGODB_DB).collection("delivery_leases").insertOne({ _id: "wh/evt-1/1" as never, webhookId: "wh", eventId: "evt-1", owner: "gone", takeTime: at(1) });
    } finally {
      await client.close();
    }
    // Within a lease of that take, it may be a claimer at work: left alone.
    expect(await ctx.store.deliveries.claimDue({ now: at(20), owner: "p1", leaseMs: 30_000 })).toBeUndefined();
    // Once a lease has passed, it was never recorded: skipped.
    const claimed = await ctx.store.deliveries.claimDue({ now: at(40), owner: "p1", leaseMs: 30_000 });
    expect(claimed?.eventId).toBe("evt-1");
    expect(claimed?.lease?.owner).toBe("p1");
    expect(await ctx.store.deliveries.recordAttempt("wh", "evt-1", "p1", { state: "succeeded", attemptTime: at(41), statusCode: 200 })).toBe(true);
    expect((await ctx.store.deliveries.get("wh", "evt-1"))?.state).toBe("succeeded");
  });
});
