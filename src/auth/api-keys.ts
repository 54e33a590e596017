import { Code, ConnectError } from "@connectrpc/connect";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { ApiKeyRecord, ApiKeySecretHash, ApiKeyStore } from "../store/api-keys.js";
import { AlreadyExistsError } from "../store/store.js";
import { formatApiKey, hashSecret, newKeyId, newSecret, parseApiKey, secretMatches } from "./key-format.js";
import type { Principal } from "./principal.js";

/** What a key may do and on which accounts, as given to {@link ApiKeys.create}. */
export type ApiKeySpec = Pick<ApiKeyRecord, "name" | "permissions" | "allAccounts" | "accountIds" | "expireTime" | "ratePerSecond">;

/** Why a presented key was refused. Only a caller who knows the secret learns more than "invalid". */
export type AuthFailure = "invalid" | "revoked" | "expired";

interface Entry {
  record: ApiKeyRecord;
  fetchedAt: number;
  principal: Principal;
  abort: AbortController;
  /** Open streams using the key: while any is open, the key is re-read every tick. */
  streams: number;
  lastAccess: number;
  lastUsedWrite: number;
}

export interface ApiKeysOptions {
  /** How long what was read of a key is trusted before it is read again, in ms. */
  cacheMs: number;
}

/** last_used_time is written at most this often per key and process. */
const LAST_USED_EVERY_MS = 60_000;
/** A key unused for this long (and with no open stream) leaves the cache. */
const IDLE_EVICT_MS = 5 * 60_000;

export const BOOTSTRAP_KEY_FILE = "admin.key";

/**
 * API keys: creation, verification (constant-time, against hashes only), revocation and
 * rotation. What a process read of a key is cached and re-read every `cacheMs` by a
 * ticker, so verification costs no store round trip, and a key revoked or expired on any
 * process sharing the store stops working here within `cacheMs`, its open streams ended.
 */
export class ApiKeys {
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<ApiKeyRecord | undefined>>();
  #timer?: NodeJS.Timeout;
  #ticking?: Promise<void>;

  constructor(
    private readonly store: ApiKeyStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: ApiKeysOptions,
  ) {}

