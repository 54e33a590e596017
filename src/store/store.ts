/**
 * The storage port. Services depend on these interfaces only; adapters live in
 * `src/store/sqlite/` (embedded, the default) and `src/store/mongo/` (MongoDB).
 * Every adapter passes the one contract suite in `test/store/`.
 * One port file per concern: `auth-records.ts`, `auth-state.ts`, `messages.ts`, `events.ts`,
 * `media.ts`, `webhooks.ts`, `leases.ts`; accounts live here.
 */
import type { ApiKeyStore } from "./api-keys.js";
import type { AuthRecordStore } from "./auth-records.js";
import type { AuthStateStore } from "./auth-state.js";
import type { ChatStore } from "./chats.js";
import type { ContactStore } from "./contacts.js";
import type { EventLog } from "./events.js";
import type { GroupStore } from "./groups.js";
import type { LeaseStore } from "./leases.js";
import type { MediaStore } from "./media.js";
import type { MessageStore, MessageType } from "./messages.js";
import type { DeliveryStore, WebhookStore } from "./webhooks.js";

/** Lifecycle state of an account's WhatsApp link, as stored. */
export type AccountState =
  | "disconnected"
  | "connecting"
  | "waiting_for_login"
  | "connected"
  | "logged_out";

/** A WhatsApp address in both forms WhatsApp uses: phone number and LID. */
export interface JidPair {
  /** Phone-number form, e.g. `15551234567@s.whatsapp.net`. */
  pn?: string;
  /** LID form, e.g. `123456789@lid`. */
  lid?: string;
}

/** What a disconnect meant, as the socket manager classified it. */
export type DisconnectKind =
  | "requested"
  | "restart_required"
  | "connection_lost"
  | "server_error"
  | "logged_out"
  | "replaced"
  | "login_timeout"
  | "needs_relink";

/** Why the last connection ended. */
export interface DisconnectInfo {
  /** What the disconnect meant. */
  kind: DisconnectKind;
  /** Baileys DisconnectReason / WhatsApp stream error code (e.g. 401, 440, 515). */
  code: number;
  /** Human-readable reason. */
  reason: string;
  time: Date;
}

/** Which files of received messages an account downloads into the media store. */
export interface MediaDownloadPolicy {
  /** "none" keeps no files (messages still describe them). */
  mode: "all" | "none";
  /** Only these media kinds; empty means every media kind. */
  types: MessageType[];
  /** Larger files are not downloaded, in bytes; 0 means the server's limit. */
  maxBytes: number;
}

/** An account's answer to incoming calls. */
export interface CallPolicy {
  /** Reject every call at once. */
  autoReject: boolean;
  /** With autoReject: a text sent to the caller after each rejected call; empty: none. */
  replyText: string;
}

/** How much of the history WhatsApp sends after linking an account stores. */
export interface HistorySyncPolicy {
  /** "recent" keeps messages of the last `recentDays` days (and the chats they are in). */
  mode: "none" | "recent" | "all";
  /** With "recent": the window in days; 0 means the server's HISTORY_SYNC_RECENT_DAYS. */
  recentDays: number;
}

export interface AccountRecord {
  accountId: string;
  displayName: string;
  state: AccountState;
  ownJid?: JidPair;
  lastDisconnect?: DisconnectInfo;
  /** The account's own policy; absent means the server default (MEDIA_DOWNLOAD* config). */
  mediaDownload?: MediaDownloadPolicy;
  /** SendMessage calls accepted per minute; absent means the server default (SEND_RATE_PER_MINUTE). */
  sendRatePerMinute?: number;
  /** What the account does with incoming calls; absent: nothing (they only become events). */
  callPolicy?: CallPolicy;
  /** The account's own history policy; absent means the server default (HISTORY_SYNC* config). */
  historySync?: HistorySyncPolicy;
  createTime: Date;
  updateTime: Date;
}

/** Fields of an account that may change after creation. */
export type AccountPatch = Partial<
  Pick<AccountRecord, "displayName" | "state" | "ownJid" | "lastDisconnect" | "mediaDownload" | "sendRatePerMinute" | "callPolicy" | "historySync">
>;

export interface AccountPage {
  accounts: AccountRecord[];
  /** accountId to pass as `after` for the next page; undefined on the last page. */
  nextAfter?: string;
}

export interface AccountStore {
  /** Inserts a new account; throws {@link AlreadyExistsError} if the id is taken. */
  create(account: AccountRecord): Promise<AccountRecord>;
  get(accountId: string): Promise<AccountRecord | undefined>;
  /** Accounts ordered by accountId ascending, strictly after `after` (keyset pagination). */
  list(options: { pageSize: number; after?: string }): Promise<AccountPage>;
  /**
   * Applies the patch and sets updateTime; returns the updated record, or undefined
   * when the account does not exist. A key present with value undefined clears that field.
   */
  update(accountId: string, patch: AccountPatch, updateTime: Date): Promise<AccountRecord | undefined>;
  /** Removes the account; false when it did not exist. */
  delete(accountId: string): Promise<boolean>;
}

export interface Store {
  /** Deleting an account here also removes its auth state. */
  readonly accounts: AccountStore;
  /** Baileys auth state, encrypted (high level, what the socket manager uses). */
  readonly authState: AuthStateStore;
  /** The byte layer under {@link authState}; exposed for tests and tooling. */
  readonly authRecords: AuthRecordStore;
  readonly messages: MessageStore;
  readonly events: EventLog;
  readonly media: MediaStore;
  readonly webhooks: WebhookStore;
  readonly deliveries: DeliveryStore;
  /** The chat list: unread counts, archive / pin / mute state, last message. */
  readonly chats: ChatStore;
  /** What WhatsApp told each account about people (`contacts.ts`): names, both JID forms, about, picture. */
  readonly contacts: ContactStore;
  /** The accounts' groups (`groups.ts`). */
  readonly groups: GroupStore;
  /** Which gateway process owns each account (issue 13); epochs fence stale writers. */
  readonly leases: LeaseStore;
  /** API keys (`api-keys.ts`): hashes of their secrets only. */
  readonly apiKeys: ApiKeyStore;
  /** Resolves when the store answers; rejects when it cannot be reached (see `store-errors.ts`). */
  ping(): Promise<void>;
  /** Releases connections and file handles. */
  close(): Promise<void>;
}

/** Thrown by a store when a unique key is already taken. */
export class AlreadyExistsError extends Error {
  constructor(what: string) {
    super(`${what} already exists`);
    this.name = "AlreadyExistsError";
  }
}
