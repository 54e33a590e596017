import type { WebhookAttempt } from "./webhook-http.js";

export interface RetryPolicy {
  /** Delay before the 2nd, 3rd, … attempt; after the last one a delivery fails for good. */
  schedule: readonly number[];
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
}

/**
 * When to try again after failed attempt number `attempts` (1 for the first), or undefined
 * when the schedule is used up. A Retry-After the endpoint sent (429/503) is a lower bound.
 */
export function nextAttemptDelay(policy: RetryPolicy, attempts: number, attempt: Pick<WebhookAttempt, "retryAfterMs">, random: () => number = Math.random): number | undefined {
  const base = policy.schedule[attempts - 1];
  if (base === undefined) return undefined;
  const jittered = Math.round(base * (1 + policy.jitter * (2 * random() - 1)));
  return Math.max(jittered, attempt.retryAfterMs ?? 0);
}
