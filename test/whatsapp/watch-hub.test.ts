import { describe, expect, it } from "vitest";
import { WatchHub, WatcherOverflowError } from "../../src/whatsapp/watch-hub.js";

async function take<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push((await it.next()).value as T);
  return out;
}

describe("WatchHub", () => {
  it("when values are published, then every watcher gets all of them in the same order", async () => {
    const hub = new WatchHub<number>(10);
    const a = hub.watch(new AbortController().signal);
    const b = hub.watch(new AbortController().signal);
    const firstA = a.next(); // starts the generator, so it is subscribed
    const firstB = b.next();
    await Promise.resolve();
    for (const v of [1, 2, 3]) hub.publish(v);
    expect([(await firstA).value, ...(await take(a, 2))]).toEqual([1, 2, 3]);
    expect([(await firstB).value, ...(await take(b, 2))]).toEqual([1, 2, 3]);
  });

  it("when a watcher falls more than its buffer behind, then it ends with WatcherOverflowError and others go on", async () => {
    const hub = new WatchHub<number>(2);
    const slow = hub.watch(new AbortController().signal);
    const fast = hub.watch(new AbortController().signal);
    const slowFirst = slow.next();
    const fastFirst = fast.next();
    await Promise.resolve();
    hub.publish(1); // both take it at once (they are waiting)
    expect((await slowFirst).value).toBe(1);
    expect((await fastFirst).value).toBe(1);
    for (const v of [2, 3, 4]) {
      const next = fast.next();
      hub.publish(v); // fast reads each one; slow reads none: the third one overflows it
      expect((await next).value).toBe(v);
    }
    await expect(slow.next()).rejects.toBeInstanceOf(WatcherOverflowError);
    expect(hub.size).toBe(1);
  });

  it("when the signal aborts, then the watcher ends with the abort reason and is removed", async () => {
    const hub = new WatchHub<number>(2);
    const ac = new AbortController();
    const w = hub.watch(ac.signal);
    const pending = w.next();
    await Promise.resolve();
    ac.abort(new Error("client went away"));
    await expect(pending).rejects.toThrow("client went away");
    expect(hub.size).toBe(0);
  });

  it("when the hub ends all watchers, then each stream completes normally", async () => {
    const hub = new WatchHub<number>(2);
    const w = hub.watch(new AbortController().signal);
    const pending = w.next();
    await Promise.resolve();
    hub.endAll();
    expect(await pending).toEqual({ done: true, value: undefined });
  });
});
