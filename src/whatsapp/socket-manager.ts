import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { proto, UserFacingSocketConfig, WAMessageKey, WASocket } from "@whiskeysockets/baileys";
import { EventSchema, EventType } from "../../gen/wildcat/v1/event_pb.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { toAccount } from "../services/account-mapping.js";
import type { AccountPatch, AccountRecord, Store } from "../store/store.js";
import { AccountSession, NotWaitingForLoginError, type AccountSnapshot, type PairingCodeSnapshot } from "./account-session.js";
import type { BackoffOptions } from "./reconnect-policy.js";
import { WatchHub } from "./watch-hub.js";
import type { StoreHealth } from "../store/store-health.js";
import { StaleLeaseError } from "../store/leases.js";
import type { Ownership } from "../cluster/ownership.js";

export interface SocketManagerOptions {
  backoff: BackoffOptions;
  /** How many accounts may be connecting at once while restoring after a restart. */
  restoreConcurrency: number;
  /** Updates a WatchAccount client may fall behind before its stream is ended. */
  watchBuffer: number;
  /** Baileys options for every socket (the simulator's URL and agents in sandbox mode). */
  socketOptions: Partial<UserFacingSocketConfig>;
  /** Wires each new socket of an account (messaging). */
  attach?(accountId: string, sock: WASocket): void;
  /**
   * Resolves once what the account's closed socket handed over is handled (inbound messages
   * stored): a dropped socket's lease is released only after it, so nothing it acknowledged is
   * left unwritten when the next owner takes over.
   */
  settled?(accountId: string): Promise<void>;
  /** Baileys' getMessage for an account: sent messages WhatsApp asks for again. */
  getMessage?(accountId: string, key: WAMessageKey): Promise<proto.IMessage | undefined>;
  /** Whether the store is reachable: while it is not, every account's socket is paused. */
  storeHealth?: StoreHealth;
  /**
   * Cluster mode: a socket is only opened for an account this process holds the lease of,
   * every state change of a socket is fenced by that lease, and restoring is the ownership's
   * balancing instead of "every account that was connected".
   */
  ownership?: Ownership;
}

/** Cluster mode: another live process owns the account (the call should have gone there). */
export class AccountOwnedElsewhereError extends Error {
  constructor(accountId: string, readonly ownerUrl: string) {
    super(`account "${accountId}" is owned by the gateway process at ${ownerUrl}; retry the call`);
    this.name = "AccountOwnedElsewhereError";
  }
}

/** Cluster mode: this process already owns MAX_ACCOUNTS_PER_PROCESS accounts. */
export class ProcessFullError extends Error {
  constructor(accountId: string, max: number) {
    super(`account "${accountId}" cannot be connected by this gateway process: it already owns its limit of ${max} accounts (MAX_ACCOUNTS_PER_PROCESS)`);
    this.name = "ProcessFullError";
  }
}

/** The account exists but has no open connection to WhatsApp. */
export class AccountNotConnectedError extends Error {
  constructor(accountId: string, state: string) {
    super(`account "${accountId}" is not connected (state ${state.toUpperCase()}): connect it first (ConnectAccount) and wait for CONNECTED`);
    this.name = "AccountNotConnectedError";
  }
}

/** The account does not exist. */
export class AccountNotFoundError extends Error {
  constructor(accountId: string) {
    super(`account "${accountId}" not found`);
    this.name = "AccountNotFoundError";
  }
}

type ManagerStore = Pick<Store, "accounts" | "authState" | "events">;

/**
 * Owns every account's Baileys socket: one session per account, state changes
 * stored, appended to the event log and pushed to watchers, in that order.
 */
export class SocketManager {
  private readonly sessions = new Map<string, AccountSession>();
  private readonly hubs = new Map<string, WatchHub<AccountSnapshot>>();
  private stopped = false;

  constructor(
    private readonly store: ManagerStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: SocketManagerOptions,
  ) {
    this.unwatchStore = options.storeHealth?.onChange((available) => this.onStoreChange(available));
  }

  private readonly unwatchStore?: () => void;

