import { MongoClient, MongoServerError, type Collection, type UpdateFilter } from "mongodb";
import {
  AlreadyExistsError,
  type AccountPage,
  type AccountPatch,
  type AccountRecord,
  type AccountState,
  type AccountStore,
  type DisconnectKind,
  type JidPair,
  type CallPolicy,
  type HistorySyncPolicy,
  type MediaDownloadPolicy,
  type Store,
} from "../store.js";
import { AppendWaiter } from "../append-waiter.js";
import type { AuthRecordStore, AuthWriteFaults } from "../auth-records.js";
import type { AuthCipher } from "../auth/auth-cipher.js";
import { StoreAuthState } from "../auth/store-auth-state.js";
import { MongoApiKeys, type ApiKeyDocument } from "./mongo-api-keys.js";
import { MongoAuthRecords, type AuthJournalDocument, type AuthKeyDocument } from "./mongo-auth-records.js";
import { MongoDeliveries, type DeliveryDocument, type DeliveryLeaseDocument, type WebhookStateDocument } from "./mongo-deliveries.js";
import { MongoEventLog, type EventDocument, type EventMetaDocument } from "./mongo-event-log.js";
import { MongoLeases, type LeaseDocument } from "./mongo-leases.js";
import { MongoMedia } from "./mongo-media.js";
import { MongoChats, type ChatDocument } from "./mongo-chats.js";
import { MongoContacts, type ContactDocument } from "./mongo-contacts.js";
import { MongoGroups, type GroupDocument } from "./mongo-groups.js";
import { MongoMessages, type MessageDocument, type SendRequestDocument } from "./mongo-messages.js";
import { MongoWebhooks, type WebhookDocument } from "./mongo-webhooks.js";
import { SealedWebhookStore } from "../webhook-secrets.js";

/** Options for {@link openMongoStore}. */
export interface MongoStoreOptions {
  /**
   * How long an operation waits for a usable server (and a new connection for its
   * handshake) before failing. Default 5000 (STORE_TIMEOUT_MS), so a wrong URI fails fast
   * at start and, while the server is gone, calls fail with `unavailable` rather than wait
   * the driver's 30 s; a value given in the URI wins.
   */
  serverSelectionTimeoutMS?: number;
  /** Encrypts auth state and webhook secrets; without it their calls throw. */
  authCipher?: AuthCipher;
  /** GridFS chunk size for new media. Default 1 MiB (measured against 255 KiB: see the bench). */
  mediaChunkSizeBytes?: number;
  /** How often event-log waiters poll for appends by other processes. Default 250 ms. */
  eventPollMs?: number;
  /** Crash-test fault injection. */
  authWriteFaults?: AuthWriteFaults;
  /** Rows per step when applying an auth batch. Default 500. */
  authApplyChunkSize?: number;
  /** Test-only: runs after an appender chose its event number and before it inserts. */
  beforeEventInsert?: (seq: number) => Promise<void>;
}

/**
 * Connects to MongoDB (or a MongoDB-wire server such as FerretDB v1) and ensures indexes.
 * Uses no transactions and no change streams, which FerretDB v1 lacks.
 */
