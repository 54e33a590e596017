import type Database from "better-sqlite3";
import { applyApiKeyPatch, type ApiKeyPatch, type ApiKeyRecord, type ApiKeyStore } from "../api-keys.js";
import { fromJson, toJson } from "../json-dates.js";
import { AlreadyExistsError } from "../store.js";

/** API keys are read whole by id: one JSON column. */
export class SqliteApiKeys implements ApiKeyStore {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  async create(key: ApiKeyRecord): Promise<ApiKeyRecord> {
    try {
      this.#db.prepare("INSERT INTO api_keys (key_id, doc) VALUES (?, ?)").run(key.keyId, toJson(key));
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") throw new AlreadyExistsError(`API key ${key.keyId}`);
      throw err;
    }
    return fromJson<ApiKeyRecord>(toJson(key));
  }

  async get(keyId: string): Promise<ApiKeyRecord | undefined> {
    const row = this.#db.prepare<[string], { doc: string }>("SELECT doc FROM api_keys WHERE key_id = ?").get(keyId);
    return row && fromJson<ApiKeyRecord>(row.doc);
  }

  async list({ pageSize, after }: { pageSize: number; after?: string }) {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
    const rows = this.#db
      .prepare<[string, number], { doc: string }>("SELECT doc FROM api_keys WHERE key_id > ? ORDER BY key_id LIMIT ?")
      .all(after ?? "", pageSize + 1);
    const keys = rows.slice(0, pageSize).map((r) => fromJson<ApiKeyRecord>(r.doc));
    return rows.length > pageSize ? { keys, nextAfter: keys[pageSize - 1].keyId } : { keys };
  }

  async update(keyId: string, patch: ApiKeyPatch): Promise<ApiKeyRecord | undefined> {
    return this.#db.transaction(() => {
      const row = this.#db.prepare<[string], { doc: string }>("SELECT doc FROM api_keys WHERE key_id = ?").get(keyId);
      if (!row) return undefined;
      const next = applyApiKeyPatch(fromJson<ApiKeyRecord>(row.doc), patch);
      this.#db.prepare("UPDATE api_keys SET doc = ? WHERE key_id = ?").run(toJson(next), keyId);
      return next;
    })();
  }
}
