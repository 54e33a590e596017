import { describe, expect, it } from "vitest";
import type { ApiKeyRecord } from "../../../src/store/api-keys.js";
import { AlreadyExistsError } from "../../../src/store/store.js";
import { useAdapter, type AdapterFactory } from "../harness.js";

const t0 = new Date("2026-01-01T00:00:00Z");

function key(keyId: string, extra: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    keyId,
    name: `key ${keyId}`,
    permissions: ["read", "send"],
    allAccounts: false,
    accountIds: ["a1", "a2"],
    ratePerSecond: 0,
    secrets: [{ hash: "ab".repeat(32) }],
    createTime: t0,
    ...extra,
  };
}

/** API keys: stored whole, listed by id, patched field by field. */
export function apiKeysContract(name: string, factory: AdapterFactory) {
  describe(`${name} API keys`, () => {
    const ctx = useAdapter(factory);

    it("when a key is created, then get returns it as given, and a second create with its id fails", async () => {
      const k = key("00000000000000a1", { expireTime: new Date("2027-01-01T00:00:00Z") });
      expect(await ctx.store.apiKeys.create(k)).toEqual(k);
      expect(await ctx.store.apiKeys.get(k.keyId)).toEqual(k);
      await expect(ctx.store.apiKeys.create(key(k.keyId))).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(await ctx.store.apiKeys.get("00000000000000ff")).toBeUndefined();
    });

    it("when keys are listed, then they come by id, one page at a time", async () => {
      for (const id of ["0000000000000003", "0000000000000001", "0000000000000002"]) await ctx.store.apiKeys.create(key(id));
      const first = await ctx.store.apiKeys.list({ pageSize: 2 });
      expect(first.keys.map((k) => k.keyId)).toEqual(["0000000000000001", "0000000000000002"]);
      const second = await ctx.store.apiKeys.list({ pageSize: 2, after: first.nextAfter });
      expect(second.keys.map((k) => k.keyId)).toEqual(["0000000000000003"]);
      expect(second.nextAfter).toBeUndefined();
    });

    it("when a key is patched, then the given fields change, undefined ones are cleared, and the rest stay", async () => {
      await ctx.store.apiKeys.create(key("00000000000000b1", { lastUsedTime: t0 }));
      const revoked = new Date("2026-02-01T00:00:00Z");
      const rotated = [{ hash: "cd".repeat(32) }, { hash: "ab".repeat(32), expireTime: new Date("2026-02-02T00:00:00Z") }];
      const updated = await ctx.store.apiKeys.update("00000000000000b1", { revokeTime: revoked, secrets: rotated, lastUsedTime: undefined });
      const expected = { ...key("00000000000000b1"), revokeTime: revoked, secrets: rotated };
      expect(updated).toEqual(expected);
      expect(await ctx.store.apiKeys.get("00000000000000b1")).toEqual(expected);
      expect(await ctx.store.apiKeys.update("00000000000000ff", { revokeTime: revoked })).toBeUndefined();
    });
  });
}
