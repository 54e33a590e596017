import { describe, expect, it } from "vitest";
import { AuthFailures, TokenBuckets } from "../../src/auth/rate-limits.js";

describe("token buckets", () => {
  it("when a bucket of burst N is full, then N takes pass, take N+1 says how long to wait, and it refills at the rate", () => {
    const b = new TokenBuckets();
    for (let i = 0; i < 4; i++) expect(b.take("k", 2, 4, 0)).toBe(0);
    expect(b.take("k", 2, 4, 0)).toBe(500);
    expect(b.take("k", 2, 4, 499)).toBeGreaterThan(0);
    expect(b.take("k", 2, 4, 500)).toBe(0);
    expect(b.take("other", 2, 4, 500)).toBe(0);
  });

  it("when more keys than the bound are used, then the least recently used bucket is forgotten (it starts full again)", () => {
    const b = new TokenBuckets(2);
    expect(b.take("a", 1, 1, 0)).toBe(0);
    expect(b.take("b", 1, 1, 0)).toBe(0);
    expect(b.take("c", 1, 1, 0)).toBe(0);
    expect(b.take("a", 1, 1, 0)).toBe(0);
    expect(b.take("c", 1, 1, 0)).toBeGreaterThan(0);
  });
});

describe("failed authentications per peer", () => {
  it("when a peer fails past slowAfter, then answers slow down; past the limit it is refused until the window ends", () => {
    const f = new AuthFailures({ limit: 5, slowAfter: 2, windowMs: 60_000 });
    expect([1, 2, 3, 4, 5].map(() => f.record("10.0.0.1", 0))).toEqual([0, 0, 100, 200, 300]);
    expect(f.blockedFor("10.0.0.1", 0)).toBe(0);
    f.record("10.0.0.1", 1_000);
    expect(f.blockedFor("10.0.0.1", 1_000)).toBe(59_000);
    expect(f.blockedFor("10.0.0.2", 1_000)).toBe(0);
    expect(f.blockedFor("10.0.0.1", 60_000)).toBe(0);
    expect(f.record("10.0.0.1", 60_000)).toBe(0);
  });
});
