import { AuthCipher } from "../../../src/store/auth/auth-cipher.js";
import type { AuthWriteFaults } from "../../../src/store/auth-records.js";
import { openMongoStore } from "../../../src/store/mongo/mongo-store.js";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../../src/store/store.js";

/**
 * Opens the store a child process was pointed at through its environment:
 * `STORE=sqlite DATA_DIR=…` or `STORE=mongo MONGODB_URI=… MONGODB_DB=…`. The auth key is the
 * one the test harness uses.
 */
export async function openChildStore(extra: { authWriteFaults?: AuthWriteFaults; authApplyChunkSize?: number; mediaChunkSizeBytes?: number } = {}): Promise<Store> {
  const authCipher = new AuthCipher(Buffer.alloc(32, 7));
  const env = process.env;
  if (env.STORE === "sqlite") return openSqliteStore(env.DATA_DIR!, { authCipher, authWriteFaults: extra.authWriteFaults });
  if (env.STORE === "mongo") {
    return openMongoStore(env.MONGODB_URI!, env.MONGODB_DB!, {
      authCipher,
      authWriteFaults: extra.authWriteFaults,
      authApplyChunkSize: extra.authApplyChunkSize,
      mediaChunkSizeBytes: extra.mediaChunkSizeBytes,
    });
  }
  throw new Error(`STORE must be sqlite or mongo, got ${env.STORE}`);
}
