import { MongoClient } from "mongodb";
import { describe, expect, inject, it } from "vitest";
import { runTsChild } from "../support/ts-child.js";
import { mongoAdapter, sqliteAdapter, type AdapterFactory } from "./harness.js";

const uri = inject("mongodbUri");
const rows = 120;
const killAfter = 55; // mid-batch, and mid-chunk for the MongoDB adapter's chunks of 10
const ids = Array.from({ length: rows }, (_, i) => `s${i}`);

/**
 * `outcome` is the adapter's side of all-or-nothing: SQLite rolls the transaction back,
 * MongoDB replays the batch's journal. `checkInterrupted` proves the kill hit mid-batch.
 */
function crashContract(name: string, factory: AdapterFactory, outcome: "none" | "all", checkInterrupted?: (env: Record<string, string>) => Promise<void>) {
  describe(`${name} auth batch across a crash`, () => {
    it(`when the process is SIGKILLed after ${killAfter} of ${rows} rows of a batch, after restart the batch is all there or not at all (${outcome})`, async () => {
      const adapter = await factory();
      try {
        const before = await adapter.open();
        await (await before.authState.load("acc")).state.keys.set({
          session: Object.fromEntries(ids.map((id, i) => [id, new Uint8Array([0, i & 255])])),
        });
        await before.close();

        const child = await runTsChild("test/store/children/auth-batch-child.ts", {
          ...adapter.childEnv,
          KILL_AFTER_ROWS: String(killAfter),
          BATCH_ROWS: String(rows),
        });

        expect(child.signal, child.stderr).toBe("SIGKILL");
        expect(child.stdout).not.toContain("completed");
        await checkInterrupted?.(adapter.childEnv);
        const after = await adapter.open();
        const got = await (await after.authState.load("acc")).state.keys.get("session", ids);
        expect(new Set(ids.map((id) => got[id][0]))).toEqual(new Set([outcome === "all" ? 1 : 0]));
        expect(ids.every((id, i) => got[id][1] === (i & 255))).toBe(true);
        await after.close();
      } finally {
        await adapter.cleanup();
      }
    });
  });
}

crashContract("SQLite", sqliteAdapter, "none");

describe.skipIf(!uri)("MongoDB", () => {
  crashContract("MongoDB", mongoAdapter(uri), "all", async (env) => {
    // The batch was cut off while being applied: its journal is still there to replay.
    const client = new MongoClient(uri);
    try {
      expect(await client.db(env.MONGODB_DB).collection("auth_journal").countDocuments()).toBe(1);
    } finally {
      await client.close();
    }
  });
});