export async function openMongoStore(uri: string, dbName: string, options: MongoStoreOptions = {}): Promise<Store> {
  const uriSetsTimeout = /[?&]serverSelectionTimeoutMS=/i.test(uri);
  const client = new MongoClient(uri, {
    appName: "wildcat",
    // Without this the driver writes undefined values as null.
    ignoreUndefined: true,
    // Binary fields come back as Buffers, which is what auth state and events hand out.
    promoteBuffers: true,
    ...(uriSetsTimeout ? {} : { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000 }),
    connectTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
  });
  try {
    await client.connect();
    const db = client.db(dbName);
    const accounts = db.collection<AccountDocument>("accounts");
    const authKeys = db.collection<AuthKeyDocument>("auth_keys");
    const authJournal = db.collection<AuthJournalDocument>("auth_journal");
    const messages = db.collection<MessageDocument>("messages");
    const sendRequests = db.collection<SendRequestDocument>("send_requests");
    const events = db.collection<EventDocument>("events");
    const eventMeta = db.collection<EventMetaDocument>("event_meta");
    const webhooks = db.collection<WebhookDocument>("webhooks");
    const deliveries = db.collection<DeliveryDocument>("deliveries");
    const deliveryLeases = db.collection<DeliveryLeaseDocument>("delivery_leases");
    const webhookState = db.collection<WebhookStateDocument>("webhook_state");
    const apiKeys = db.collection<ApiKeyDocument>("api_keys");
    const leases = db.collection<LeaseDocument>("account_leases");
    // createIndexes is a no-op for indexes that already exist with the same spec.
    await accounts.createIndexes([{ key: { state: 1, _id: 1 }, name: "state_id" }]);
    await MongoAuthRecords.createIndexes(authKeys, authJournal);
    await MongoMessages.createIndexes(messages, sendRequests);
    await MongoEventLog.createIndexes(events);
    await MongoDeliveries.createIndexes(deliveries, deliveryLeases);
    await MongoMedia.createIndexes(db);
    const chats = db.collection<ChatDocument>("chats");
    await MongoChats.createIndexes(chats);
    const contacts = db.collection<ContactDocument>("contacts");
    await MongoContacts.createIndexes(contacts);
    const groups = db.collection<GroupDocument>("groups");
    await MongoGroups.createIndexes(groups);
    await MongoLeases.createIndexes(leases);
    const authRecords = new MongoAuthRecords(authKeys, authJournal, {
      faults: options.authWriteFaults,
      applyChunkSize: options.authApplyChunkSize,
    });
    return {
      accounts: new MongoAccountStore(accounts, authRecords),
      authRecords,
      authState: new StoreAuthState(authRecords, options.authCipher),
      messages: new MongoMessages(messages, sendRequests),
      events: new MongoEventLog(events, eventMeta, deliveries, webhookState, new AppendWaiter(options.eventPollMs ?? 250), {
        beforeInsert: options.beforeEventInsert,
      }),
      media: new MongoMedia(db, options.mediaChunkSizeBytes ?? 1024 * 1024),
      webhooks: new SealedWebhookStore(new MongoWebhooks(webhooks, deliveries, deliveryLeases), options.authCipher),
      deliveries: new MongoDeliveries(deliveries, deliveryLeases, webhookState),
      chats: new MongoChats(chats),
      contacts: new MongoContacts(contacts),
      apiKeys: new MongoApiKeys(apiKeys),
      groups: new MongoGroups(groups),
      leases: new MongoLeases(leases),
      ping: async () => void (await db.command({ ping: 1 })),
      close: () => client.close(),
    };
  } catch (err) {
    await client.close();
    throw err;
  }
}

interface AccountDocument {
  _id: string;
  displayName: string;
  state: AccountState;
  ownJid?: JidPair;
  lastDisconnect?: { kind: DisconnectKind; code: number; reason: string; time: Date };
  mediaDownload?: MediaDownloadPolicy;
  sendRatePerMinute?: number;
  callPolicy?: CallPolicy;
  historySync?: HistorySyncPolicy;
  createTime: Date;
  updateTime: Date;
}

const duplicateKey = 11000;

class MongoAccountStore implements AccountStore {
  readonly #accounts: Collection<AccountDocument>;
  readonly #auth: AuthRecordStore;

  constructor(accounts: Collection<AccountDocument>, auth: AuthRecordStore) {
    this.#accounts = accounts;
    this.#auth = auth;
  }

  async create(account: AccountRecord): Promise<AccountRecord> {
    const doc = toDocument(account);
    try {
      await this.#accounts.insertOne(doc);
    } catch (err) {
      if (err instanceof MongoServerError && err.code === duplicateKey) {
        throw new AlreadyExistsError(`account ${account.accountId}`);
      }
      throw err;
    }
    return fromDocument(doc);
  }

  async get(accountId: string): Promise<AccountRecord | undefined> {
    const doc = await this.#accounts.findOne({ _id: accountId });
    return doc ? fromDocument(doc) : undefined;
  }

