/**
 * `target` with some of its methods replaced: a decorator of a store port that names only what it
 * changes (the metrics decorator, the cluster's fenced writes); every other member is the
 * target's own, bound to it.
 */
export function override<T extends object>(target: T, replaced: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (Object.hasOwn(replaced, prop)) return (replaced as Record<PropertyKey, unknown>)[prop];
      const value = Reflect.get(t, prop, t) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}
