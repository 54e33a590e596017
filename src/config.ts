import { resolve } from "node:path";
import type { MessageType } from "./store/messages.js";
import { API_KEY_PATTERN } from "./auth/key-format.js";
import { AddressGuard } from "./webhooks/address-guard.js";

/** Everything the gateway reads from the environment, validated once at start. */
export interface Config {
  /** TCP port for every protocol; 0 picks a free one. */
  port: number;
  /** Interface to listen on. */
  host: string;
  /** Directory of the embedded store (and key files). */
  dataDir: string;
  /** When set, MongoDB is the store instead of the embedded SQLite. */
  mongodbUri?: string;
  mongodbDb: string;
  /** How long a store operation waits for an unreachable MongoDB before failing (server selection, connect), in ms. */
  storeTimeoutMs: number;
  /** How often the store is pinged to tell whether it is reachable (health), in ms; also the retry interval at start. */
  storeCheckMs: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Pretty, human-readable logs instead of JSON lines (development only). */
  logPretty: boolean;
  /** Browser origins allowed by CORS; ["*"] allows any. Empty disables CORS. */
  corsOrigins: string[];
  /** Master key for auth state encryption at rest (base64 or hex, 32 bytes). */
  authStateKey?: string;
  /** Former master keys, still accepted for reading after a rotation. */
  authStatePreviousKeys: string[];
  /** Largest request message accepted, in bytes. */
  maxRequestBytes: number;
  /** Upper bound on any call's deadline, in milliseconds; 0 means no bound. */
  maxTimeoutMs: number;
  /** How long a graceful shutdown may take before connections are cut, in ms. */
  shutdownTimeoutMs: number;
  /** Streams one HTTP/2 connection may have open at once; one more is refused (RST_STREAM REFUSED_STREAM). */
  http2MaxConcurrentStreams: number;
  /** A new connection must send its first request's headers within this, in ms (slowloris). */
  httpHeadersTimeoutMs: number;
  /** A request's body must be complete within this, in ms, unless it keeps arriving at the minimum rate below. */
  requestBodyTimeoutMs: number;
  /** After the body timeout, a body still arriving must average at least this many bytes per second since it began; 0: no allowance. */
  requestBodyMinBytesPerSecond: number;
  /** First reconnect delay after a transient WhatsApp disconnect, in ms (doubles, with jitter). */
  reconnectBaseMs: number;
  /** Largest reconnect delay, in ms. */
  reconnectMaxMs: number;
  /** Reconnect attempts in a row before giving up (state DISCONNECTED); 0 means never give up. */
  reconnectMaxAttempts: number;
  /** Accounts connecting at once while restoring after a restart. */
  restoreConcurrency: number;
  /** Updates a WatchAccount client may fall behind before its stream ends with resource_exhausted. */
  watchBuffer: number;
  /** Events older than this many hours leave the event log; 0 keeps them whatever their age. */
  eventRetentionHours: number;
  /** At most this many newest events are kept; 0 means no count bound. */
  eventRetentionMaxEvents: number;
  /** How often the event log is pruned, in ms. */
  eventPruneIntervalMs: number;
  /** Events queued per StreamMessages subscriber; when it is full the log reader waits for the subscriber. */
  streamBuffer: number;
  /** A subscriber that takes nothing from its full queue for this long is ended with resource_exhausted, in ms. */
  streamStallMs: number;
  /** Compress MessageService responses (StreamMessages events) when the client accepts it. */
  streamCompression: boolean;
  /** How often an HTTP/2 connection with open streams is pinged, so idle streams survive proxies; 0 never. */
  streamKeepaliveMs: number;
  /** How long a SendMessage request_id is remembered (a repeat within it sends nothing), in hours. */
  requestIdRetentionHours: number;
  /** Largest stored file (uploaded or received), in bytes; one byte more fails with resource_exhausted. */
  mediaMaxBytes: number;
  /** Largest profile picture, in bytes: SetProfilePicture's image, and a contact's picture fetched into the media store. */
  profilePictureMaxBytes: number;
  /** A resumable upload with no append for this long expires and its bytes are removed, in ms. */
  mediaUploadTtlMs: number;
  /** Resumable uploads open at once in this process; one more StartUpload fails with resource_exhausted. */
  mediaUploadMaxOpen: number;
  /** Which files of received messages are downloaded into the media store by default: all or none. */
  mediaDownload: "all" | "none";
  /** Only these kinds are downloaded by default (image, video, audio, voice_note, document, sticker); empty: all. */
  mediaDownloadTypes: MessageType[];
  /** Received files larger than this are not downloaded by default, in bytes; 0: the media size limit. */
  mediaDownloadMaxBytes: number;
  /** Downloads of received files running at once. */
  mediaDownloadConcurrency: number;
  /** Attempts per received file before giving up. */
  mediaDownloadAttempts: number;
  /** At each connect, files still missing from messages received within this many hours are fetched again; 0: never. */
  mediaDownloadResumeHours: number;
  /** Host names, IPs and CIDRs webhooks may reach although they are not public (development, tests). */
  webhookAllowHosts: string[];
  /** One webhook request may take this long (connect, headers, body), in ms. */
  webhookTimeoutMs: number;
  /** Delays before the 2nd, 3rd, … attempt of a delivery, in ms (each ±20% jitter); after the last, it fails. */
  webhookRetrySchedule: number[];
  /** An endpoint failing every delivery for this long is disabled, in hours (fractions allowed); 0 never. */
  webhookDisableAfterHours: number;
  /** Requests in flight to one endpoint at once, per gateway process. */
  webhookEndpointConcurrency: number;
  /** Requests in flight to all endpoints at once, per gateway process. */
  webhookWorkers: number;
  /** How long a process holds a delivery it attempts; after a crash others retry it once this passes, in ms. */
  webhookLeaseMs: number;
  /** How often the dispatcher looks for deliveries due (retries, other processes' work), in ms. */
  webhookPollMs: number;
  /** An admin API key installed at every start (deployments); unset: the key file below, or DATA_DIR/admin.key. */
  adminKey?: string;
  /** A file holding the admin API key to install at every start (e.g. a mounted secret). */
  adminKeyFile?: string;
  /** How long a process trusts what it read of an API key before reading it again, in ms: revocation elsewhere takes at most this long here. */
  apiKeyCacheMs: number;
  /** Requests per second an API key may make on one process (bursts of as many) unless the key sets its own rate. */
  apiKeyRatePerSecond: number;
  /** Failed authentications from one address within the window after which each further one is answered more slowly. */
  authFailureSlowAfter: number;
  /** Failed authentications from one address within the window after which it is refused (resource_exhausted) until the window ends. */
  authFailureLimit: number;
  /** The window failed authentications are counted in, in ms. */
  authFailureWindowMs: number;
  /** SendMessage calls an account accepts per minute on one process (bursts of as many) unless the account sets its own. */
  sendRatePerMinute: number;
  /** Which history accounts store by default (Account.history_sync unset). */
  historySync: "none" | "recent" | "all";
  /** With HISTORY_SYNC=recent (or an account's RECENT with recent_days 0): the window in days. */
  historySyncRecentDays: number;
  /** Sandbox mode only: a standalone simulator (`npm run sim`) to use instead of an in-process one. */
  simulatorUrl?: string;
  /**
   * The URL other gateway processes reach this one at (same contract, same port). Setting it turns
   * on cluster mode (MongoDB only): accounts are owned through leases and calls forwarded to owners.
   */
  advertiseUrl?: string;
  /** Cluster mode: an account's owner that stops renewing loses it after this long, in ms. */
  accountLeaseTtlMs: number;
  /** Cluster mode: accounts this process owns at most; one more stays with other processes (or unowned). */
  maxAccountsPerProcess: number;
  /** How often a waiting event reader looks for events other processes appended, in ms. */
  eventPollMs: number;
}

