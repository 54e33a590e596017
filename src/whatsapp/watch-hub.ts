/** Thrown into a watcher that fell further behind than its buffer allows. */
export class WatcherOverflowError extends Error {
  constructor(limit: number) {
    super(`watcher fell more than ${limit} updates behind`);
    this.name = "WatcherOverflowError";
  }
}

/**
 * Fans one ordered sequence of values out to many watchers. Each watcher gets
 * every value in the same order; its buffer is bounded, and a watcher that lets
 * it overflow is ended with {@link WatcherOverflowError} rather than silently
 * skipping values or growing memory without limit.
 */
export class WatchHub<T> {
  private readonly watchers = new Set<Watcher<T>>();

  constructor(private readonly bufferLimit: number) {}

  publish(value: T): void {
    for (const w of this.watchers) w.push(value);
  }

  /** Ends every watcher normally (e.g. the thing watched was deleted). */
  endAll(): void {
    for (const w of this.watchers) w.end();
  }

  get size(): number {
    return this.watchers.size;
  }

  /** Values published from now on, until `signal` aborts or the hub ends it. */
  async *watch(signal: AbortSignal): AsyncGenerator<T> {
    const w = new Watcher<T>(this.bufferLimit);
    this.watchers.add(w);
    const onAbort = () => w.fail(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        const next = await w.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.watchers.delete(w);
    }
  }
}

class Watcher<T> {
  private readonly queue: T[] = [];
  private ended = false;
  private error: unknown;
  private wake?: () => void;

  constructor(private readonly limit: number) {}

  push(value: T): void {
    if (this.ended) return;
    if (this.queue.length >= this.limit) {
      this.fail(new WatcherOverflowError(this.limit));
      return;
    }
    this.queue.push(value);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  fail(error: unknown): void {
    this.error ??= error;
    this.end();
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (this.error !== undefined) throw this.error;
      if (this.queue.length > 0) return { done: false, value: this.queue.shift()! };
      if (this.ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
