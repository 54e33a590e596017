/**
 * What to do when an account's WhatsApp connection closes, by the code Baileys
 * reports (its DisconnectReason, i.e. WhatsApp's stream error code).
 *
 * The peers' worst failure modes come from getting this wrong: reconnecting on
 * 440 makes two sockets replace each other forever, and wiping credentials on
 * 500 logs users out for a transient server error.
 */
export type CloseAction =
  /** Reconnect now: WhatsApp asked for a restart (515, normal right after pairing). */
  | { kind: "restart" }
  /** Reconnect after a backoff delay: a transient failure. */
  | { kind: "retry" }
  /** Stop and forget the credentials: the device is unlinked or refused. */
  | { kind: "logged_out" }
  /** Stop, keep the credentials: another connection took over. */
  | { kind: "replaced" }
  /** Stop, forget the credentials: the session is no longer accepted, link again. */
  | { kind: "needs_relink" }
  /** Stop: the QR codes ran out before a phone scanned one. */
  | { kind: "login_timeout" };

/** Decides what a close means. `loggingIn` is true while the account was still pairing. */
export function classifyClose(code: number | undefined, loggingIn: boolean): CloseAction {
  switch (code) {
    case 515:
      return { kind: "restart" };
    case 401:
    case 403:
      return { kind: "logged_out" };
    case 440:
      return { kind: "replaced" };
    case 411:
      return { kind: "needs_relink" };
    case 408:
      // Baileys ends an unscanned QR session with 408 once the refs run out.
      return loggingIn ? { kind: "login_timeout" } : { kind: "retry" };
    default:
      // 428, 500, 503, network errors without a code: transient. 500 is "bad
      // session" in Baileys' names, but WhatsApp sends it for server trouble too,
      // so credentials are kept.
      return { kind: "retry" };
  }
}

export interface BackoffOptions {
  /** First delay, in ms. */
  baseMs: number;
  /** Largest delay, in ms. */
  maxMs: number;
  /** Give up after this many retries in a row; 0 means never. */
  maxAttempts: number;
}

/**
 * Exponential backoff with full jitter: attempt n (from 1) waits a random time in
 * [0, min(maxMs, baseMs * 2^(n-1))]. Returns undefined when attempts are exhausted.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number | undefined {
  if (options.maxAttempts > 0 && attempt > options.maxAttempts) return undefined;
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(random() * ceiling);
}
