import type http from "node:http";

/** The longest delay a Node timer holds; a longer one fires after 1 ms (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const GRPC_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000_001 };

/** The bound handed to connect-node: MAX_TIMEOUT_MS, or for 0 ("no bound") the longest a timer holds. */
export function deadlineBound(maxTimeoutMs: number): number {
  return maxTimeoutMs > 0 ? Math.min(maxTimeoutMs, MAX_TIMER_MS) : MAX_TIMER_MS;
}

/**
 * Shortens a requested deadline (`grpc-timeout` for gRPC and gRPC-Web, `connect-timeout-ms`
 * for Connect) that is over `boundMs` to `boundMs`, in place, before connect-node parses it
 * and arms its deadline timer: a call may ask for more time than the server gives, and gets
 * the server's bound rather than a refusal or a timer that overflows and fires at once.
 * Malformed values are left for connect-node to refuse.
 */
export function clampDeadline(headers: http.IncomingHttpHeaders, boundMs: number): void {
  const grpc = headers["grpc-timeout"];
  if (typeof grpc === "string") {
    const m = /^(\d{1,8})([HMSmun])$/.exec(grpc);
    if (m && Number(m[1]) * GRPC_UNIT_MS[m[2]] > boundMs) {
      // At most 8 digits: milliseconds when they fit, else whole seconds (never over the bound).
      headers["grpc-timeout"] = boundMs <= 99_999_999 ? `${boundMs}m` : `${Math.floor(boundMs / 1000)}S`;
    }
  }
  const connect = headers["connect-timeout-ms"];
  if (typeof connect === "string" && /^\d{1,10}$/.test(connect) && Number(connect) > boundMs) {
    headers["connect-timeout-ms"] = String(boundMs);
  }
}
