import { randomBytes } from "node:crypto";
import { proto, type SignalDataSet, type SignalDataTypeMap } from "@whiskeysockets/baileys";
import { describe, expect, it } from "vitest";
import { AuthCipher } from "../../../src/store/auth/auth-cipher.js";
import { AuthStateKeyError } from "../../../src/store/auth-state.js";
import { testKey, useAdapter, type AdapterFactory } from "../harness.js";

/** Every key type Baileys 7 names in SignalDataTypeMap, with awkward bytes. */
function sampleKeys(): Required<{ [T in keyof SignalDataTypeMap]: { [id: string]: SignalDataTypeMap[T] } }> {
  const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  return {
    "pre-key": { "1": { public: randomBytes(33), private: randomBytes(32) }, "812": { public: everyByte, private: Buffer.alloc(0) } },
    // A plain Uint8Array (not a Buffer) and a Uint8Array view into a larger buffer.
    session: { "15551234567.0": new Uint8Array(randomBytes(500)), "123@lid.3": new Uint8Array(everyByte.buffer, everyByte.byteOffset + 10, 20) },
    "sender-key": { "group@g.us::15551234567::0": new Uint8Array(randomBytes(300)) },
    "sender-key-memory": { "group@g.us": { "15551234567:0@s.whatsapp.net": true, "1@lid": false } },
    "app-state-sync-key": {
      AAAAAQ: proto.Message.AppStateSyncKeyData.fromObject({
        keyData: randomBytes(32),
        fingerprint: { rawId: 7, currentIndex: 2, deviceIndexes: [0, 1, 5] },
        timestamp: 1735689600000,
      }),
    },
    "app-state-sync-version": {
      regular_high: { version: 42, hash: randomBytes(128), indexValueMap: { "q83vEjRWeJA=": { valueMac: randomBytes(32) } } },
    },
    "lid-mapping": { "15551234567": "123456789012345", "123456789012345_reverse": "15551234567" },
    "device-list": { "15551234567": ["0", "3", "17"] },
    tctoken: { "15551234567@s.whatsapp.net": { token: randomBytes(24), timestamp: "1735689600" } },
    "identity-key": { "15551234567.0": new Uint8Array([5, ...randomBytes(32)]) },
  };
}