  /**
   * The store went: every socket is closed without acknowledging more (WhatsApp keeps what
   * was not acknowledged), since nothing received could be stored. It came back: they reconnect.
   */
  private onStoreChange(available: boolean): void {
    for (const [accountId, session] of this.sessions) {
      const change = available ? session.resume() : session.suspend();
      change.catch((e: unknown) => {
        if (!this.options.storeHealth?.report(e)) this.logger.error({ err: e, accountId }, available ? "resuming the account failed" : "pausing the account failed");
      });
    }
  }

  /** Starts the account's connection (idempotent) and returns the account as it is then. */
  async connect(accountId: string): Promise<AccountRecord> {
    await this.mustGet(accountId);
    await this.owning(accountId, () => this.startSession(accountId));
    return this.mustGet(accountId);
  }

  /** True while this process has the account's socket open (logged in). */
  isConnected(accountId: string): boolean {
    return this.sessions.get(accountId)?.connectedSocket !== undefined;
  }

  /** The account's open socket; throws when the account is unknown or not connected. */
  async connectedSocket(accountId: string): Promise<WASocket> {
    const sock = this.sessions.get(accountId)?.connectedSocket;
    if (sock) return sock;
    const account = await this.mustGet(accountId);
    throw new AccountNotConnectedError(accountId, account.state);
  }

  /** Closes the connection, keeping the link. */
  async disconnect(accountId: string): Promise<AccountRecord> {
    const account = await this.mustGet(accountId);
    const session = this.sessions.get(accountId);
    if (!session) return account.state === "logged_out" ? account : this.setState(account, "disconnected");
    await session.stop();
    return this.mustGet(accountId);
  }

  /** Unlinks the device (on WhatsApp when connected) and removes its credentials. */
  async logout(accountId: string): Promise<AccountRecord> {
    await this.mustGet(accountId);
    await this.owning(accountId, () => this.session(accountId).logout());
    this.sessions.delete(accountId);
    await this.options.ownership?.release(accountId);
    return this.mustGet(accountId);
  }

  /** Logs out if linked, then forgets the account's session and ends its watchers. */
  async remove(accountId: string): Promise<void> {
    const session = this.sessions.get(accountId);
    if (session || (await this.store.authState.exists(accountId))) {
      await this.owning(accountId, () => this.session(accountId).logout());
    }
    this.sessions.delete(accountId);
    await this.options.ownership?.release(accountId);
    this.hubs.get(accountId)?.endAll();
    this.hubs.delete(accountId);
    this.followers.get(accountId)?.abort();
    this.followers.delete(accountId);
  }

  async requestPairingCode(accountId: string, phoneNumber: string): Promise<PairingCodeSnapshot> {
    const session = this.sessions.get(accountId);
    if (session) return session.requestPairingCode(phoneNumber);
    await this.mustGet(accountId);
    throw new NotWaitingForLoginError(accountId); // no socket: nothing is waiting for a code
  }

  /** The account's snapshot now, then one after every change, until `signal` aborts. */
  async *watch(accountId: string, signal: AbortSignal): AsyncGenerator<AccountSnapshot> {
    // Subscribe before reading the snapshot, so no change can fall in between.
    let hub = this.hubs.get(accountId);
    if (!hub) {
      this.hubs.set(accountId, (hub = new WatchHub(this.options.watchBuffer)));
      if (this.options.ownership) this.follow(accountId, hub);
    }
    const updates = hub.watch(signal);
    try {
      const account = await this.mustGet(accountId);
      yield { account, ...this.sessions.get(accountId)?.extras() };
      yield* updates;
    } finally {
      await updates.return(undefined);
      if (hub.size === 0 && this.hubs.get(accountId) === hub) {
        this.hubs.delete(accountId);
        this.followers.get(accountId)?.abort();
        this.followers.delete(accountId);
      }
    }
  }

  private readonly followers = new Map<string, AbortController>();

  /**
   * Cluster mode: while another process owns the account (or none does), its changes are
   * recorded there, so the watchers here get the stored account again after each of its
   * account_state_changed events in the shared log (found by polling, EVENT_POLL_MS). While
   * this process owns it, its own sessions publish, as on a single gateway.
   */
  private follow(accountId: string, hub: WatchHub<AccountSnapshot>): void {
    const abort = new AbortController();
    this.followers.set(accountId, abort);
    void (async () => {
      let after = await this.store.events.latestCursor();
      while (!abort.signal.aborted) {
        await this.store.events.waitForAppend(after, abort.signal);
        const page = await this.store.events.read({ after, filter: { accountIds: [accountId], types: ["account_state_changed"] }, limit: 100 });
        after = page.nextAfter ?? after;
        if (page.events.length === 0 || this.options.ownership?.leaseOf(accountId)) continue;
        const account = await this.store.accounts.get(accountId);
        if (account && !abort.signal.aborted) hub.publish({ account });
      }
    })().catch((e: unknown) => {
      if (!abort.signal.aborted) this.logger.warn({ err: e, accountId }, "following the account's changes from other processes stopped");
    });
  }

