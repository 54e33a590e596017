import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import {
  AlreadyExistsError,
  type AccountPage,
  type AccountPatch,
  type AccountRecord,
  type AccountState,
  type AccountStore,
  type DisconnectInfo,
  type DisconnectKind,
  type JidPair,
  type CallPolicy,
  type HistorySyncPolicy,
  type MediaDownloadPolicy,
  type Store,
} from "../store.js";
import { AppendWaiter } from "../append-waiter.js";
import type { AuthWriteFaults } from "../auth-records.js";
import type { AuthCipher } from "../auth/auth-cipher.js";
import { StoreAuthState } from "../auth/store-auth-state.js";
import { SqliteApiKeys } from "./sqlite-api-keys.js";
import { SqliteAuthRecords } from "./sqlite-auth-records.js";
import { SqliteEventLog } from "./sqlite-event-log.js";
import { SqliteLeases } from "./sqlite-leases.js";
import { SqliteMedia } from "./sqlite-media.js";
import { SqliteMessages } from "./sqlite-messages.js";
import { SqliteChats } from "./sqlite-chats.js";
import { SqliteContacts } from "./sqlite-contacts.js";
import { SqliteGroups } from "./sqlite-groups.js";
import { SealedWebhookStore } from "../webhook-secrets.js";
import { SqliteDeliveries, SqliteWebhooks } from "./sqlite-webhooks.js";

/**
 * Schema migrations, applied in order; `PRAGMA user_version` counts how many have run.
 * Never edit or reorder an entry that has shipped: append a new one.
 */
const migrations: readonly string[] = [
  // 1: accounts. Nested values are JSON because nothing queries inside them.
  `CREATE TABLE accounts (
     account_id      TEXT PRIMARY KEY,
     display_name    TEXT NOT NULL,
     state           TEXT NOT NULL,
     own_jid         TEXT,
     last_disconnect TEXT,
     create_time     INTEGER NOT NULL,
     update_time     INTEGER NOT NULL
   ) STRICT`,
  // 2: everything else the gateway keeps (issue 4).
  `CREATE TABLE auth_keys (
     account_id TEXT NOT NULL,
     type       TEXT NOT NULL,
     id         TEXT NOT NULL,
     value      BLOB NOT NULL,
     PRIMARY KEY (account_id, type, id)
   ) STRICT, WITHOUT ROWID;
   CREATE TABLE messages (
     seq         INTEGER PRIMARY KEY,
     account_id  TEXT NOT NULL,
     chat_jid    TEXT NOT NULL,
     message_id  TEXT NOT NULL,
     from_me     INTEGER NOT NULL,
     participant TEXT NOT NULL,
     stored      INTEGER NOT NULL, -- 0: a placeholder for updates that arrived before the message
     timestamp   INTEGER,
     type        TEXT,
     doc         TEXT NOT NULL,
     raw         BLOB,
     UNIQUE (account_id, chat_jid, message_id, from_me, participant)
   ) STRICT;
   CREATE INDEX messages_chat_time ON messages (account_id, chat_jid, timestamp DESC, seq DESC) WHERE stored = 1;
   CREATE INDEX messages_chat_type_time ON messages (account_id, chat_jid, type, timestamp DESC, seq DESC) WHERE stored = 1;
   CREATE INDEX messages_id ON messages (account_id, message_id);
   CREATE TABLE events (
     seq         INTEGER PRIMARY KEY AUTOINCREMENT,
     event_id    TEXT NOT NULL UNIQUE,
     account_id  TEXT NOT NULL,
     type        TEXT NOT NULL,
     chat_jid    TEXT,
     create_time INTEGER NOT NULL,
     payload     BLOB NOT NULL
   ) STRICT;
   CREATE INDEX events_account ON events (account_id, seq);
   CREATE INDEX events_time ON events (create_time);
   CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
   CREATE TABLE media (
     media_id    TEXT PRIMARY KEY,
     account_id  TEXT NOT NULL,
     mime_type   TEXT NOT NULL,
     file_name   TEXT,
     source      TEXT NOT NULL,
     message_id  TEXT,
     create_time INTEGER NOT NULL,
     size_bytes  INTEGER NOT NULL,
     sha256      TEXT NOT NULL
   ) STRICT;
   CREATE TABLE media_uploads (media_id TEXT PRIMARY KEY, temp_path TEXT NOT NULL, start_time INTEGER NOT NULL) STRICT;
   CREATE TABLE webhooks (webhook_id TEXT PRIMARY KEY, doc TEXT NOT NULL) STRICT;
   CREATE TABLE deliveries (
     webhook_id        TEXT NOT NULL,
     event_id          TEXT NOT NULL,
     event_seq         INTEGER NOT NULL,
     event_type        TEXT NOT NULL,
     state             TEXT NOT NULL,
     attempts          INTEGER NOT NULL,
     next_attempt_time INTEGER,
     lease_owner       TEXT,
     lease_expire_time INTEGER NOT NULL DEFAULT 0,
     create_time       INTEGER NOT NULL,
     last              TEXT NOT NULL,
     PRIMARY KEY (webhook_id, event_id)
   ) STRICT;
   CREATE INDEX deliveries_due ON deliveries (state, next_attempt_time);
   CREATE INDEX deliveries_webhook ON deliveries (webhook_id, event_seq DESC);`,
  // 3: listing messages across chats; send request idempotency claims.
  `CREATE INDEX messages_account_time ON messages (account_id, timestamp DESC, seq DESC) WHERE stored = 1;
   CREATE INDEX messages_account_type_time ON messages (account_id, type, timestamp DESC, seq DESC) WHERE stored = 1;
   CREATE TABLE send_requests (
     account_id  TEXT NOT NULL,
     request_id  TEXT NOT NULL,
     chat_jid    TEXT NOT NULL,
     message_id  TEXT NOT NULL,
     create_time INTEGER NOT NULL,
     PRIMARY KEY (account_id, request_id)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX send_requests_time ON send_requests (create_time);`,
  // 4: an account's own policy for downloading received files (JSON; NULL: the server default).
  `ALTER TABLE accounts ADD COLUMN media_download TEXT`,
  // 5: listing an account's media newest first.
  `CREATE INDEX media_account_time ON media (account_id, create_time DESC, media_id DESC);`,
  // 6: claiming one webhook's due deliveries without scanning other endpoints' backlogs.
  `CREATE INDEX deliveries_webhook_due ON deliveries (state, webhook_id, next_attempt_time);`,
  // 7: account ownership leases (issue 13): the newest epoch per account.
  `CREATE TABLE account_leases (
     account_id  TEXT PRIMARY KEY,
     epoch       INTEGER NOT NULL,
     holder      TEXT NOT NULL,
     expire_time INTEGER NOT NULL
   ) STRICT, WITHOUT ROWID;`,
  // 8: API keys (issue 12): hashes of their secrets only; read whole by id.
  `CREATE TABLE api_keys (key_id TEXT PRIMARY KEY, doc TEXT NOT NULL) STRICT;`,
  // 9: an account's own send rate (issue 12; 0: the server default).
  `ALTER TABLE accounts ADD COLUMN send_rate_per_minute INTEGER NOT NULL DEFAULT 0`,
  // 10: an account's call policy (issue 15; JSON; NULL: none).
  `ALTER TABLE accounts ADD COLUMN call_policy TEXT`,
  // 11: an account's own history policy (issue 15; JSON; NULL: the server default).
  `ALTER TABLE accounts ADD COLUMN history_sync TEXT`,
];

