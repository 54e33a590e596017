import { AuthCipher } from "./auth/auth-cipher.js";
import { parseMasterKey, resolveMasterKey } from "./auth/master-key.js";
import { openMongoStore } from "./mongo/mongo-store.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";
import type { Store } from "./store.js";
import type { Logger } from "../logger.js";
import { isStoreUnavailable } from "./store-errors.js";

export interface OpenStoreConfig {
  dataDir: string;
  mongodbUri?: string;
  mongodbDb: string;
  /** Master key for auth state; when unset, `${dataDir}/auth-state.key` (created 0600). */
  authStateKey?: string;
  /** Former master keys, still accepted for reading until `authState.rotate` has run. */
  authStatePreviousKeys?: string[];
  /** MongoDB: how long an operation waits for an unreachable server (STORE_TIMEOUT_MS). */
  storeTimeoutMs?: number;
  /** How often a waiting event reader polls for other processes' appends (EVENT_POLL_MS). */
  eventPollMs?: number;
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
  if (config.mongodbUri) return openMongoStore(config.mongodbUri, config.mongodbDb, { authCipher, serverSelectionTimeoutMS: config.storeTimeoutMs, eventPollMs: config.eventPollMs });
  return openSqliteStore(config.dataDir, { authCipher, eventPollMs: config.eventPollMs });
}

/**
 * {@link openStore}, retried every `retryMs` while the store cannot be reached (a gateway
 * started during a database outage waits for it rather than exit and be restarted in a
 * loop). Any other failure (a bad URI, a wrong master key) is thrown at once.
 */
export async function openStoreWhenReachable(config: OpenStoreConfig, authCipher: AuthCipher, logger: Logger, retryMs: number): Promise<Store> {
  for (let attempt = 1; ; attempt++) {
    try {
      const store = await openStore(config, authCipher);
      if (attempt > 1) logger.warn({ attempts: attempt }, "the store is reachable: starting");
      return store;
    } catch (e) {
      if (!isStoreUnavailable(e)) throw e;
      logger.error({ err: (e as Error).message, attempt, retryInMs: retryMs }, "the store is unreachable at start: waiting for it");
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
}