/** A comparable form: bytes as hex whatever their container, Longs as strings. */
function canonical(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex") };
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    if ("low" in value && "high" in value && "unsigned" in value) return String(value);
    const source = typeof (value as { toJSON?: unknown }).toJSON === "function" && !(value instanceof Date) ? { ...value } : value;
    return Object.fromEntries(
      Object.entries(source as object)
        .filter(([, v]) => v !== undefined && v !== null)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

export function authStateContract(name: string, factory: AdapterFactory): void {
  describe(`${name} auth state`, () => {
    const ctx = useAdapter(factory);

    it("when an account has no stored state, load gives fresh unregistered creds and exists is false", async () => {
      const { state } = await ctx.store.authState.load("acc");

      expect(state.creds.registered).toBe(false);
      expect(state.creds.noiseKey.private).toHaveLength(32);
      expect(await ctx.store.authState.exists("acc")).toBe(false);
    });

    it("when creds are saved and the store reopened, load returns them byte for byte", async () => {
      const first = await ctx.store.authState.load("acc");
      first.state.creds.me = { id: "15551234567:3@s.whatsapp.net", lid: "123@lid", name: "Zoë" };
      first.state.creds.registered = true;
      first.state.creds.routingInfo = randomBytes(12);
      await first.saveCreds();
      await ctx.store.close();

      const again = await (await ctx.open()).authState.load("acc");

      expect(canonical(again.state.creds)).toEqual(canonical(first.state.creds));
      expect(Buffer.isBuffer(again.state.creds.noiseKey.private)).toBe(true);
    });

    it("when every key type is set, get after a reopen returns each value byte for byte", async () => {
      const keys = sampleKeys();
      await (await ctx.store.authState.load("acc")).state.keys.set(keys as SignalDataSet);
      await ctx.store.close();

      const { state } = await (await ctx.open()).authState.load("acc");

      for (const [type, values] of Object.entries(keys)) {
        const got = await state.keys.get(type as keyof SignalDataTypeMap, Object.keys(values));
        expect(canonical(got), type).toEqual(canonical(values));
      }
      const appKey = (await state.keys.get("app-state-sync-key", ["AAAAAQ"])).AAAAAQ;
      expect(appKey).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    });

    it("when a batch is as large as Baileys' first pre-key upload and is written twice, every key has the second value", async () => {
      const { state } = await ctx.store.authState.load("acc");
      const ids = Array.from({ length: 850 }, (_, i) => String(i + 1));
      const batch = (v: number) => ({
        "pre-key": Object.fromEntries(ids.map((id) => [id, { public: Buffer.alloc(33, v), private: Buffer.alloc(32, v) }])),
      });
      await state.keys.set(batch(1));

      await state.keys.set(batch(2));

      const got = await state.keys.get("pre-key", ids);
      expect(ids.every((id) => got[id].public[0] === 2 && got[id].private[31] === 2)).toBe(true);
    });

    it("when ids are missing, get leaves them out; when set to null, the key is removed", async () => {
      const { state } = await ctx.store.authState.load("acc");
      await state.keys.set({ session: { a: new Uint8Array([1]), b: new Uint8Array([2]) } });

      await state.keys.set({ session: { a: null } });

      expect(Object.keys(await state.keys.get("session", ["a", "b", "c"]))).toEqual(["b"]);
    });

    it("when a read or a write names many ids (more than the few looked up one by one), missing ones are left out and nulls remove keys", async () => {
      const { state } = await ctx.store.authState.load("acc");
      const ids = Array.from({ length: 20 }, (_, i) => `s${i}`);
      await state.keys.set({ session: Object.fromEntries(ids.map((id, i) => [id, new Uint8Array([i])])) });

      await state.keys.set({ session: Object.fromEntries(ids.slice(0, 10).map((id) => [id, null])) });

      const got = await state.keys.get("session", [...ids, "absent"]);
      expect(Object.keys(got).sort()).toEqual(ids.slice(10).sort());
      expect(got.s15[0]).toBe(15);
    });

    it("when two accounts hold the same type and id, each reads its own value", async () => {
      await (await ctx.store.authState.load("one")).state.keys.set({ session: { x: new Uint8Array([1]) } });
      await (await ctx.store.authState.load("two")).state.keys.set({ session: { x: new Uint8Array([2]) } });

      const one = await (await ctx.store.authState.load("one")).state.keys.get("session", ["x"]);
      const two = await (await ctx.store.authState.load("two")).state.keys.get("session", ["x"]);

      expect([...one.x, ...two.x]).toEqual([1, 2]);
    });

    it("when batches and reads run concurrently on one account, no read sees half a batch", async () => {
      const { state } = await ctx.store.authState.load("acc");
      const ids = ["a", "b", "c", "d"];
      const ops: Promise<unknown>[] = [];
      const seen: number[][] = [];
      for (let round = 1; round <= 30; round++) {
        ops.push(Promise.resolve(state.keys.set({ session: Object.fromEntries(ids.map((id) => [id, new Uint8Array([round])])) })));
        ops.push(Promise.resolve(state.keys.get("session", ids)).then((got) => seen.push(ids.map((id) => got[id]?.[0] ?? 0))));
      }
      await Promise.all(ops);

      for (const values of seen) expect(new Set(values).size).toBe(1);
      expect(seen.map((v) => v[0])).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    });

    it("when stored, values are encrypted with a fresh IV and bound to their row", async () => {
      const secret = Buffer.from("a very recognisable session secret");
      const { state } = await ctx.store.authState.load("acc");
      await state.keys.set({ session: { x: secret, y: secret } });

      const rows = await ctx.store.authRecords.read("acc", "session", ["x", "y"]);
      const x = Buffer.from(rows.get("x")!);
      const y = Buffer.from(rows.get("y")!);
      expect(x.includes(secret)).toBe(false);
      expect(x.includes(Buffer.from(secret.toString("base64")))).toBe(false);
      expect(x.subarray(5, 17).equals(y.subarray(5, 17))).toBe(false);

      // The ciphertext of x copied onto y must not pass for y.
      await ctx.store.authRecords.write("acc", [{ type: "session", id: "y", value: x }]);
      await expect(state.keys.get("session", ["y"])).rejects.toThrow(AuthStateKeyError);
    });

    it("when opened with a different master key, load fails with a clear error and nothing is reset", async () => {
      const saved = await ctx.store.authState.load("acc");
      await saved.saveCreds();
      await ctx.store.close();

      const wrong = await ctx.open({ authCipher: new AuthCipher(Buffer.alloc(32, 9)) });
      const error = await wrong.authState.load("acc").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthStateKeyError);
      expect((error as Error).message).toMatch(/AUTH_STATE_KEY.*NOT reset/);
      expect(await wrong.authState.exists("acc")).toBe(true);
      await wrong.close();

      const right = await ctx.open();
      expect(canonical((await right.authState.load("acc")).state.creds)).toEqual(canonical(saved.state.creds));
    });

    it("when the master key is rotated, old rows stay readable until rotate rewrites them under the new key", async () => {
      const { state, saveCreds } = await ctx.store.authState.load("acc");
      await saveCreds();
      await state.keys.set({ session: { x: new Uint8Array([42]) } });
      await ctx.store.close();
      const newKey = Buffer.alloc(32, 3);

      const rotating = await ctx.open({ authCipher: new AuthCipher(newKey, [testKey]) });
      expect([...(await (await rotating.authState.load("acc")).state.keys.get("session", ["x"])).x]).toEqual([42]);
      expect(await rotating.authState.rotate("acc")).toBe(2);
      expect(await rotating.authState.rotate("acc")).toBe(0);
      await rotating.close();

      const rotated = await ctx.open({ authCipher: new AuthCipher(newKey) });
      expect([...(await (await rotated.authState.load("acc")).state.keys.get("session", ["x"])).x]).toEqual([42]);
    });

    it("when the account is deleted or its keys cleared, all of its auth state is gone", async () => {
      const now = new Date("2025-01-01T00:00:00Z");
      for (const id of ["gone", "cleared", "kept"]) {
        await ctx.store.accounts.create({ accountId: id, displayName: id, state: "connected", createTime: now, updateTime: now });
        const { state, saveCreds } = await ctx.store.authState.load(id);
        await saveCreds();
        await state.keys.set({ "pre-key": { "1": { public: randomBytes(33), private: randomBytes(32) } } });
      }

      await ctx.store.accounts.delete("gone");
      await (await ctx.store.authState.load("cleared")).state.keys.clear!();

      for (const id of ["gone", "cleared"]) expect(await ctx.store.authRecords.readAll(id)).toEqual([]);
      expect(await ctx.store.authRecords.readAll("kept")).toHaveLength(2);
      await ctx.store.authState.delete("kept");
      expect(await ctx.store.authState.exists("kept")).toBe(false);
    });

    it("when the write cannot be made, set rejects rather than pretending", async () => {
      const { state } = await ctx.store.authState.load("acc");
      await ctx.store.close();

      await expect(state.keys.set({ session: { x: new Uint8Array([1]) } })).rejects.toThrow();
    });
  });
}
