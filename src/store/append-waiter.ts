/**
 * Wakes event-log readers: at once on an append in this process, and by polling for appends
 * made by other processes (FerretDB has no change streams, and SQLite none at all).
 */
export class AppendWaiter {
  readonly #listeners = new Set<() => void>();
  readonly #pollMs: number;

  constructor(pollMs: number) {
    this.#pollMs = pollMs;
  }

  /** Called after every append in this process. */
  notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Resolves once `ready()` is true, checking it on every notify and every poll. */
  async wait(ready: () => Promise<boolean>, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    // Listeners go on before the first check, so an append or abort during it is not missed.
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let checking = false;
      let recheck = false;
      let done = false;
      const finish = (err?: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#listeners.delete(listener);
        signal?.removeEventListener("abort", onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const check = async () => {
        clearTimeout(timer);
        if (checking) {
          recheck = true;
          return;
        }
        checking = true;
        try {
          do {
            recheck = false;
            if (await ready()) return finish();
          } while (recheck && !done);
        } catch (err) {
          return finish(err);
        } finally {
          checking = false;
        }
        if (!done) timer = setTimeout(check, this.#pollMs);
      };
      const listener = () => void check();
      const onAbort = () => finish(signal?.reason);
      this.#listeners.add(listener);
      signal?.addEventListener("abort", onAbort, { once: true });
      void check();
    });
  }
}
