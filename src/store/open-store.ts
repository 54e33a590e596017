import { AuthCipher } from "./auth/auth-cipher.js";
import { parseMasterKey, resolveMasterKey } from "./auth/master-key.js";
import { openMongoStore } from "./mongo/mongo-store.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";
import type { Store } from "./store.js";

export interface OpenStoreConfig {
  dataDir: string;
  mongodbUri?: string;
  mongodbDb: string;
  /** Master key for auth state; when unset, `${dataDir}/auth-state.key` (created 0600). */
  authStateKey?: string;
  /** Former master keys, still accepted for reading until `authState.rotate` has run. */
  authStatePreviousKeys?: string[];
}

/**
 * The cipher of auth state (and of other secrets at rest), from AUTH_STATE_KEY or the key file.
 * With MongoDB and several gateway processes, every process must be given the same
 * AUTH_STATE_KEY; the key file is a single-host convenience.
 */
export function openAuthCipher(config: OpenStoreConfig): AuthCipher {
  return new AuthCipher(
    resolveMasterKey({ configured: config.authStateKey, dataDir: config.dataDir }),
    (config.authStatePreviousKeys ?? []).map(parseMasterKey),
  );
}

/**
 * Opens the configured store: MongoDB when `mongodbUri` is set (non-empty), otherwise the
 * embedded SQLite database in `dataDir`.
 */
export async function openStore(config: OpenStoreConfig, authCipher = openAuthCipher(config)): Promise<Store> {
  if (config.mongodbUri) return openMongoStore(config.mongodbUri, config.mongodbDb, { authCipher });
  return openSqliteStore(config.dataDir, { authCipher });
}
