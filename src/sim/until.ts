import type { EventEmitter } from "node:events";

/**
 * Resolves once `check` returns a value, checking now and after every "change" event of
 * `changes`; rejects with `timeoutError()` after `timeoutMs`. Waits on events, never polls.
 */
export function until<T>(changes: EventEmitter, check: () => T | undefined, timeoutMs: number, timeoutError: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const onChange = () => {
      const value = check();
      if (value === undefined) return;
      clearTimeout(timer);
      changes.off("change", onChange);
      resolve(value);
    };
    const timer = setTimeout(() => {
      changes.off("change", onChange);
      reject(timeoutError());
    }, timeoutMs);
    changes.on("change", onChange);
    onChange();
  });
}