  /**
   * Reconnects every account that was connected (or reconnecting) when the
   * gateway stopped, at most `restoreConcurrency` at a time, without re-pairing.
   */
  async restore(): Promise<number> {
    const ownership = this.options.ownership;
    if (ownership) return this.restoreOwned(ownership);
    const toRestore: string[] = [];
    let after: string | undefined;
    do {
      const page = await this.store.accounts.list({ pageSize: 500, after });
      for (const a of page.accounts) {
        if (a.state === "connected" || a.state === "connecting") toRestore.push(a.accountId);
        // A pending QR died with the old process; nobody scans it now.
        else if (a.state === "waiting_for_login") await this.setState(a, "disconnected");
      }
      after = page.nextAfter;
    } while (after);

    let next = 0;
    const worker = async () => {
      while (next < toRestore.length && !this.stopped) {
        const accountId = toRestore[next++];
        try {
          await this.session(accountId).start();
          await this.settled(accountId);
        } catch (e) {
          this.logger.error({ err: e, accountId }, "restoring the account failed");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.restoreConcurrency, toRestore.length) }, worker));
    this.logger.info({ accounts: toRestore.length }, "accounts restored");
    return toRestore.length;
  }

  /**
   * Cluster mode's restore: QR codes no live process shows any more are cleared, then the
   * ownership's first round claims this process's fair share of the accounts to reconnect
   * (and keeps balancing every TTL/3). Returns how many accounts this process owns then.
   */
  private async restoreOwned(ownership: Ownership): Promise<number> {
    let after: string | undefined;
    do {
      const page = await this.store.accounts.list({ pageSize: 500, after });
      for (const a of page.accounts) {
        if (a.state === "waiting_for_login" && !(await ownership.owner(a.accountId))) await this.setState(a, "disconnected");
      }
      after = page.nextAfter;
    } while (after);
    await ownership.start({
      start: async (accountId) => {
        if (this.stopped) return;
        await this.startSession(accountId);
      },
      drop: (accountId) => this.drop(accountId),
      active: (accountId) => this.calls.has(accountId) || (this.sessions.get(accountId)?.active ?? false),
      connected: (accountId) => this.isConnected(accountId),
    });
    this.logger.info({ accounts: ownership.ownedCount }, "accounts restored");
    return ownership.ownedCount;
  }

  /**
   * Cluster mode: accounts a call (connect, logout) has claimed and is still working on. Balancing
   * counts them as active, so it does not release a fresh claim before the call's socket exists.
   */
  private readonly calls = new Map<string, number>();

  /** Runs `work` holding the account's lease (see {@link own}), marked as in use by a call meanwhile. */
  private async owning<T>(accountId: string, work: () => Promise<T>): Promise<T> {
    this.calls.set(accountId, (this.calls.get(accountId) ?? 0) + 1);
    try {
      await this.own(accountId);
      return await work();
    } finally {
      const left = this.calls.get(accountId)! - 1;
      if (left) this.calls.set(accountId, left);
      else this.calls.delete(accountId);
    }
  }

  /**
   * Cluster mode: makes sure this process holds the account's lease before it opens a socket
   * or removes credentials; throws when another process owns it or this one is full.
   */
  private async own(accountId: string): Promise<void> {
    const ownership = this.options.ownership;
    if (!ownership) return;
    if (await ownership.claim(accountId)) return;
    const owner = await ownership.owner(accountId);
    if (owner) throw new AccountOwnedElsewhereError(accountId, owner.holder);
    if (ownership.full) throw new ProcessFullError(accountId, ownership.maxAccounts);
    throw new AccountOwnedElsewhereError(accountId, "another process");
  }

  /**
   * Cluster mode: the account's lease is gone (lost, or handed over): its socket is closed at
   * once and the session forgotten, recording nothing, since the account is no longer ours to write.
   */
  async drop(accountId: string): Promise<void> {
    const session = this.sessions.get(accountId);
    if (!session) return;
    this.sessions.delete(accountId);
    const closed = session.shutdown().finally(() => {
      if (this.closing.get(accountId) === closed) this.closing.delete(accountId);
    });
    this.closing.set(accountId, closed);
    await closed;
    await this.options.settled?.(accountId);
  }

  /** Cluster mode: sockets of dropped sessions still closing; a new one for the account waits for its old one. */
  private readonly closing = new Map<string, Promise<void>>();

  /** Starts the account's session once any dropped socket of it has closed: never two sockets at once. */
  private async startSession(accountId: string): Promise<void> {
    await this.closing.get(accountId)?.catch(() => undefined);
    await this.session(accountId).start();
  }

  /** Closes every socket without logging out; stored states stay as they were for restore. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.unwatchStore?.();
    await Promise.all([...this.sessions.values()].map((s) => s.shutdown()));
    this.sessions.clear();
    for (const hub of this.hubs.values()) hub.endAll();
    for (const follower of this.followers.values()) follower.abort();
  }

  private session(accountId: string): AccountSession {
    if (this.stopped) throw new Error("the socket manager is shutting down");
    let session = this.sessions.get(accountId);
    if (!session) {
      session = new AccountSession({
        accountId,
        authState: this.store.authState,
        clock: this.clock,
        logger: this.logger.child({ accountId }),
        backoff: this.options.backoff,
        socketOptions: this.options.socketOptions,
        record: async (patch, extras) => {
          // A socket's state changes are the owner's to write: fenced like its auth state.
          await this.options.ownership?.check(accountId);
          await this.record(accountId, patch, extras);
        },
        attach: (sock) => this.options.attach?.(accountId, sock),
        getMessage: async (key) => this.options.getMessage?.(accountId, key),
        storeUnavailable: (err) => {
          if (err instanceof StaleLeaseError) {
            // Another process owns the account now: this session is done for good (no resume).
            if (this.sessions.get(accountId) === session) this.sessions.delete(accountId);
            this.logger.warn({ accountId }, "a write was refused for a stale lease: the socket is dropped");
            return true;
          }
          return this.options.storeHealth?.report(err) ?? false;
        },
      });
      this.sessions.set(accountId, session);
    }
    return session;
  }

  /** Resolves once the account leaves CONNECTING (or after a bound), for restore's concurrency. */
  private async settled(accountId: string): Promise<void> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 60_000);
    try {
      for await (const s of this.watch(accountId, abort.signal)) {
        if (s.account.state !== "connecting") return;
      }
    } catch {
      // timed out: let the next account start; this one keeps trying in the background
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
  }

  private async setState(account: AccountRecord, state: AccountRecord["state"]): Promise<AccountRecord> {
    await this.record(account.accountId, { state }, {});
    return this.mustGet(account.accountId);
  }

  /**
   * Store, then log, then tell watchers: nothing is announced that is not stored.
   * A change that leaves the stored account as it was (a rotated QR code) only
   * reaches the watchers.
   */
  private async record(accountId: string, patch: AccountPatch, extras: Omit<AccountSnapshot, "account">): Promise<void> {
    const current = await this.store.accounts.get(accountId);
    if (!current) return; // deleted meanwhile
    if (Object.keys(patch).every((k) => k === "state") && patch.state === current.state) {
      this.hubs.get(accountId)?.publish({ account: current, ...extras });
      return;
    }
    const now = this.clock.now();
    const account = await this.store.accounts.update(accountId, patch, now);
    if (!account) return;
    const eventId = randomUUID();
    const event = create(EventSchema, {
      eventId,
      type: EventType.ACCOUNT_STATE_CHANGED,
      accountId,
      createTime: timestampFromDate(now),
      payload: { case: "account", value: toAccount(account) },
    });
    await this.store.events.append({ eventId, accountId, type: "account_state_changed", createTime: now, payload: toBinary(EventSchema, event) });
    this.hubs.get(accountId)?.publish({ account, ...extras });
  }

  private async mustGet(accountId: string): Promise<AccountRecord> {
    const account = await this.store.accounts.get(accountId);
    if (!account) throw new AccountNotFoundError(accountId);
    return account;
  }
}
