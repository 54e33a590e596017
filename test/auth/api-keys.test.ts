import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ApiKeys, BOOTSTRAP_KEY_FILE } from "../../src/auth/api-keys.js";
import { formatApiKey, newKeyId, newSecret, parseApiKey } from "../../src/auth/key-format.js";
import type { Principal } from "../../src/auth/principal.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { TEST_ADMIN_KEY } from "../support/auth.js";
import { ManualClock } from "../support/manual-clock.js";

const logger = pino({ level: "silent" });
const spec = { name: "bot", permissions: ["read", "send"] as const, allAccounts: false, accountIds: ["a1"], ratePerSecond: 0 };

describe("API keys", () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  const registries: ApiKeys[] = [];

  function open() {
    const dir = mkdtempSync(join(tmpdir(), "wildcat-keys-"));
    dirs.push(dir);
    const store = openSqliteStore(join(dir, "data"));
    stores.push(store);
    return { dir, store };
  }

  function registry(store: Store, clock = new ManualClock(Date.parse("2026-06-01T00:00:00Z")), cacheMs = 1_000) {
    const keys = new ApiKeys(store.apiKeys, clock, logger, { cacheMs });
    registries.push(keys);
    return { keys, clock };
  }

  afterEach(async () => {
    for (const r of registries.splice(0)) await r.stop();
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("when a key is created, then it authenticates with its scope and permissions, and only a hash is stored", async () => {
    const { store } = open();
    const { keys } = registry(store);
    const { record, key } = await keys.create({ ...spec, permissions: [...spec.permissions] });
    const p = (await keys.authenticate(key)) as Principal;
    expect(p.keyId).toBe(record.keyId);
    expect([...p.permissions]).toEqual(["read", "send"]);
    expect(p.scope).toEqual(new Set(["a1"]));
    const stored = JSON.stringify(await store.apiKeys.get(record.keyId));
    expect(stored).not.toContain(parseApiKey(key)!.secret);
  });

  it("when 10,000 random or malformed keys are presented, then every one is refused as invalid", async () => {
    const { store } = open();
    const { keys } = registry(store);
    const { record } = await keys.create({ ...spec, permissions: [...spec.permissions] });
    const tries = [
      ...Array.from({ length: 9_990 }, (_, i) => formatApiKey(i % 2 ? record.keyId : newKeyId(), newSecret())),
      "",
      "Bearer x",
      "wck_",
      `wck_${record.keyId}_`,
      `wck_${record.keyId}_${"A".repeat(42)}`,
      `wck_${record.keyId.toUpperCase()}_${newSecret()}`,
      `xck_${record.keyId}_${newSecret()}`,
      `${formatApiKey(record.keyId, newSecret())} `,
      formatApiKey(record.keyId, newSecret()).slice(0, -1),
      "wck_0000000000000000_" + "\u0000".repeat(43),
    ];
    const results = await Promise.all(tries.map((k) => keys.authenticate(k)));
    expect(new Set(results)).toEqual(new Set(["invalid"]));
  });

  it("when a key is revoked, then it is refused as revoked and its principal's signal ends its streams", async () => {
    const { store } = open();
    const { keys } = registry(store);
    const { record, key } = await keys.create({ ...spec, permissions: [...spec.permissions] });
    const p = (await keys.authenticate(key)) as Principal;
    await keys.revoke(record.keyId);
    expect(p.signal.aborted).toBe(true);
    expect(await keys.authenticate(key)).toBe("revoked");
    expect((await keys.revoke(record.keyId))?.revokeTime).toBeDefined();
  });

  it("when another process revokes a key, then this one ends its streams within its cache interval", async () => {
    const { store } = open();
    const here = registry(store, undefined, 100).keys;
    const elsewhere = registry(store).keys;
    const { record, key } = await here.create({ ...spec, permissions: [...spec.permissions] });
    const p = (await here.authenticate(key)) as Principal;
    const release = here.holdForStream(p);
    here.start();
    await elsewhere.revoke(record.keyId);
    await once(p.signal, "abort");
    release();
    expect(await here.authenticate(key)).toBe("revoked");
  });

  it("when a key is rotated, then the old secret works until the grace period ends and the new one after", async () => {
    const { store } = open();
    const { keys, clock } = registry(store);
    const { record, key: oldKey } = await keys.create({ ...spec, permissions: [...spec.permissions] });
    const rotated = (await keys.rotate(record.keyId, 60_000))!;
    expect(rotated.key).not.toBe(oldKey);
    expect(await keys.authenticate(oldKey)).not.toBe("invalid");
    expect(await keys.authenticate(rotated.key)).not.toBe("invalid");
    clock.advance(60_000);
    expect(await keys.authenticate(oldKey)).toBe("invalid");
    expect(await keys.authenticate(rotated.key)).not.toBe("invalid");
  });

  it("when a key's expire time passes, then it is refused as expired and cannot be rotated", async () => {
    const { store } = open();
    const { keys, clock } = registry(store);
    const { record, key } = await keys.create({ ...spec, permissions: [...spec.permissions], expireTime: new Date(clock.now().getTime() + 1_000) });
    expect(await keys.authenticate(key)).not.toBe("invalid");
    clock.advance(1_000);
    expect(await keys.authenticate(key)).toBe("expired");
    await expect(keys.rotate(record.keyId, 0)).rejects.toThrow(/expired/);
  });

  it("when the store has no key, then bootstrap writes an admin key to DATA_DIR/admin.key (0600), and later starts reuse it", async () => {
    const { dir, store } = open();
    const dataDir = join(dir, "data");
    const { keys } = registry(store);
    await keys.bootstrap({ dataDir });
    const file = join(dataDir, BOOTSTRAP_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = readFileSync(file, "utf8").trim();
    const p = (await keys.authenticate(key)) as Principal;
    expect([...p.permissions]).toEqual(["admin"]);
    expect(p.scope).toBe("all");
    await keys.bootstrap({ dataDir });
    expect(readFileSync(file, "utf8").trim()).toBe(key);
    expect((await store.apiKeys.list({ pageSize: 10 })).keys).toHaveLength(1);
  });

  it("when WILDCAT_ADMIN_KEY is given, then it is installed as an admin key at every start, also after a revoke", async () => {
    const { dir, store } = open();
    const { keys } = registry(store);
    await keys.bootstrap({ dataDir: join(dir, "data"), adminKey: TEST_ADMIN_KEY });
    expect(await keys.authenticate(TEST_ADMIN_KEY)).toMatchObject({ keyId: parseApiKey(TEST_ADMIN_KEY)!.keyId, scope: "all" });
    await keys.revoke(parseApiKey(TEST_ADMIN_KEY)!.keyId);
    expect(await keys.authenticate(TEST_ADMIN_KEY)).toBe("revoked");
    const restarted = registry(store).keys;
    await restarted.bootstrap({ dataDir: join(dir, "data"), adminKey: TEST_ADMIN_KEY });
    expect(await restarted.authenticate(TEST_ADMIN_KEY)).toMatchObject({ scope: "all" });
  });
});