/** Options for {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Encrypts auth state and webhook secrets; without it their calls throw. */
  authCipher?: AuthCipher;
  /** How often event-log waiters poll for appends by other processes. Default 250 ms. */
  eventPollMs?: number;
  /** Crash-test fault injection. */
  authWriteFaults?: AuthWriteFaults;
}

/**
 * Opens (creating if needed) the embedded store at `${dataDir}/wildcat.db` and brings its
 * schema up to date. Synchronous: better-sqlite3 does its I/O on the calling thread.
 */
export function openSqliteStore(dataDir: string, options: SqliteStoreOptions = {}): Store {
  // The database holds WhatsApp session material: keep it private to this user.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, "wildcat.db"));
  try {
    db.pragma("journal_mode = WAL");
    // Several processes may share the file (tests, tooling): wait for the write lock.
    db.pragma("busy_timeout = 5000");
    migrate(db);
    const authRecords = new SqliteAuthRecords(db, options.authWriteFaults);
    return {
      accounts: new SqliteAccountStore(db),
      authRecords,
      authState: new StoreAuthState(authRecords, options.authCipher),
      messages: new SqliteMessages(db),
      events: new SqliteEventLog(db, new AppendWaiter(options.eventPollMs ?? 250)),
      media: new SqliteMedia(db, dataDir),
      webhooks: new SealedWebhookStore(new SqliteWebhooks(db), options.authCipher),
      deliveries: new SqliteDeliveries(db),
      chats: new SqliteChats(db),
      contacts: new SqliteContacts(db),
      apiKeys: new SqliteApiKeys(db),
      groups: new SqliteGroups(db),
      leases: new SqliteLeases(db),
      // An embedded file is there as long as the process is.
      ping: async () => {},
      close: async () => void db.close(),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

function migrate(db: Database.Database): void {
  // IMMEDIATE takes the write lock before reading the version, so two processes opening
  // the same file at once cannot both apply a migration.
  db.transaction(() => {
    const current = db.pragma("user_version", { simple: true }) as number;
    if (current > migrations.length) {
      throw new Error(
        `wildcat.db has schema version ${current}, newer than this build knows (${migrations.length}); upgrade Wildcat`,
      );
    }
    for (let version = current; version < migrations.length; version++) {
      db.exec(migrations[version]);
    }
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}

interface AccountRow {
  account_id: string;
  display_name: string;
  state: string;
  own_jid: string | null;
  last_disconnect: string | null;
  media_download: string | null;
  send_rate_per_minute: number;
  call_policy: string | null;
  history_sync: string | null;
  create_time: number;
  update_time: number;
}

/** `DisconnectInfo` as kept in the JSON column: the time as epoch milliseconds. */
interface StoredDisconnect {
  kind: DisconnectKind;
  code: number;
  reason: string;
  time: number;
}

class SqliteAccountStore implements AccountStore {
  readonly #insert: Database.Statement<[AccountRow]>;
  readonly #select: Database.Statement<[string], AccountRow>;
  readonly #firstPage: Database.Statement<[number], AccountRow>;
  readonly #pageAfter: Database.Statement<[string, number], AccountRow>;
  readonly #replace: Database.Statement<[AccountRow]>;
  readonly #delete: (accountId: string) => Database.RunResult;
  readonly #update: (accountId: string, patch: AccountPatch, updateTime: Date) => AccountRecord | undefined;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      `INSERT INTO accounts (account_id, display_name, state, own_jid, last_disconnect, media_download, send_rate_per_minute, call_policy, history_sync, create_time, update_time)
       VALUES (@account_id, @display_name, @state, @own_jid, @last_disconnect, @media_download, @send_rate_per_minute, @call_policy, @history_sync, @create_time, @update_time)`,
    );
    this.#select = db.prepare("SELECT * FROM accounts WHERE account_id = ?");
    this.#firstPage = db.prepare("SELECT * FROM accounts ORDER BY account_id LIMIT ?");
    this.#pageAfter = db.prepare("SELECT * FROM accounts WHERE account_id > ? ORDER BY account_id LIMIT ?");
    this.#replace = db.prepare(
      `UPDATE accounts SET display_name = @display_name, state = @state, own_jid = @own_jid,
         last_disconnect = @last_disconnect, media_download = @media_download,
         send_rate_per_minute = @send_rate_per_minute, call_policy = @call_policy, history_sync = @history_sync,
         update_time = @update_time
       WHERE account_id = @account_id`,
    );
    const deleteAccount = db.prepare("DELETE FROM accounts WHERE account_id = ?");
    const deleteAuth = db.prepare("DELETE FROM auth_keys WHERE account_id = ?");
    // An account's auth state goes with it, in the same transaction.
    this.#delete = db.transaction((accountId: string) => {
      deleteAuth.run(accountId);
      return deleteAccount.run(accountId);
    });
    this.#update = db.transaction((accountId: string, patch: AccountPatch, updateTime: Date) => {
      const row = this.#select.get(accountId);
      if (!row) return undefined;
      const updated = applyPatch(fromRow(row), patch, updateTime);
      this.#replace.run(toRow(updated));
      return updated;
    });
  }

  async create(account: AccountRecord): Promise<AccountRecord> {
    const row = toRow(account);
    try {
      this.#insert.run(row);
    } catch (err) {
      if (err instanceof Database.SqliteError && err.code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
        throw new AlreadyExistsError(`account ${account.accountId}`);
      }
      throw err;
    }
    return fromRow(row);
  }

  async get(accountId: string): Promise<AccountRecord | undefined> {
    const row = this.#select.get(accountId);
    return row && fromRow(row);
  }

  async list({ pageSize, after }: { pageSize: number; after?: string }): Promise<AccountPage> {
    checkPageSize(pageSize);
    // One extra row tells whether another page exists without a COUNT.
    const rows =
      after === undefined ? this.#firstPage.all(pageSize + 1) : this.#pageAfter.all(after, pageSize + 1);
    const accounts = rows.slice(0, pageSize).map(fromRow);
    const nextAfter = rows.length > pageSize ? accounts[pageSize - 1].accountId : undefined;
    return nextAfter === undefined ? { accounts } : { accounts, nextAfter };
  }

  async update(accountId: string, patch: AccountPatch, updateTime: Date): Promise<AccountRecord | undefined> {
    return this.#update(accountId, patch, updateTime);
  }

  async delete(accountId: string): Promise<boolean> {
    return this.#delete(accountId).changes > 0;
  }
}

function checkPageSize(pageSize: number): void {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  }
}

/**
 * Required fields given as undefined are left as they are (there is nothing to clear them
 * to); optional ones are removed.
 */
function applyPatch(record: AccountRecord, patch: AccountPatch, updateTime: Date): AccountRecord {
  const { ownJid, lastDisconnect, mediaDownload, sendRatePerMinute, callPolicy, historySync, ...rest } = record;
  const next: AccountRecord = { ...rest, updateTime };
  if (patch.displayName !== undefined) next.displayName = patch.displayName;
  if (patch.state !== undefined) next.state = patch.state;
  const keepOwnJid = "ownJid" in patch ? patch.ownJid : ownJid;
  const keepDisconnect = "lastDisconnect" in patch ? patch.lastDisconnect : lastDisconnect;
  const keepMediaDownload = "mediaDownload" in patch ? patch.mediaDownload : mediaDownload;
  if (keepOwnJid !== undefined) next.ownJid = keepOwnJid;
  if (keepDisconnect !== undefined) next.lastDisconnect = keepDisconnect;
  if (keepMediaDownload !== undefined) next.mediaDownload = keepMediaDownload;
  const keepSendRate = "sendRatePerMinute" in patch ? patch.sendRatePerMinute : sendRatePerMinute;
  if (keepSendRate) next.sendRatePerMinute = keepSendRate;
  const keepCallPolicy = "callPolicy" in patch ? patch.callPolicy : callPolicy;
  if (keepCallPolicy !== undefined) next.callPolicy = keepCallPolicy;
  const keepHistorySync = "historySync" in patch ? patch.historySync : historySync;
  if (keepHistorySync !== undefined) next.historySync = keepHistorySync;
  return next;
}

function toRow(account: AccountRecord): AccountRow {
  const { ownJid, lastDisconnect, mediaDownload } = account;
  const disconnect: StoredDisconnect | undefined = lastDisconnect && {
    kind: lastDisconnect.kind,
    code: lastDisconnect.code,
    reason: lastDisconnect.reason,
    time: lastDisconnect.time.getTime(),
  };
  return {
    account_id: account.accountId,
    display_name: account.displayName,
    state: account.state,
    own_jid: ownJid ? JSON.stringify({ pn: ownJid.pn, lid: ownJid.lid }) : null,
    last_disconnect: disconnect ? JSON.stringify(disconnect) : null,
    media_download: mediaDownload
      ? JSON.stringify({ mode: mediaDownload.mode, types: mediaDownload.types, maxBytes: mediaDownload.maxBytes })
      : null,
    send_rate_per_minute: account.sendRatePerMinute ?? 0,
    call_policy: account.callPolicy ? JSON.stringify({ autoReject: account.callPolicy.autoReject, replyText: account.callPolicy.replyText }) : null,
    history_sync: account.historySync ? JSON.stringify({ mode: account.historySync.mode, recentDays: account.historySync.recentDays }) : null,
    create_time: account.createTime.getTime(),
    update_time: account.updateTime.getTime(),
  };
}

function fromRow(row: AccountRow): AccountRecord {
  const record: AccountRecord = {
    accountId: row.account_id,
    displayName: row.display_name,
    state: row.state as AccountState,
    createTime: new Date(row.create_time),
    updateTime: new Date(row.update_time),
  };
  if (row.own_jid !== null) record.ownJid = JSON.parse(row.own_jid) as JidPair;
  if (row.last_disconnect !== null) {
    const stored = JSON.parse(row.last_disconnect) as StoredDisconnect;
    const info: DisconnectInfo = { kind: stored.kind, code: stored.code, reason: stored.reason, time: new Date(stored.time) };
    record.lastDisconnect = info;
  }
  if (row.media_download !== null) record.mediaDownload = JSON.parse(row.media_download) as MediaDownloadPolicy;
  if (row.send_rate_per_minute) record.sendRatePerMinute = row.send_rate_per_minute;
  if (row.call_policy !== null) record.callPolicy = JSON.parse(row.call_policy) as CallPolicy;
  if (row.history_sync !== null) record.historySync = JSON.parse(row.history_sync) as HistorySyncPolicy;
  return record;
}
