/** Runs tasks one at a time per key, in call order; different keys run concurrently. */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => {});
    this.#tails.set(key, tail);
    // Forget idle keys so thousands of accounts do not accumulate entries.
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Settles once every task queued so far has (each key's tail). */
  async idle(): Promise<void> {
    await Promise.all(this.#tails.values());
  }
}
