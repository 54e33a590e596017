import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { MongoClient } from "mongodb";
import { afterEach, beforeEach } from "vitest";
import { AuthCipher } from "../../src/store/auth/auth-cipher.js";
import { openMongoStore } from "../../src/store/mongo/mongo-store.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { uniqueDbName } from "../support/ferretdb.js";

/** What the contracts may vary between two opens of one adapter's storage. */
export interface AdapterOptions {
  authCipher?: AuthCipher;
}

/** One adapter's fresh, empty storage location. */
export interface Adapter {
  /** Opens a Store on this location (every call the same file or database). */
  open(options?: AdapterOptions): Promise<Store>;
  /** Anything an unfinished or aborted media upload could have left behind. */
  mediaLeftovers(): Promise<number>;
  /** Media content units in storage: GridFS chunk documents, or files in the media directory. */
  mediaFootprint(): Promise<number>;
  /** Environment that points a child process's `openChildStore` at this location. */
  childEnv: Record<string, string>;
  /** Removes the location; every store is closed by then. */
  cleanup(): Promise<void>;
}

export type AdapterFactory = () => Promise<Adapter>;

export const testKey = Buffer.alloc(32, 7);
export const testCipher = new AuthCipher(testKey);

export const sqliteAdapter: AdapterFactory = async () => {
  const dir = mkdtempSync(join(tmpdir(), "wildcat-store-test-"));
  const dataDir = join(dir, "data");
  return {
    open: async (options = {}) => openSqliteStore(dataDir, { authCipher: testCipher, eventPollMs: 20, ...options }),
    childEnv: { STORE: "sqlite", DATA_DIR: dataDir },
    async mediaFootprint() {
      const mediaDir = join(dataDir, "media");
      return readdirSync(join(mediaDir, "tmp")).length + readdirSync(mediaDir).filter((f) => f !== "tmp").length;
    },
    async mediaLeftovers() {
      const mediaDir = join(dataDir, "media");
      const temps = readdirSync(join(mediaDir, "tmp")).length;
      const files = readdirSync(mediaDir).filter((f) => f !== "tmp");
      const db = new Database(join(dataDir, "wildcat.db"), { readonly: true });
      try {
        const rows = (db.prepare("SELECT count(*) AS n FROM media").get() as { n: number }).n;
        const markers = (db.prepare("SELECT count(*) AS n FROM media_uploads").get() as { n: number }).n;
        return temps + files.length - rows + markers;
      } finally {
        db.close();
      }
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
};

export function mongoAdapter(uri: string, extra: { mediaChunkSizeBytes?: number } = {}): AdapterFactory {
  return async () => {
    const dbName = uniqueDbName("store");
    const client = new MongoClient(uri);
    return {
      open: (options = {}) =>
        openMongoStore(uri, dbName, {
          authCipher: testCipher,
          eventPollMs: 20,
          mediaChunkSizeBytes: extra.mediaChunkSizeBytes ?? 64 * 1024,
          ...options,
        }),
      childEnv: { STORE: "mongo", MONGODB_URI: uri, MONGODB_DB: dbName },
      mediaFootprint: () => client.db(dbName).collection("media.chunks").countDocuments({}),
      async mediaLeftovers() {
        const db = client.db(dbName);
        return (
          (await db.collection("media.chunks").countDocuments({
            files_id: { $nin: await db.collection("media.files").distinct("_id", { "metadata.complete": true }) },
          })) +
          (await db.collection("media.files").countDocuments({ "metadata.complete": { $ne: true } })) +
          (await db.collection("media_uploads").countDocuments({}))
        );
      },
      async cleanup() {
        try {
          await client.db(dbName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  };
}

/**
 * Per test: a fresh adapter and a store on it; `open()` opens more stores on the same
 * location, all closed after the test.
 */
export function useAdapter(factory: AdapterFactory) {
  const ctx = {} as { adapter: Adapter; store: Store; open: (options?: AdapterOptions) => Promise<Store> };
  const opened: Store[] = [];
  beforeEach(async () => {
    ctx.adapter = await factory();
    ctx.open = async (options?: AdapterOptions) => {
      const store = await ctx.adapter.open(options);
      opened.push(store);
      return store;
    };
    ctx.store = await ctx.open();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close().catch(() => {});
    await ctx.adapter.cleanup();
  });
  return ctx;
}

/** A promise with its resolve/reject handles, for tests that wait on an event. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
