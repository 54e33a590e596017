import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SimState } from "../../src/sim/sim-state.js";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "wildcat-sim-state-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the simulator's state on disk", () => {
  it("when many changes are made at once, then none is written before the call returns and flush puts every one on disk", async () => {
    const dir = tempDir();
    const state = SimState.load(dir);
    const phones = ["15550000001", "15550000002", "15550000003"].map((n) => state.phone(n));
    for (let i = 0; i < 200; i++) {
      phones[i % 3].blocked.add(`1555999${String(i).padStart(4, "0")}`);
      state.changed();
    }
    expect(existsSync(join(dir, "sim-state.json"))).toBe(false);
    await state.flush();

    const loaded = SimState.load(dir);
    expect(loaded.allPhones()).toHaveLength(3);
    expect(loaded.findPhone("15550000003")?.lidUser).toBe(phones[2].lidUser);
    expect([...loaded.findPhone("15550000003")!.blocked].sort()).toEqual([...phones[2].blocked].sort());
    expect(loaded.allPhones().reduce((n, p) => n + p.blocked.size, 0)).toBe(200);
  });

  it("when a change is made while a write is in progress, then flush waits for that write and writes again", async () => {
    const dir = tempDir();
    const state = SimState.load(dir);
    state.phone("15550001001");
    const flushed = state.flush(); // starts writing the first phone
    state.phone("15550001002"); // made while that write is under way
    await flushed;
    expect(
      SimState.load(dir)
        .allPhones()
        .map((p) => p.phoneNumber),
    ).toEqual(["15550001001", "15550001002"]);
  });

  it("when the state has no data dir, then changes stay in memory and flush has nothing to do", async () => {
    const state = SimState.load();
    state.phone("15550001003");
    await state.flush();
    expect(state.allPhones()).toHaveLength(1);
  });
});
