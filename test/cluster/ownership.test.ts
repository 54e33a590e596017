import { once } from "node:events";
import { pino } from "pino";
import { describe, expect, inject, it } from "vitest";
import { Ownership, type OwnedSockets } from "../../src/cluster/ownership.js";
import { StaleLeaseError } from "../../src/store/leases.js";
import type { Store } from "../../src/store/store.js";
import { mongoAdapter, sqliteAdapter, useAdapter, type AdapterFactory } from "../store/harness.js";
import { ManualClock } from "../support/manual-clock.js";
import { spawnTsChild } from "../support/ts-child.js";

const TTL = 15_000;
const logger = pino({ level: "silent" });

/** What ownership asks of a process's sockets, recorded: which accounts have one open. */
class Sockets implements OwnedSockets {
  readonly open = new Set<string>();
  readonly dropped: string[] = [];
  async start(accountId: string) {
    this.open.add(accountId);
  }
  async drop(accountId: string) {
    this.open.delete(accountId);
    this.dropped.push(accountId);
  }
  active(accountId: string) {
    return this.open.has(accountId);
  }
  connected(accountId: string) {
    return this.open.has(accountId);
  }
}

async function addAccounts(store: Store, n: number, state: "connected" | "disconnected" = "connected"): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `acct-${String(i).padStart(2, "0")}`);
  const now = new Date();
  for (const accountId of ids) await store.accounts.create({ accountId, displayName: "", state, createTime: now, updateTime: now });
  return ids;
}

