import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { accountStoreContract } from "./account-store.contract.js";
import { authStateContract } from "./contracts/auth-state.contract.js";
import { eventLogContract } from "./contracts/events.contract.js";
import { apiKeysContract } from "./contracts/api-keys.contract.js";
import { leasesContract } from "./contracts/leases.contract.js";
import { mediaContract } from "./contracts/media.contract.js";
import { messagesContract } from "./contracts/messages.contract.js";
import { webhooksContract } from "./contracts/webhooks.contract.js";
import { groupsContract } from "./contracts/groups.contract.js";
import { sqliteAdapter } from "./harness.js";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "wildcat-sqlite-test-"));
}

accountStoreContract("SQLite", async () => {
  const dir = tempDir();
  const dataDir = join(dir, "data");
  return {
    store: openSqliteStore(dataDir),
    reopen: async () => openSqliteStore(dataDir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

authStateContract("SQLite", sqliteAdapter);
messagesContract("SQLite", sqliteAdapter);
eventLogContract("SQLite", sqliteAdapter);
mediaContract("SQLite", sqliteAdapter);
webhooksContract("SQLite", sqliteAdapter);
groupsContract("SQLite", sqliteAdapter);
leasesContract("SQLite", sqliteAdapter);
apiKeysContract("SQLite", sqliteAdapter);

describe("SQLite store file", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function newDataDir(): string {
    const dir = tempDir();
    dirs.push(dir);
    return join(dir, "nested", "data");
  }

  it("when the data dir is missing, open creates it private to the user, with wildcat.db in WAL mode", async () => {
    const dataDir = newDataDir();

    const store = openSqliteStore(dataDir);
    await store.close();

    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const db = new Database(join(dataDir, "wildcat.db"), { readonly: true });
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("user_version", { simple: true })).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it("when opened again, migrations are not re-applied and the schema version is unchanged", async () => {
    const dataDir = newDataDir();
    await openSqliteStore(dataDir).close();
    const versionAfterFirstOpen = readUserVersion(dataDir);

    await openSqliteStore(dataDir).close();

    expect(readUserVersion(dataDir)).toBe(versionAfterFirstOpen);
  });

  it("when the file was written by a newer build, open refuses rather than guess at the schema", async () => {
    const dataDir = newDataDir();
    await openSqliteStore(dataDir).close();
    const db = new Database(join(dataDir, "wildcat.db"));
    db.pragma(`user_version = ${readUserVersion(dataDir) + 1}`);
    db.close();

    expect(() => openSqliteStore(dataDir)).toThrow(/newer than this build/);
  });
});

function readUserVersion(dataDir: string): number {
  const db = new Database(join(dataDir, "wildcat.db"), { readonly: true });
  try {
    return db.pragma("user_version", { simple: true }) as number;
  } finally {
    db.close();
  }
}
