import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AuthStateKeyError } from "../../src/store/auth-state.js";
import { keyFileName, parseMasterKey, resolveMasterKey } from "../../src/store/auth/master-key.js";
import { openStore } from "../../src/store/open-store.js";

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wildcat-key-test-"));
  dirs.push(dir);
  return join(dir, "data");
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("auth state master key", () => {
  it("when AUTH_STATE_KEY is unset, a key file is created with mode 0600 and reused on the next start", () => {
    const dir = dataDir();

    const first = resolveMasterKey({ dataDir: dir });
    const second = resolveMasterKey({ dataDir: dir });

    expect(first).toHaveLength(32);
    expect(second.equals(first)).toBe(true);
    expect(statSync(join(dir, keyFileName)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, keyFileName), "utf8").trim()).toBe(first.toString("hex"));
  });

  it("when the key file is readable by others, start fails rather than use a leaked key", () => {
    const dir = dataDir();
    resolveMasterKey({ dataDir: dir });
    chmodSync(join(dir, keyFileName), 0o644);

    expect(() => resolveMasterKey({ dataDir: dir })).toThrow(/readable by other users/);
  });

  it("when AUTH_STATE_KEY is given as hex or base64 it is used and no key file is made; other lengths are refused", () => {
    const key = Buffer.alloc(32, 0xab);
    const dir = dataDir();

    expect(resolveMasterKey({ configured: key.toString("hex"), dataDir: dir }).equals(key)).toBe(true);
    expect(parseMasterKey(key.toString("base64")).equals(key)).toBe(true);
    expect(() => statSync(join(dir, keyFileName))).toThrow();
    expect(() => parseMasterKey(Buffer.alloc(31).toString("base64"))).toThrow(/32 bytes/);
  });

  it("when the gateway restarts with a different AUTH_STATE_KEY, loading auth state fails with a clear error and the session is kept", async () => {
    const dir = dataDir();
    const config = { dataDir: dir, mongodbDb: "unused" };
    const first = await openStore(config); // key file
    const { saveCreds } = await first.authState.load("acc");
    await saveCreds();
    await first.close();

    const wrong = await openStore({ ...config, authStateKey: Buffer.alloc(32, 1).toString("hex") });
    await expect(wrong.authState.load("acc")).rejects.toThrow(AuthStateKeyError);
    await expect(wrong.authState.load("acc")).rejects.toThrow(/encrypted with master key [0-9a-f]{8}, but AUTH_STATE_KEY is [0-9a-f]{8}/);
    await wrong.close();

    const again = await openStore(config);
    expect((await again.authState.load("acc")).state.creds.registered).toBe(false);
    expect(await again.authState.exists("acc")).toBe(true);
    await again.close();
  });
});