function ownershipContract(name: string, factory: AdapterFactory) {
  describe(`${name}: account ownership`, () => {
    const ctx = useAdapter(factory);
    const started: Ownership[] = [];
    const process = (store: Store, clock: ManualClock, maxAccounts = 1000) => {
      const o = new Ownership(store.leases, store.accounts, clock, logger, { advertiseUrl: `http://p${started.length}`, ttlMs: TTL, maxAccounts });
      started.push(o);
      return o;
    };
    const stopAll = () => Promise.all(started.splice(0).map((o) => o.stop()));

    it("when N claimer processes race for one account, then exactly one owns it", async () => {
      const children = Array.from({ length: 5 }, () => spawnTsChild("test/cluster/children/claim-child.ts", { ...ctx.adapter.childEnv, ACCOUNT: "race" }));
      try {
        const outputs = children.map((c) => {
          let out = "";
          c.stdout.on("data", (d: Buffer) => (out += d));
          return () => out;
        });
        // Everyone opened the store and waits: then all claim at once.
        await Promise.all(children.map((c, i) => new Promise<void>((resolve, reject) => {
          const check = () => (outputs[i]().includes("ready\n") ? resolve() : undefined);
          c.stdout.on("data", check);
          c.once("exit", (code) => reject(new Error(`claimer exited with ${code} before it was ready`)));
          check();
        })));
        for (const c of children) c.stdin.write("go\n");
        await Promise.all(children.map((c) => (c.exitCode === null ? once(c, "exit") : undefined)));
        const results = outputs.map((o) => JSON.parse(o().split("\n")[1]) as { holder: string; epoch: number | null });
        const winners = results.filter((r) => r.epoch !== null);
        expect(winners).toHaveLength(1);
        expect(winners[0].epoch).toBe(1);
        expect((await ctx.store.leases.current("race", new Date()))?.holder).toBe(winners[0].holder);
      } finally {
        for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
      }
    }, 60_000);

    it("when three processes start on six connected accounts, then each owns two and nobody owns one twice", async () => {
      const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
      await addAccounts(ctx.store, 6);
      const stores = [ctx.store, await ctx.open(), await ctx.open()];
      const procs = stores.map((s) => process(s, clock));
      const sockets = procs.map(() => new Sockets());
      // Each announces itself first (a heartbeat), as processes started together do.
      await Promise.all(procs.map((o, i) => o.start(sockets[i])));
      // The first round ran before the others were known; one more round each settles the shares.
      for (let round = 0; round < 2; round++) for (const o of procs) await o.round();
      expect(sockets.map((s) => s.open.size)).toEqual([2, 2, 2]);
      const all = sockets.flatMap((s) => [...s.open]);
      expect(new Set(all).size).toBe(6);
      expect(procs[0].peers().map((p) => p.url)).toEqual(["http://p0", "http://p1", "http://p2"]);
      await stopAll();
    });

    it("when a process stops renewing, then after the TTL the survivors take its accounts over and it is fenced", async () => {
      const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
      await addAccounts(ctx.store, 4);
      const [a, b] = [process(ctx.store, clock), process(await ctx.open(), clock)];
      const [sa, sb] = [new Sockets(), new Sockets()];
      await a.start(sa);
      await b.start(sb);
      // a hands one account over per round while b is below its share.
      for (let i = 0; i < 2; i++) {
        await a.round();
        await b.round();
      }
      expect([sa.open.size, sb.open.size]).toEqual([2, 2]);
      const aAccounts = [...sa.open];
      await a.check(aAccounts[0]);
      const droppedBefore = sa.dropped.length; // the fair-share handover at b's arrival

      // a is paused (no rounds); b keeps renewing, and takes a's accounts once their leases expire.
      clock.advance(TTL / 3);
      await b.round();
      expect(sb.open.size).toBe(2);
      clock.advance(TTL);
      await b.round(); // a's heartbeat record expired too: b's share is all four
      expect(sb.open.size).toBe(4);
      for (const id of aAccounts) expect((await b.owner(id))?.holder).toBe(b.holder);

      // a resumes: every write it tries is refused, and its next round drops the sockets.
      await expect(a.check(aAccounts[0])).rejects.toThrow(StaleLeaseError);
      await a.round();
      expect(sa.dropped.slice(droppedBefore).sort()).toEqual(aAccounts.sort());
      await stopAll();
    });

    it("when a process joins, then the others hand it its share, socket closed before the lease is released", async () => {
      const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
      await addAccounts(ctx.store, 4);
      const a = process(ctx.store, clock);
      const sa = new Sockets();
      await a.start(sa);
      expect(sa.open.size).toBe(4);
      const b = process(await ctx.open(), clock);
      const sb = new Sockets();
      await b.start(sb); // announces itself; nothing free yet
      expect(sb.open.size).toBe(0);
      await a.round(); // a sees two processes: hands one over (socket first, then the lease)
      expect(sa.open.size).toBe(3);
      expect(await a.owner(sa.dropped[0])).toBeUndefined();
      await b.round();
      await a.round();
      await b.round();
      expect([sa.open.size, sb.open.size]).toEqual([2, 2]);
      await a.round(); // equal shares: nothing more moves
      expect(sa.dropped).toHaveLength(2);
      await stopAll();
    });

    it("when MAX_ACCOUNTS_PER_PROCESS is 3, then a 4th wanted account stays unowned and a 4th claim is refused", async () => {
      const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
      const ids = await addAccounts(ctx.store, 4);
      const a = process(ctx.store, clock, 3);
      const sa = new Sockets();
      await a.start(sa);
      expect(sa.open.size).toBe(3);
      expect(a.full).toBe(true);
      const left = ids.find((id) => !sa.open.has(id))!;
      expect(await a.owner(left)).toBeUndefined();
      expect(await a.claim(left)).toBeUndefined();
      await stopAll();
    });

    it("when an account is disconnected and has no socket here, then its lease is released", async () => {
      const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
      await addAccounts(ctx.store, 1, "disconnected");
      const a = process(ctx.store, clock);
      const sa = new Sockets();
      await a.start(sa);
      expect(await a.claim("acct-00")).toBeDefined();
      await a.round();
      expect(await a.owner("acct-00")).toBeUndefined();
      await stopAll();
    });
  });
}

ownershipContract("SQLite", sqliteAdapter);
const uri = inject("mongodbUri");
describe.skipIf(!uri)("MongoDB", () => {
  ownershipContract("MongoDB", mongoAdapter(uri));
});
