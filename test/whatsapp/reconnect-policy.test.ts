import { describe, expect, it } from "vitest";
import { backoffDelay, classifyClose } from "../../src/whatsapp/reconnect-policy.js";

describe("classifyClose", () => {
  it.each([
    [515, false, "restart"],
    [401, false, "logged_out"],
    [403, false, "logged_out"],
    [440, false, "replaced"],
    [411, false, "needs_relink"],
    [408, true, "login_timeout"],
    [408, false, "retry"],
    [428, false, "retry"],
    [500, false, "retry"],
    [503, false, "retry"],
    [undefined, false, "retry"],
  ] as const)("when the connection closes with %s (logging in: %s), then the action is %s", (code, loggingIn, kind) => {
    expect(classifyClose(code, loggingIn).kind).toBe(kind);
  });
});

describe("backoffDelay", () => {
  const options = { baseMs: 1000, maxMs: 30_000, maxAttempts: 5 };

  it("when the random draw is at its top, then delays double from the base up to the cap", () => {
    const top = () => 1;
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, { ...options, maxAttempts: 0 }, top))).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(backoffDelay(40, { ...options, maxAttempts: 0 }, top)).toBe(30_000);
  });

  it("when jitter draws low, then the delay shrinks with it (full jitter)", () => {
    expect(backoffDelay(3, options, () => 0.25)).toBe(1000);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
  });

  it("when attempts pass maxAttempts, then there is no further delay (give up); 0 means never give up", () => {
    expect(backoffDelay(5, options, () => 1)).toBe(16000);
    expect(backoffDelay(6, options, () => 1)).toBeUndefined();
    expect(backoffDelay(1000, { ...options, maxAttempts: 0 }, () => 1)).toBe(30_000);
  });
});
