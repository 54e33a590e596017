import type { Logger } from "../logger.js";
import { isStoreUnavailable } from "./store-errors.js";

export interface StoreHealthOptions {
  /** Pause between pings, in ms. */
  intervalMs: number;
  /** A ping that takes longer than this counts as the store being unreachable, in ms. */
  timeoutMs: number;
}

/**
 * Whether the store is reachable now: a ping every `intervalMs`, and any operation that
 * failed for want of the store ({@link report}) marks it gone at once, without waiting for
 * the next ping. Listeners hear each change (health, the socket manager).
 */
export class StoreHealth {
  #available = true;
  #timer?: NodeJS.Timeout;
  #stopped = false;
  #checking?: Promise<void>;
  readonly #listeners = new Set<(available: boolean) => void>();
  readonly #waiters = new Set<() => void>();

  constructor(
    private readonly ping: () => Promise<void>,
    private readonly options: StoreHealthOptions,
    private readonly logger: Logger,
  ) {}

  get available(): boolean {
    return this.#available;
  }

  /** Pings now and then every `intervalMs` until {@link stop}. */
  start(): void {
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const wake of [...this.#waiters]) wake();
  }

  /** Calls `listener(available)` at each change; returns the unsubscribe. */
  onChange(listener: (available: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Tells the monitor about a failed operation: when the failure means the store is
   * unreachable, the store is marked gone until a ping succeeds. Returns whether it did.
   */
  report(err: unknown): boolean {
    if (!isStoreUnavailable(err)) return false;
    this.#set(false, err);
    return true;
  }

  /** Resolves true once the store is reachable (at once when it is), or false when the monitor stops first. */
  whenAvailable(): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    if (this.#available) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        this.#waiters.delete(wake);
        resolve(!this.#stopped);
      };
      this.#waiters.add(wake);
    });
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#check(), ms);
    this.#timer.unref();
  }

  #check(): Promise<void> {
    this.#checking ??= this.#pingOnce().finally(() => {
      this.#checking = undefined;
      this.#schedule(this.options.intervalMs);
    });
    return this.#checking;
  }

  async #pingOnce(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the store did not answer a ping within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    try {
      await Promise.race([this.ping(), timeout]);
      this.#set(true);
    } catch (e) {
      this.#set(false, e);
    } finally {
      clearTimeout(timer);
    }
  }

  #set(available: boolean, err?: unknown): void {
    if (this.#stopped || available === this.#available) return;
    this.#available = available;
    if (available) this.logger.warn("the store is reachable again");
    else this.logger.error({ err: err instanceof Error ? err.message : String(err) }, "the store is unreachable: health NOT_SERVING, accounts paused until it is back");
    for (const l of this.#listeners) l(available);
    if (available) for (const wake of [...this.#waiters]) wake();
    else this.#schedule(this.options.intervalMs);
  }
}
