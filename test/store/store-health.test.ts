import { once, EventEmitter } from "node:events";
import { MongoNetworkError, MongoServerError } from "mongodb";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { isStoreUnavailable, StoreUnavailableError } from "../../src/store/store-errors.js";
import { StoreHealth } from "../../src/store/store-health.js";

describe("isStoreUnavailable", () => {
  it("when the error says the store cannot be reached (also wrapped as a cause), then it is unavailable; a wrong request is not", () => {
    expect(isStoreUnavailable(new MongoNetworkError("connect ECONNREFUSED 127.0.0.1:27017"))).toBe(true);
    expect(isStoreUnavailable(new StoreUnavailableError())).toBe(true);
    expect(isStoreUnavailable(new Error("storing failed", { cause: new MongoNetworkError("socket hang up") }))).toBe(true);
    expect(isStoreUnavailable(new MongoServerError({ message: "shutting down", code: 91 }))).toBe(true);
    expect(isStoreUnavailable(new MongoServerError({ message: "E11000 duplicate key", code: 11000 }))).toBe(false);
    expect(isStoreUnavailable(new Error("a bug"))).toBe(false);
    expect(isStoreUnavailable("not an error")).toBe(false);
  });
});

describe("StoreHealth", () => {
  /** A store whose ping fails while `down` is set; each ping is announced. */
  function fakeStore() {
    const pings = new EventEmitter();
    const store = {
      down: false,
      ping: async () => {
        pings.emit("ping");
        if (store.down) throw new MongoNetworkError("connect ECONNREFUSED");
      },
      pings,
    };
    return store;
  }

  it("when an operation reports the store gone, then listeners hear it at once, and when a ping succeeds again, then they hear it is back", async () => {
    const store = fakeStore();
    const health = new StoreHealth(store.ping, { intervalMs: 5, timeoutMs: 1000 }, pino({ level: "silent" }));
    const changes: boolean[] = [];
    const changed = new EventEmitter();
    health.onChange((available) => {
      changes.push(available);
      changed.emit("change");
    });
    health.start();
    try {
      expect(health.report(new Error("a bug"))).toBe(false);
      expect(health.available).toBe(true);
      store.down = true;
      expect(health.report(new MongoNetworkError("socket hang up"))).toBe(true);
      expect(health.available).toBe(false);
      expect(changes).toEqual([false]);
      const back = health.whenAvailable();
      // still down at the next ping
      await once(store.pings, "ping");
      expect(health.available).toBe(false);
      store.down = false;
      await expect(back).resolves.toBe(true);
      expect(changes).toEqual([false, true]);
    } finally {
      health.stop();
    }
  });

  it("when a ping hangs longer than the timeout, then the store counts as gone", async () => {
    const health = new StoreHealth(() => new Promise(() => {}), { intervalMs: 5, timeoutMs: 20 }, pino({ level: "silent" }));
    const gone = new Promise<boolean>((resolve) => health.onChange(resolve));
    health.start();
    try {
      expect(await gone).toBe(false);
    } finally {
      health.stop();
    }
  });

  it("when the monitor stops while a caller waits for the store, then the wait ends with false", async () => {
    const store = fakeStore();
    store.down = true;
    const health = new StoreHealth(store.ping, { intervalMs: 5, timeoutMs: 1000 }, pino({ level: "silent" }));
    health.report(new MongoNetworkError("gone"));
    const waiting = health.whenAvailable();
    health.stop();
    await expect(waiting).resolves.toBe(false);
  });
});
