import { describe, expect, it } from "vitest";
import type { Store } from "../../../src/store/store.js";
import { useAdapter, type AdapterFactory } from "../harness.js";

const ttl = 15_000;
const t0 = new Date("2026-01-01T00:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

/** Account leases: one owner per account, epochs that fence every earlier owner. */
export function leasesContract(name: string, factory: AdapterFactory) {
  describe(`${name} account leases`, () => {
    const ctx = useAdapter(factory);

    it("when an account has no lease, then a claim gets epoch 1 and a second claim gets nothing", async () => {
      const a = await ctx.store.leases.acquire("acct", "p1", t0, ttl);
      expect(a).toEqual({ accountId: "acct", epoch: 1, holder: "p1", expireTime: at(ttl) });
      expect(await ctx.store.leases.acquire("acct", "p2", at(1), ttl)).toBeUndefined();
      expect(await ctx.store.leases.current("acct", at(1))).toEqual(a);
      expect(await ctx.store.leases.holds("acct", 1, at(1))).toBe(true);
    });

    it("when N processes claim one account at once, then exactly one owns it", async () => {
      const stores: Store[] = [ctx.store];
      for (let i = 1; i < 8; i++) stores.push(await ctx.open());
      for (let round = 0; round < 5; round++) {
        const now = at(round * 2 * ttl);
        const claims = await Promise.all(stores.map((s, i) => s.leases.acquire("race", `p${i}`, now, ttl)));
        const winners = claims.filter((c) => c !== undefined);
        expect(winners).toHaveLength(1);
        expect(winners[0]?.epoch).toBe(round + 1);
        expect(await ctx.store.leases.current("race", now)).toEqual(winners[0]);
      }
    });

    it("when a lease expires, then another process takes over with a higher epoch and the old one is fenced", async () => {
      const old = (await ctx.store.leases.acquire("acct", "p1", t0, ttl))!;
      const renewed = await ctx.store.leases.renew(old, at(ttl - 1), ttl);
      expect(renewed?.expireTime).toEqual(at(2 * ttl - 1));
      expect(await ctx.store.leases.acquire("acct", "p2", at(ttl), ttl)).toBeUndefined();
      const taker = (await ctx.store.leases.acquire("acct", "p2", at(2 * ttl), ttl))!;
      expect(taker.epoch).toBe(2);
      expect(await ctx.store.leases.holds("acct", 1, at(2 * ttl))).toBe(false);
      expect(await ctx.store.leases.holds("acct", 2, at(2 * ttl))).toBe(true);
      // The stale holder, resumed, cannot renew its way back.
      expect(await ctx.store.leases.renew(renewed!, at(2 * ttl), ttl)).toBeUndefined();
      expect(await ctx.store.leases.current("acct", at(2 * ttl + 1))).toEqual(taker);
    });

    it("when a holder releases, then the account can be claimed at once", async () => {
      const lease = (await ctx.store.leases.acquire("acct", "p1", t0, ttl))!;
      await ctx.store.leases.release(lease, at(10));
      expect(await ctx.store.leases.current("acct", at(10))).toBeUndefined();
      expect(await ctx.store.leases.holds("acct", 1, at(10))).toBe(false);
      expect((await ctx.store.leases.acquire("acct", "p2", at(10), ttl))?.epoch).toBe(2);
      expect(await ctx.store.leases.renew(lease, at(11), ttl)).toBeUndefined();
    });

    it("when several accounts are held, then live lists the newest live lease of each", async () => {
      await ctx.store.leases.acquire("b", "p1", t0, ttl);
      await ctx.store.leases.acquire("a", "p2", t0, ttl);
      await ctx.store.leases.acquire("c", "p1", t0, 10);
      const live = await ctx.store.leases.live(at(100));
      expect(live.map((l) => [l.accountId, l.holder])).toEqual([
        ["a", "p2"],
        ["b", "p1"],
      ]);
    });
  });
}
