/**
 * In-memory limits of the auth path (per gateway process): token buckets for request and
 * send rates, and failed authentications per peer.
 */

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by key, bounded in number: beyond `maxKeys` the least recently used
 * bucket is dropped (it was the fullest anyway, as a bucket refills while unused).
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly maxKeys = 100_000) {}

  /**
   * Takes one token from `key`'s bucket, refilled at `perSecond` up to `burst`. Returns 0
   * when taken, else the milliseconds until a token will be there.
   */
  take(key: string, perSecond: number, burst: number, now: number): number {
    let b = this.#buckets.get(key);
    if (b) {
      this.#buckets.delete(key);
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
      b.at = now;
    } else {
      b = { tokens: burst, at: now };
      if (this.#buckets.size >= this.maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    this.#buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return ((1 - b.tokens) / perSecond) * 1000;
  }
}

export interface AuthFailureOptions {
  /** Failures within the window after which the peer is refused. */
  limit: number;
  /** Failures within the window after which each further one is answered slowly. */
  slowAfter: number;
  windowMs: number;
}

interface PeerFailures {
  count: number;
  windowStart: number;
}

/** The most a failed authentication is delayed. */
const MAX_DELAY_MS = 1_000;
/** Peers tracked at most; beyond, the oldest is forgotten. */
const MAX_PEERS = 100_000;

/**
 * Failed authentications per peer (remote address) in a fixed window: past `slowAfter`
 * each failure is answered 100 ms later than the one before (at most 1 s); past `limit`
 * every call from the peer is refused with `resource_exhausted` until the window ends.
 */
export class AuthFailures {
  readonly #peers = new Map<string, PeerFailures>();

  constructor(private readonly options: AuthFailureOptions) {}

  /** Milliseconds the peer is still refused for; 0 when it may call. */
  blockedFor(peer: string, now: number): number {
    const p = this.#current(peer, now);
    return p && p.count > this.options.limit ? p.windowStart + this.options.windowMs - now : 0;
  }

  /** Counts a failure; returns how long to delay its answer. */
  record(peer: string, now: number): number {
    let p = this.#current(peer, now);
    if (!p) {
      if (this.#peers.size >= MAX_PEERS) this.#peers.delete(this.#peers.keys().next().value!);
      p = { count: 0, windowStart: now };
      this.#peers.set(peer, p);
    }
    p.count++;
    const over = p.count - this.options.slowAfter;
    return over > 0 ? Math.min(MAX_DELAY_MS, over * 100) : 0;
  }

  #current(peer: string, now: number): PeerFailures | undefined {
    const p = this.#peers.get(peer);
    if (p && now - p.windowStart >= this.options.windowMs) {
      this.#peers.delete(peer);
      return undefined;
    }
    return p;
  }
}
