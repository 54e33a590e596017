import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { FencedAuthState } from "../../src/cluster/fenced-auth-state.js";
import { StaleLeaseError, type AccountLease } from "../../src/store/leases.js";
import { mongoAdapter, sqliteAdapter, useAdapter, type AdapterFactory } from "../store/harness.js";

const ttl = 15_000;

function fencedAuthContract(name: string, factory: AdapterFactory) {
  describe(`${name}: auth state fenced by the account lease`, () => {
    const ctx = useAdapter(factory);

    it("when another process took the account over, then the stale process cannot write its Signal sessions, and the new owner's stay intact", async () => {
      let now = new Date("2026-01-01T00:00:00Z");
      const clock = () => now;
      const zombieStore = ctx.store;
      const ownerStore = await ctx.open();
      const held = new Map<string, AccountLease>();
      const heldByOwner = new Map<string, AccountLease>();
      const zombie = new FencedAuthState(zombieStore.authState, zombieStore.leases, (id) => held.get(id), clock);
      const owner = new FencedAuthState(ownerStore.authState, ownerStore.leases, (id) => heldByOwner.get(id), clock);

      held.set("acct", (await zombieStore.leases.acquire("acct", "zombie", now, ttl))!);
      const zombieAuth = await zombie.load("acct");
      const first = new Uint8Array(randomBytes(64));
      await zombieAuth.state.keys.set({ session: { "15550001111.0": first } });
      await zombieAuth.saveCreds();

      // The zombie is paused past its TTL; the other process takes over and writes.
      now = new Date(now.getTime() + ttl + 1);
      const lease = (await ownerStore.leases.acquire("acct", "owner", now, ttl))!;
      expect(lease.epoch).toBe(2);
      heldByOwner.set("acct", lease);
      const ownerAuth = await owner.load("acct");
      const second = new Uint8Array(randomBytes(64));
      await ownerAuth.state.keys.set({ session: { "15550001111.0": second } });

      // Resumed, the zombie still believes its (renewed-looking) lease is good: the store refuses it.
      held.set("acct", { ...held.get("acct")!, expireTime: new Date(now.getTime() + ttl) });
      await expect(zombieAuth.state.keys.set({ session: { "15550001111.0": new Uint8Array(randomBytes(64)) } })).rejects.toThrow(StaleLeaseError);
      await expect(zombieAuth.saveCreds()).rejects.toThrow(StaleLeaseError);
      await expect(zombie.delete("acct")).rejects.toThrow(StaleLeaseError);
      // And by its own clock alone, once its lease's time has passed.
      held.set("acct", { ...held.get("acct")!, expireTime: now });
      await expect(zombieAuth.state.keys.set({ "pre-key": { "1": { public: randomBytes(33), private: randomBytes(32) } } })).rejects.toThrow(StaleLeaseError);

      const reread = await (await ownerStore.authState.load("acct")).state.keys.get("session", ["15550001111.0"]);
      expect(Buffer.from(reread["15550001111.0"]!)).toEqual(Buffer.from(second));
      expect(await ownerStore.authState.exists("acct")).toBe(true);
    });

    it("when this process holds no lease on the account, then every write is refused", async () => {
      const fenced = new FencedAuthState(ctx.store.authState, ctx.store.leases, () => undefined, () => new Date());
      const auth = await fenced.load("nobody");
      await expect(auth.saveCreds()).rejects.toThrow(StaleLeaseError);
      expect(await ctx.store.authState.exists("nobody")).toBe(false);
    });
  });
}

fencedAuthContract("SQLite", sqliteAdapter);
const uri = inject("mongodbUri");
describe.skipIf(!uri)("MongoDB", () => {
  fencedAuthContract("MongoDB", mongoAdapter(uri));
});
