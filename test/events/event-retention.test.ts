import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventRetention } from "../../src/events/event-retention.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { testCipher } from "../store/harness.js";

const DAY = 24 * 3600 * 1000;
const now = new Date("2026-06-01T00:00:00Z");
const clock = { now: () => now };
let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wildcat-retention-"));
  store = openSqliteStore(dir, { authCipher: testCipher });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function appendAged(daysOld: number[]): Promise<void> {
  for (const [i, d] of daysOld.entries()) {
    await store.events.append({ eventId: `e${i}`, accountId: "a", type: "message_received", createTime: new Date(now.getTime() - d * DAY), payload: new Uint8Array([i]) });
  }
}

async function remaining(): Promise<string[]> {
  return (await store.events.read({ limit: 100 })).events.map((e) => e.eventId);
}

describe("EventRetention", () => {
  it("when events are older than the age bound, then they are removed and newer ones stay", async () => {
    await appendAged([10, 8, 3, 1]);
    const retention = new EventRetention(store.events, store.messages, { maxAgeMs: 7 * DAY, maxEvents: 0, intervalMs: 60_000, requestIdMaxAgeMs: DAY }, clock, pino({ level: "silent" }));
    expect(await retention.pruneNow()).toBe(2);
    expect(await remaining()).toEqual(["e2", "e3"]);
  });

  it("when there are more events than the count bound, then the oldest go", async () => {
    await appendAged([5, 4, 3, 2, 1]);
    const retention = new EventRetention(store.events, store.messages, { maxAgeMs: 0, maxEvents: 2, intervalMs: 60_000, requestIdMaxAgeMs: DAY }, clock, pino({ level: "silent" }));
    expect(await retention.pruneNow()).toBe(3);
    expect(await remaining()).toEqual(["e3", "e4"]);
  });

  it("when both bounds are 0, then nothing is removed", async () => {
    await appendAged([400, 1]);
    const retention = new EventRetention(store.events, store.messages, { maxAgeMs: 0, maxEvents: 0, intervalMs: 60_000, requestIdMaxAgeMs: DAY }, clock, pino({ level: "silent" }));
    expect(await retention.pruneNow()).toBe(0);
    expect(await remaining()).toEqual(["e0", "e1"]);
  });
});
