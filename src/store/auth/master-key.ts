import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Parses a 32-byte key given as 64 hex digits or base64. */
export function parseMasterKey(raw: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (key.length !== 32) throw new RangeError("an auth state key must be 32 bytes, as 64 hex digits or base64");
  return key;
}

export const keyFileName = "auth-state.key";

/**
 * The master key: `configured` when given, otherwise `${dataDir}/auth-state.key`, created
 * (mode 0600) on first use. Creation goes through a temp file and link(), which fails if the
 * file exists, so two processes starting at once agree on one key and neither reads a
 * half-written file.
 */
export function resolveMasterKey(options: { configured?: string; dataDir: string }): Buffer {
  if (options.configured) return parseMasterKey(options.configured);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const path = join(options.dataDir, keyFileName);
  try {
    return readKeyFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(temp, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(temp, 0o600); // the umask may have narrowed it further; never wider
  try {
    linkSync(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    rmSync(temp, { force: true });
  }
  return readKeyFile(path);
}

function readKeyFile(path: string): Buffer {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`${path} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`);
  }
  return parseMasterKey(readFileSync(path, "utf8").trim());
}