  async list({ pageSize, after }: { pageSize: number; after?: string }): Promise<AccountPage> {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
      throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
    }
    // One extra document tells whether another page exists without a count.
    const docs = await this.#accounts
      .find(after === undefined ? {} : { _id: { $gt: after } })
      .sort({ _id: 1 })
      .limit(pageSize + 1)
      .toArray();
    const accounts = docs.slice(0, pageSize).map(fromDocument);
    const nextAfter = docs.length > pageSize ? accounts[pageSize - 1].accountId : undefined;
    return nextAfter === undefined ? { accounts } : { accounts, nextAfter };
  }

  async update(accountId: string, patch: AccountPatch, updateTime: Date): Promise<AccountRecord | undefined> {
    const set: Partial<AccountDocument> = { updateTime };
    const unset: Partial<Record<"ownJid" | "lastDisconnect" | "mediaDownload" | "sendRatePerMinute" | "callPolicy" | "historySync", "">> = {};
    // Required fields given as undefined are left as they are: there is nothing to clear them to.
    if (patch.displayName !== undefined) set.displayName = patch.displayName;
    if (patch.state !== undefined) set.state = patch.state;
    if ("ownJid" in patch) {
      if (patch.ownJid === undefined) unset.ownJid = "";
      else set.ownJid = toJidPair(patch.ownJid);
    }
    if ("lastDisconnect" in patch) {
      if (patch.lastDisconnect === undefined) unset.lastDisconnect = "";
      else set.lastDisconnect = toDisconnect(patch.lastDisconnect);
    }
    if ("mediaDownload" in patch) {
      if (patch.mediaDownload === undefined) unset.mediaDownload = "";
      else set.mediaDownload = toMediaDownload(patch.mediaDownload);
    }
    if ("sendRatePerMinute" in patch) {
      if (!patch.sendRatePerMinute) unset.sendRatePerMinute = "";
      else set.sendRatePerMinute = patch.sendRatePerMinute;
    }
    if ("callPolicy" in patch) {
      if (patch.callPolicy === undefined) unset.callPolicy = "";
      else set.callPolicy = toCallPolicy(patch.callPolicy);
    }
    if ("historySync" in patch) {
      if (patch.historySync === undefined) unset.historySync = "";
      else set.historySync = toHistorySync(patch.historySync);
    }
    const change: UpdateFilter<AccountDocument> = { $set: set };
    // Some servers reject an empty operator document.
    if (Object.keys(unset).length > 0) change.$unset = unset;
    const doc = await this.#accounts.findOneAndUpdate({ _id: accountId }, change, { returnDocument: "after" });
    return doc ? fromDocument(doc) : undefined;
  }

  async delete(accountId: string): Promise<boolean> {
    // Auth state first: a crash in between leaves an account that must re-pair, never
    // session keys without an account to own them.
    await this.#auth.clear(accountId);
    const result = await this.#accounts.deleteOne({ _id: accountId });
    return result.deletedCount > 0;
  }
}

function toJidPair(jid: JidPair): JidPair {
  return withoutUndefined({ pn: jid.pn, lid: jid.lid });
}

function toDisconnect(info: NonNullable<AccountRecord["lastDisconnect"]>): NonNullable<AccountDocument["lastDisconnect"]> {
  return { kind: info.kind, code: info.code, reason: info.reason, time: new Date(info.time) };
}

/** Only the policy's own keys, with types copied, so a record never shares an array with its caller. */
function toMediaDownload(policy: MediaDownloadPolicy): MediaDownloadPolicy {
  return { mode: policy.mode, types: [...policy.types], maxBytes: policy.maxBytes };
}

/** Only the policy's own keys. */
function toCallPolicy(policy: CallPolicy): CallPolicy {
  return { autoReject: policy.autoReject, replyText: policy.replyText };
}

function toHistorySync(policy: HistorySyncPolicy): HistorySyncPolicy {
  return { mode: policy.mode, recentDays: policy.recentDays };
}

function toDocument(account: AccountRecord): AccountDocument {
  return withoutUndefined({
    _id: account.accountId,
    displayName: account.displayName,
    state: account.state,
    ownJid: account.ownJid && toJidPair(account.ownJid),
    lastDisconnect: account.lastDisconnect && toDisconnect(account.lastDisconnect),
    mediaDownload: account.mediaDownload && toMediaDownload(account.mediaDownload),
    sendRatePerMinute: account.sendRatePerMinute || undefined,
    callPolicy: account.callPolicy && toCallPolicy(account.callPolicy),
    historySync: account.historySync && toHistorySync(account.historySync),
    createTime: account.createTime,
    updateTime: account.updateTime,
  });
}

function fromDocument(doc: AccountDocument): AccountRecord {
  return withoutUndefined({
    accountId: doc._id,
    displayName: doc.displayName,
    state: doc.state,
    ownJid: doc.ownJid ? toJidPair(doc.ownJid) : undefined,
    lastDisconnect: doc.lastDisconnect ? toDisconnect(doc.lastDisconnect) : undefined,
    mediaDownload: doc.mediaDownload ? toMediaDownload(doc.mediaDownload) : undefined,
    sendRatePerMinute: doc.sendRatePerMinute || undefined,
    callPolicy: doc.callPolicy ? toCallPolicy(doc.callPolicy) : undefined,
    historySync: doc.historySync ? toHistorySync(doc.historySync) : undefined,
    // Copies, so a caller mutating a returned Date cannot touch the one it passed to create.
    createTime: new Date(doc.createTime),
    updateTime: new Date(doc.updateTime),
  });
}

/** Drops keys whose value is undefined, so records compare equal however they were built. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