/** One documented environment variable. Keep README's table in step with this list. */
interface Key<T> {
  name: string;
  parse: (raw: string) => T;
  default: T;
  /** Never echo the value in errors or logs. */
  secret?: boolean;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

function integer(min: number, max: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw)) throw new Error(`must be a whole number from ${min} to ${max}`);
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`must be from ${min} to ${max}`);
    return n;
  };
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string): T => {
    if (!(values as readonly string[]).includes(raw)) throw new Error(`must be one of ${values.join(", ")}`);
    return raw as T;
  };
}

function boolean(raw: string): boolean {
  if (["1", "true", "yes"].includes(raw)) return true;
  if (["0", "false", "no"].includes(raw)) return false;
  throw new Error("must be true or false");
}

function mongoUri(raw: string): string {
  if (!/^mongodb(\+srv)?:\/\//.test(raw)) throw new Error("must start with mongodb:// or mongodb+srv://");
  return raw;
}

function origins(raw: string): string[] {
  const list = raw.split(",").map((s) => s.trim()).filter(Boolean);
  for (const o of list) {
    if (o !== "*" && !/^https?:\/\/[^/\s]+$/.test(o)) {
      throw new Error(`"${o}" is not an origin like https://app.example.com (or *)`);
    }
  }
  return list;
}

function apiKey(raw: string): string {
  if (!API_KEY_PATTERN.test(raw)) throw new Error("must be an API key: wck_<16 hex digits>_<43 base64url characters>");
  return raw;
}

function key32(raw: string): string {
  const bytes = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (bytes.length !== 32) throw new Error("must be 32 bytes, as 64 hex digits or base64");
  return raw;
}

const text = (raw: string) => raw;

function httpUrl(raw: string): string {
  if (!/^https?:\/\/[^\s]+$/.test(raw)) throw new Error("must be an http(s) URL");
  return raw.replace(/\/+$/, "");
}

const MEDIA_KINDS = ["image", "video", "audio", "voice_note", "document", "sticker"] as const;

function mediaKinds(raw: string): MessageType[] {
  const kinds = raw.split(",").map((k) => k.trim()).filter(Boolean);
  for (const k of kinds) if (!(MEDIA_KINDS as readonly string[]).includes(k)) throw new Error(`"${k}" is not one of ${MEDIA_KINDS.join(", ")}`);
  return kinds as MessageType[];
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "5s,5m,30m,2h": durations with a unit (ms, s, m, h, d), at least one, each at most 7 days. */
function durations(raw: string): number[] {
  const list = raw.split(",").map((d) => d.trim()).filter(Boolean);
  if (list.length === 0) throw new Error("must list at least one duration");
  if (list.length > 100) throw new Error("must list at most 100 durations");
  return list.map((d) => {
    const m = /^(\d+)(ms|s|m|h|d)$/.exec(d);
    if (!m) throw new Error(`"${d}" is not a duration like 500ms, 5s, 5m, 2h or 1d`);
    const ms = Number(m[1]) * DURATION_UNITS[m[2]];
    if (ms > 7 * DURATION_UNITS.d) throw new Error(`"${d}" is longer than 7 days`);
    return ms;
  });
}

function hours(raw: string): number {
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new Error("must be a number of hours, like 120 or 0.5");
  const n = Number(raw);
  if (n > 24 * 365) throw new Error("must be at most 8760 (a year)");
  return n;
}

/** About three days of retries: 10 attempts in all. */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = "5s,5m,30m,2h,5h,10h,14h,20h,20h";

/** The documented keys, in README order. */
export const CONFIG_KEYS = {
  port: { name: "PORT", parse: integer(0, 65535), default: 8080 },
  host: { name: "HOST", parse: text, default: "0.0.0.0" },
  dataDir: { name: "DATA_DIR", parse: (raw: string) => resolve(raw), default: resolve("data") },
  mongodbUri: { name: "MONGODB_URI", parse: mongoUri, default: undefined, secret: true },
  mongodbDb: { name: "MONGODB_DB", parse: text, default: "wildcat" },
  storeTimeoutMs: { name: "STORE_TIMEOUT_MS", parse: integer(100, 120_000), default: 5_000 },
  storeCheckMs: { name: "STORE_CHECK_MS", parse: integer(100, 600_000), default: 1_000 },
  logLevel: { name: "LOG_LEVEL", parse: oneOf(LOG_LEVELS), default: "info" },
  logPretty: { name: "LOG_PRETTY", parse: boolean, default: false },
  corsOrigins: { name: "CORS_ORIGINS", parse: origins, default: [] },
  authStateKey: { name: "AUTH_STATE_KEY", parse: key32, default: undefined, secret: true },
  authStatePreviousKeys: { name: "AUTH_STATE_PREVIOUS_KEYS", parse: (raw: string) => raw.split(",").map((k) => key32(k.trim())), default: [], secret: true },
  maxRequestBytes: { name: "MAX_REQUEST_BYTES", parse: integer(1024, 256 * 1024 * 1024), default: 4 * 1024 * 1024 },
  maxTimeoutMs: { name: "MAX_TIMEOUT_MS", parse: integer(0, 24 * 3600 * 1000), default: 5 * 60 * 1000 },
  shutdownTimeoutMs: { name: "SHUTDOWN_TIMEOUT_MS", parse: integer(0, 60_000), default: 8_000 },
  http2MaxConcurrentStreams: { name: "HTTP2_MAX_CONCURRENT_STREAMS", parse: integer(1, 1_000_000), default: 250 },
  httpHeadersTimeoutMs: { name: "HTTP_HEADERS_TIMEOUT_MS", parse: integer(100, 600_000), default: 10_000 },
  requestBodyTimeoutMs: { name: "REQUEST_BODY_TIMEOUT_MS", parse: integer(100, 3_600_000), default: 10_000 },
  requestBodyMinBytesPerSecond: { name: "REQUEST_BODY_MIN_BYTES_PER_SECOND", parse: integer(0, 1_000_000_000), default: 1024 },
  reconnectBaseMs: { name: "RECONNECT_BASE_MS", parse: integer(1, 600_000), default: 1_000 },
  reconnectMaxMs: { name: "RECONNECT_MAX_MS", parse: integer(1, 3_600_000), default: 60_000 },
  reconnectMaxAttempts: { name: "RECONNECT_MAX_ATTEMPTS", parse: integer(0, 1_000_000), default: 0 },
  restoreConcurrency: { name: "RESTORE_CONCURRENCY", parse: integer(1, 1_000), default: 4 },
  watchBuffer: { name: "WATCH_BUFFER", parse: integer(1, 100_000), default: 64 },
  eventRetentionHours: { name: "EVENT_RETENTION_HOURS", parse: integer(0, 24 * 3650), default: 720 },
  eventRetentionMaxEvents: { name: "EVENT_RETENTION_MAX_EVENTS", parse: integer(0, 1_000_000_000), default: 1_000_000 },
  eventPruneIntervalMs: { name: "EVENT_PRUNE_INTERVAL_MS", parse: integer(1_000, 24 * 3600 * 1000), default: 600_000 },
  streamBuffer: { name: "STREAM_BUFFER", parse: integer(1, 1_000_000), default: 1024 },
  streamStallMs: { name: "STREAM_STALL_MS", parse: integer(100, 3_600_000), default: 30_000 },
  streamCompression: { name: "STREAM_COMPRESSION", parse: boolean, default: false },
  streamKeepaliveMs: { name: "STREAM_KEEPALIVE_MS", parse: integer(0, 3_600_000), default: 30_000 },
  requestIdRetentionHours: { name: "REQUEST_ID_RETENTION_HOURS", parse: integer(1, 24 * 3650), default: 24 },
  mediaMaxBytes: { name: "MEDIA_MAX_BYTES", parse: integer(1, 16 * 1024 ** 3), default: 64 * 1024 * 1024 },
  profilePictureMaxBytes: { name: "PROFILE_PICTURE_MAX_BYTES", parse: integer(1, 64 * 1024 ** 2), default: 5 * 1024 * 1024 },
  mediaUploadTtlMs: { name: "MEDIA_UPLOAD_TTL_MS", parse: integer(1_000, 7 * 24 * 3600 * 1000), default: 3600_000 },
  mediaUploadMaxOpen: { name: "MEDIA_UPLOAD_MAX_OPEN", parse: integer(1, 100_000), default: 100 },
  mediaDownload: { name: "MEDIA_DOWNLOAD", parse: oneOf(["all", "none"] as const), default: "all" },
  mediaDownloadTypes: { name: "MEDIA_DOWNLOAD_TYPES", parse: mediaKinds, default: [] },
  mediaDownloadMaxBytes: { name: "MEDIA_DOWNLOAD_MAX_BYTES", parse: integer(0, 4 * 1024 ** 3), default: 0 },
  mediaDownloadConcurrency: { name: "MEDIA_DOWNLOAD_CONCURRENCY", parse: integer(1, 256), default: 4 },
  mediaDownloadAttempts: { name: "MEDIA_DOWNLOAD_ATTEMPTS", parse: integer(1, 100), default: 5 },
  mediaDownloadResumeHours: { name: "MEDIA_DOWNLOAD_RESUME_HOURS", parse: integer(0, 24 * 30), default: 72 },
  webhookAllowHosts: { name: "WEBHOOK_ALLOW_HOSTS", parse: (raw: string) => AddressGuard.parseAllowList(raw), default: [] },
  webhookTimeoutMs: { name: "WEBHOOK_TIMEOUT_MS", parse: integer(100, 300_000), default: 15_000 },
  webhookRetrySchedule: { name: "WEBHOOK_RETRY_SCHEDULE", parse: durations, default: durations(DEFAULT_WEBHOOK_RETRY_SCHEDULE) },
  webhookDisableAfterHours: { name: "WEBHOOK_DISABLE_AFTER_HOURS", parse: hours, default: 120 },
  webhookEndpointConcurrency: { name: "WEBHOOK_ENDPOINT_CONCURRENCY", parse: integer(1, 1_000), default: 4 },
  webhookWorkers: { name: "WEBHOOK_WORKERS", parse: integer(1, 10_000), default: 32 },
  webhookLeaseMs: { name: "WEBHOOK_LEASE_MS", parse: integer(1_000, 3_600_000), default: 60_000 },
  webhookPollMs: { name: "WEBHOOK_POLL_MS", parse: integer(10, 60_000), default: 1_000 },
  adminKey: { name: "WILDCAT_ADMIN_KEY", parse: apiKey, default: undefined, secret: true },
  adminKeyFile: { name: "WILDCAT_ADMIN_KEY_FILE", parse: (raw: string) => resolve(raw), default: undefined },
  apiKeyCacheMs: { name: "API_KEY_CACHE_MS", parse: integer(100, 60_000), default: 1_000 },
  apiKeyRatePerSecond: { name: "API_KEY_RATE_PER_SECOND", parse: integer(1, 100_000), default: 100 },
  authFailureSlowAfter: { name: "AUTH_FAILURE_SLOW_AFTER", parse: integer(0, 1_000_000), default: 5 },
  authFailureLimit: { name: "AUTH_FAILURE_LIMIT", parse: integer(1, 1_000_000), default: 30 },
  authFailureWindowMs: { name: "AUTH_FAILURE_WINDOW_MS", parse: integer(1_000, 24 * 3600 * 1000), default: 60_000 },
  sendRatePerMinute: { name: "SEND_RATE_PER_MINUTE", parse: integer(1, 100_000), default: 60 },
  historySync: { name: "HISTORY_SYNC", parse: oneOf(["none", "recent", "all"] as const), default: "recent" },
  historySyncRecentDays: { name: "HISTORY_SYNC_RECENT_DAYS", parse: integer(1, 3650), default: 90 },
  simulatorUrl: { name: "SIMULATOR_URL", parse: httpUrl, default: undefined },
  advertiseUrl: { name: "ADVERTISE_URL", parse: httpUrl, default: undefined },
  accountLeaseTtlMs: { name: "ACCOUNT_LEASE_TTL_MS", parse: integer(1_000, 600_000), default: 15_000 },
  maxAccountsPerProcess: { name: "MAX_ACCOUNTS_PER_PROCESS", parse: integer(1, 1_000_000), default: 10_000 },
  eventPollMs: { name: "EVENT_POLL_MS", parse: integer(10, 60_000), default: 250 },
} satisfies { [K in keyof Config]-?: Key<Config[K]> };

/** Thrown for a bad environment; its message names every bad key. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(CONFIG_KEYS) as [string, Key<unknown>][]) {
    const raw = env[key.name];
    if (raw === undefined || raw === "") {
      config[field] = key.default;
      continue;
    }
    try {
      config[field] = key.parse(raw);
    } catch (e) {
      const shown = key.secret ? "(hidden)" : JSON.stringify(raw);
      problems.push(`${key.name}=${shown}: ${(e as Error).message}`);
    }
  }
  if (config.mongodbUri && !config.authStateKey) {
    // Without it each host would make its own key file, and hosts sharing one database
    // could not read each other's sessions.
    problems.push("MONGODB_URI is set: AUTH_STATE_KEY is required too (the same key on every gateway process)");
  }
  if (typeof config.webhookLeaseMs === "number" && typeof config.webhookTimeoutMs === "number" && config.webhookLeaseMs < config.webhookTimeoutMs + 1_000) {
    // A lease running out mid-request would let a second process send the same delivery.
    problems.push("WEBHOOK_LEASE_MS must be at least WEBHOOK_TIMEOUT_MS + 1000");
  }
  if (config.advertiseUrl && !config.mongodbUri) {
    // Processes share accounts through the store: the embedded one belongs to a single process.
    problems.push("ADVERTISE_URL is set (cluster mode): MONGODB_URI is required too");
  }
  if (config.adminKey && config.adminKeyFile) problems.push("WILDCAT_ADMIN_KEY and WILDCAT_ADMIN_KEY_FILE are both set: give one");
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  return config as unknown as Config;
}