  start(): void {
    this.#timer = setInterval(() => {
      this.#ticking ??= this.#tick().finally(() => (this.#ticking = undefined));
    }, this.options.cacheMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#ticking;
  }

  /** The principal for a presented key, or why it was refused. */
  async authenticate(presented: string): Promise<Principal | AuthFailure> {
    const parsed = parseApiKey(presented);
    if (!parsed) return "invalid";
    const now = this.clock.now().getTime();
    const entry = await this.#current(parsed.keyId, now);
    if (!entry) return "invalid";
    const { record } = entry;
    const valid = record.secrets.some((s) => (!s.expireTime || s.expireTime.getTime() > now) && secretMatches(parsed.secret, s.hash));
    if (!valid) return "invalid";
    if (record.revokeTime) return "revoked";
    if (record.expireTime && record.expireTime.getTime() <= now) return "expired";
    entry.lastAccess = now;
    if (now - entry.lastUsedWrite >= LAST_USED_EVERY_MS) {
      entry.lastUsedWrite = now;
      this.store.update(record.keyId, { lastUsedTime: new Date(now) }).catch((e: unknown) => {
        this.logger.warn({ err: e, keyId: record.keyId }, "could not record an API key's last use");
      });
    }
    return entry.principal;
  }

  /**
   * The principal of a key that works now, by its id alone (no secret): for credentials
   * the gateway issued on the key's behalf, such as signed download URLs.
   */
  async active(keyId: string): Promise<Principal | undefined> {
    const now = this.clock.now().getTime();
    const entry = await this.#current(keyId, now);
    if (!entry) return undefined;
    const { record } = entry;
    if (record.revokeTime || (record.expireTime && record.expireTime.getTime() <= now)) return undefined;
    entry.lastAccess = now;
    return entry.principal;
  }

  /** Keeps the key re-read every tick while a stream uses it; call the result when the stream ends. */
  holdForStream(principal: Principal): () => void {
    const entry = this.#entries.get(principal.keyId);
    if (!entry || entry.principal !== principal) return () => {};
    entry.streams++;
    return () => void entry.streams--;
  }

  async create(spec: ApiKeySpec): Promise<{ record: ApiKeyRecord; key: string }> {
    const secret = newSecret();
    for (;;) {
      const keyId = newKeyId();
      try {
        const record = await this.store.create({
          keyId,
          name: spec.name,
          permissions: [...spec.permissions],
          allAccounts: spec.allAccounts,
          accountIds: spec.allAccounts ? [] : [...spec.accountIds],
          expireTime: spec.expireTime,
          ratePerSecond: spec.ratePerSecond,
          secrets: [{ hash: hashSecret(secret) }],
          createTime: this.clock.now(),
        });
        this.logger.info({ keyId, name: spec.name, permissions: spec.permissions }, "API key created");
        return { record, key: formatApiKey(keyId, secret) };
      } catch (e) {
        if (!(e instanceof AlreadyExistsError)) throw e; // 64 random bits collided: draw again
      }
    }
  }

  get(keyId: string): Promise<ApiKeyRecord | undefined> {
    return this.store.get(keyId);
  }

  list(options: { pageSize: number; after?: string }) {
    return this.store.list(options);
  }

  /** Revokes a key here at once (its streams end), and on other processes within `cacheMs`. */
  async revoke(keyId: string): Promise<ApiKeyRecord | undefined> {
    const current = await this.store.get(keyId);
    if (!current) return undefined;
    const record = current.revokeTime ? current : await this.store.update(keyId, { revokeTime: this.clock.now() });
    const entry = this.#entries.get(keyId);
    if (entry) this.#end(entry, "revoked");
    if (record && !current.revokeTime) this.logger.info({ keyId }, "API key revoked");
    return record;
  }

  /** A new secret for the key; the current one keeps working for `graceMs`. */
  async rotate(keyId: string, graceMs: number): Promise<{ record: ApiKeyRecord; key: string } | undefined> {
    const current = await this.store.get(keyId);
    if (!current) return undefined;
    const now = this.clock.now();
    if (current.revokeTime) throw new ConnectError(`API key ${keyId} is revoked; create a new one`, Code.FailedPrecondition);
    if (current.expireTime && current.expireTime <= now) throw new ConnectError(`API key ${keyId} has expired; create a new one`, Code.FailedPrecondition);
    const secret = newSecret();
    const previous = current.secrets[0];
    const secrets: ApiKeySecretHash[] = [{ hash: hashSecret(secret) }];
    if (graceMs > 0) secrets.push({ hash: previous.hash, expireTime: new Date(now.getTime() + graceMs) });
    const record = await this.store.update(keyId, { secrets });
    if (!record) return undefined;
    const entry = this.#entries.get(keyId);
    if (entry) entry.record = record;
    this.logger.info({ keyId, graceMs }, "API key rotated");
    return { record, key: formatApiKey(keyId, secret) };
  }

  /**
   * Installs `key` as an admin key of every account (WILDCAT_ADMIN_KEY): created, or set
   * back to admin with this secret and not revoked. The variable is the truth at each start.
   */
  async install(key: string, name: string): Promise<string> {
    const parsed = parseApiKey(key);
    if (!parsed) throw new Error(`${name}: not an API key`);
    const hash = hashSecret(parsed.secret);
    const existing = await this.store.get(parsed.keyId);
    if (!existing) {
      try {
        await this.store.create({
          keyId: parsed.keyId,
          name,
          permissions: ["admin"],
          allAccounts: true,
          accountIds: [],
          ratePerSecond: 0,
          secrets: [{ hash }],
          createTime: this.clock.now(),
        });
        return parsed.keyId;
      } catch (e) {
        if (!(e instanceof AlreadyExistsError)) throw e; // another process installed it meanwhile
      }
    }
    await this.store.update(parsed.keyId, {
      permissions: ["admin"],
      allAccounts: true,
      accountIds: [],
      secrets: [{ hash }],
      revokeTime: undefined,
      expireTime: undefined,
    });
    return parsed.keyId;
  }

  /**
   * At start: installs the configured admin key, or, when the store has no key at all,
   * the one in `DATA_DIR/admin.key` (made now, mode 0600, if missing). Logs where the key
   * is, never the key.
   */
  async bootstrap(options: { adminKey?: string; adminKeyFile?: string; dataDir: string }): Promise<void> {
    if (options.adminKey || options.adminKeyFile) {
      const key = options.adminKey ?? readKeyFile(options.adminKeyFile!);
      const keyId = await this.install(key, options.adminKey ? "WILDCAT_ADMIN_KEY" : "WILDCAT_ADMIN_KEY_FILE");
      this.logger.info({ keyId }, `admin API key from ${options.adminKey ? "WILDCAT_ADMIN_KEY" : options.adminKeyFile} installed`);
      return;
    }
    const file = join(options.dataDir, BOOTSTRAP_KEY_FILE);
    const { keys } = await this.store.list({ pageSize: 1 });
    if (keys.length > 0) {
      if (existsSync(file)) this.logger.info({ file }, "the first admin API key is in this file (send it as: authorization: Bearer <key>)");
      return;
    }
    let key: string;
    if (existsSync(file)) {
      key = readKeyFile(file);
    } else {
      key = formatApiKey(newKeyId(), newSecret());
      mkdirSync(options.dataDir, { recursive: true });
      writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
    }
    const keyId = await this.install(key, "first admin key");
    this.logger.warn({ file, keyId }, "no API key existed: created an admin API key; it is in this file (send it as: authorization: Bearer <key>)");
  }

  /** What this process knows of a key, read again when the ticker has not kept it fresh. */
  async #current(keyId: string, now: number): Promise<Entry | undefined> {
    const entry = this.#entries.get(keyId);
    if (entry && now - entry.fetchedAt <= 2 * this.options.cacheMs) return entry;
    const record = await this.#load(keyId);
    if (!record) {
      if (entry) this.#end(entry, "revoked");
      return undefined;
    }
    return this.#remember(record, now);
  }

  async #load(keyId: string): Promise<ApiKeyRecord | undefined> {
    let pending = this.#loading.get(keyId);
    if (!pending) {
      pending = this.store.get(keyId).finally(() => this.#loading.delete(keyId));
      this.#loading.set(keyId, pending);
    }
    return pending;
  }

  #remember(record: ApiKeyRecord, now: number): Entry {
    const existing = this.#entries.get(record.keyId);
    if (existing) {
      existing.record = record;
      existing.fetchedAt = now;
      return existing;
    }
    const abort = new AbortController();
    const principal: Principal = {
      keyId: record.keyId,
      name: record.name,
      permissions: new Set(record.permissions),
      scope: record.allAccounts ? "all" : new Set(record.accountIds),
      ratePerSecond: record.ratePerSecond,
      signal: abort.signal,
    };
    const entry: Entry = { record, fetchedAt: now, principal, abort, streams: 0, lastAccess: now, lastUsedWrite: 0 };
    this.#entries.set(record.keyId, entry);
    return entry;
  }

  #end(entry: Entry, why: "revoked" | "expired"): void {
    this.#entries.delete(entry.record.keyId);
    entry.abort.abort(new ConnectError(`the API key was ${why}`, Code.Unauthenticated));
  }

  async #tick(): Promise<void> {
    const now = this.clock.now().getTime();
    for (const entry of [...this.#entries.values()]) {
      if (entry.streams === 0 && now - entry.lastAccess > IDLE_EVICT_MS) {
        this.#entries.delete(entry.record.keyId);
        continue;
      }
      let record: ApiKeyRecord | undefined;
      try {
        record = await this.store.get(entry.record.keyId);
      } catch (e) {
        // An unreachable store revokes nothing: keep what was read, try again next tick.
        this.logger.warn({ err: e, keyId: entry.record.keyId }, "could not re-read an API key");
        continue;
      }
      if (this.#entries.get(entry.record.keyId) !== entry) continue;
      if (!record || record.revokeTime) this.#end(entry, "revoked");
      else if (record.expireTime && record.expireTime.getTime() <= now) this.#end(entry, "expired");
      else this.#remember(record, now);
    }
  }
}

function readKeyFile(path: string): string {
  const key = readFileSync(path, "utf8").trim();
  if (!parseApiKey(key)) throw new Error(`${path} does not hold an API key (wck_<16 hex digits>_<43 base64url characters>)`);
  return key;
}
