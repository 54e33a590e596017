import type http from "node:http";
import { describe, expect, it } from "vitest";
import { clampDeadline, deadlineBound, MAX_TIMER_MS } from "../../src/server/deadline.js";

function clamped(headers: http.IncomingHttpHeaders, bound: number): http.IncomingHttpHeaders {
  clampDeadline(headers, bound);
  return headers;
}

describe("deadline clamping", () => {
  it("when a gRPC deadline is over the bound, then it becomes the bound", () => {
    expect(clamped({ "grpc-timeout": "99999999H" }, 60_000)).toEqual({ "grpc-timeout": "60000m" });
    expect(clamped({ "grpc-timeout": "61S" }, 60_000)).toEqual({ "grpc-timeout": "60000m" });
  });

  it("when the bound has more than 8 digits of milliseconds, then it is written in whole seconds", () => {
    expect(clamped({ "grpc-timeout": "99999999H" }, MAX_TIMER_MS)).toEqual({ "grpc-timeout": "2147483S" });
  });

  it("when a Connect deadline is over the bound, then it becomes the bound", () => {
    expect(clamped({ "connect-timeout-ms": "9999999999" }, MAX_TIMER_MS)).toEqual({ "connect-timeout-ms": String(MAX_TIMER_MS) });
  });

  it("when a deadline is within the bound or malformed, then it is left alone", () => {
    expect(clamped({ "grpc-timeout": "60S", "connect-timeout-ms": "60000" }, 60_000)).toEqual({ "grpc-timeout": "60S", "connect-timeout-ms": "60000" });
    expect(clamped({ "grpc-timeout": "999999999H", "connect-timeout-ms": "-1" }, 60_000)).toEqual({ "grpc-timeout": "999999999H", "connect-timeout-ms": "-1" });
  });

  it("when MAX_TIMEOUT_MS is 0 (no bound), then the bound is the longest a timer holds, never 0", () => {
    expect(deadlineBound(0)).toBe(MAX_TIMER_MS);
    expect(deadlineBound(60_000)).toBe(60_000);
  });
});
