import { openMongoStore } from "./mongo/mongo-store.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";
import type { Store } from "./store.js";

/**
 * Opens the configured store: MongoDB when `mongodbUri` is set (non-empty), otherwise the
 * embedded SQLite database in `dataDir`.
 */
export async function openStore(config: { dataDir: string; mongodbUri?: string; mongodbDb: string }): Promise<Store> {
  if (config.mongodbUri) return openMongoStore(config.mongodbUri, config.mongodbDb);
  return openSqliteStore(config.dataDir);
}
