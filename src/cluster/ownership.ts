import { randomBytes } from "node:crypto";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { StaleLeaseError, type AccountLease, type LeaseStore } from "../store/leases.js";
import type { AccountStore } from "../store/store.js";

/**
 * Live processes announce themselves with a lease of their own on this key prefix, renewed with
 * the account leases: a process that owns nothing yet still counts in the fair share. Account ids
 * cannot start with "~" (the contract's pattern), so the two never mix.
 */
const PROCESS_PREFIX = "~process/";

export interface OwnershipOptions {
  /** This process's address for forwarded calls (ADVERTISE_URL). */
  advertiseUrl: string;
  /** ACCOUNT_LEASE_TTL_MS. */
  ttlMs: number;
  /** MAX_ACCOUNTS_PER_PROCESS. */
  maxAccounts: number;
  /** Called when this process takes an account (a new epoch): what it cached of it may be stale. */
  onAcquired?(accountId: string): void;
}

/** What ownership drives: the sockets of the accounts this process owns. */
export interface OwnedSockets {
  /** Opens the account's socket; called once its lease is held. */
  start(accountId: string): Promise<void>;
  /** Closes the account's socket at once, recording nothing (the lease is gone or being handed over). */
  drop(accountId: string): Promise<void>;
  /** True while the account's socket is open, being opened or waiting to retry. */
  active(accountId: string): boolean;
  /** True while the account's socket is open (connected). */
  connected(accountId: string): boolean;
}

/** A live gateway process, as its heartbeat record shows it. */
export interface Peer {
  /** `ADVERTISE_URL#<random id>`. */
  holder: string;
  /** Where it takes forwarded calls. */
  url: string;
  /** Accounts it owns now. */
  accounts: number;
  /** Its heartbeat record lives until then unless renewed. */
  expireTime: Date;
}

/** The advertised URL part of a holder id. */
export function holderUrl(holder: string): string {
  const hash = holder.lastIndexOf("#");
  return hash < 0 ? holder : holder.slice(0, hash);
}

/**
 * The accounts that should have a socket somewhere: linked and last left connected (or
 * connecting), which an orphan of them is claimed for; and, for counting the fair share only,
 * those being paired (waiting for login), whose sockets also count.
 */
async function wantedAccounts(accounts: AccountStore): Promise<{ reconnect: string[]; total: number; idle: Set<string> }> {
  const reconnect: string[] = [];
  const idle = new Set<string>();
  let total = 0;
  let after: string | undefined;
  do {
    const page = await accounts.list({ pageSize: 500, after });
    for (const a of page.accounts) {
      if (a.state === "connected" || a.state === "connecting") reconnect.push(a.accountId);
      if (a.state === "connected" || a.state === "connecting" || a.state === "waiting_for_login") total++;
      else idle.add(a.accountId);
    }
    after = page.nextAfter;
  } while (after);
  return { reconnect, total, idle };
}

/**
 * Which accounts this process owns (cluster mode, issue 13). Every TTL/3 it renews its leases
 * (one it cannot renew is lost: its socket is dropped at once, nothing recorded) and its own
 * heartbeat record, then balances: fair share = ceil(wanted accounts / live processes), capped
 * by MAX_ACCOUNTS_PER_PROCESS; below it, it claims unowned wanted accounts (expired leases of
 * dead processes included); above it (a process joined), it hands connected accounts over:
 * socket closed first, lease released after, so a device never has two connections.
 */
export class Ownership {
  /** `ADVERTISE_URL#<random id>`: unique per process start. */
  readonly holder: string;
  private readonly held = new Map<string, AccountLease>();
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = false;
  private processLease?: AccountLease;
  private sockets?: OwnedSockets;
  private lastPeers: Peer[] = [];

  constructor(
    private readonly leases: LeaseStore,
    private readonly accounts: AccountStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: OwnershipOptions,
  ) {
    this.holder = `${options.advertiseUrl}#${randomBytes(6).toString("hex")}`;
  }

  get url(): string {
    return this.options.advertiseUrl;
  }

  /** The lease this process holds on the account now (for fencing), if any. */
  leaseOf(accountId: string): AccountLease | undefined {
    return this.held.get(accountId);
  }

  /** How many accounts this process owns. */
  get ownedCount(): number {
    return this.held.size;
  }

  /**
   * The fence: throws {@link StaleLeaseError} unless this process holds the account's newest
   * live epoch, by its own clock first (a process resumed after SIGSTOP is stopped before it
   * reaches the database) and then by the store (a takeover it missed).
   */
  async check(accountId: string): Promise<void> {
    const lease = this.held.get(accountId);
    const now = this.clock.now();
    if (!lease) throw new StaleLeaseError(accountId, 0);
    if (lease.expireTime <= now || !(await this.leases.holds(accountId, lease.epoch, now))) {
      throw new StaleLeaseError(accountId, lease.epoch);
    }
  }

  /** The account's live owner (this process or another); undefined when nobody owns it. */
  async owner(accountId: string): Promise<AccountLease | undefined> {
    const mine = this.held.get(accountId);
    if (mine && mine.expireTime > this.clock.now()) return mine;
    return this.leases.current(accountId, this.clock.now());
  }

  /** Every account's live owner (holder id), read at once (ListAccounts). */
  async owners(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const l of await this.leases.live(this.clock.now())) if (!l.accountId.startsWith(PROCESS_PREFIX)) out.set(l.accountId, l.holder);
    return out;
  }

  /**
   * Resolves once the account is no longer owned by the process at `url` (its lease expired or
   * moved: a frozen or partitioned owner), checking every TTL/3; rejects when `signal` aborts.
   */
  async movedFrom(accountId: string, url: string, signal: AbortSignal): Promise<void> {
    // The caller just read the owner: the first look is one interval later (no extra query per call).
    for (;;) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, Math.max(1, Math.floor(this.options.ttlMs / 3)));
        signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
      });
      const owner = await this.owner(accountId);
      if (!owner || holderUrl(owner.holder) !== url) return;
    }
  }

  /**
   * Resolves once the account is no longer owned by the process at `url` (its lease expired or
   * moved), or after about one TTL in any case (the owner is alive after all); checks every
   * TTL/3; rejects when `signal` aborts.
   */
  async settled(accountId: string, url: string, signal: AbortSignal): Promise<void> {
    for (let check = 0; check < 4; check++) {
      const owner = await this.owner(accountId);
      if (!owner || holderUrl(owner.holder) !== url) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, Math.max(1, Math.floor(this.options.ttlMs / 3)));
        signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
      });
    }
  }

  /**
   * Takes the account for this process unless another live process owns it: the lease held
   * after the call, or undefined (someone else owns it, or this process is at its cap).
   */
  async claim(accountId: string): Promise<AccountLease | undefined> {
    const mine = this.held.get(accountId);
    if (mine) return mine.expireTime > this.clock.now() ? mine : undefined; // lost: the next round drops its socket first
    if (this.held.size >= this.options.maxAccounts) return undefined;
    const lease = await this.leases.acquire(accountId, this.holder, this.clock.now(), this.options.ttlMs);
    if (lease) {
      this.options.onAcquired?.(accountId);
      this.held.set(accountId, lease);
      this.logger.info({ accountId, epoch: lease.epoch }, "account lease acquired");
    }
    return lease;
  }

  /** MAX_ACCOUNTS_PER_PROCESS. */
  get maxAccounts(): number {
    return this.options.maxAccounts;
  }

  /** True when MAX_ACCOUNTS_PER_PROCESS stops this process from taking one more account. */
  get full(): boolean {
    return this.held.size >= this.options.maxAccounts;
  }

  /** Gives the account up (its socket must be closed already): another process may take it now. */
  async release(accountId: string): Promise<void> {
    const lease = this.held.get(accountId);
    if (!lease) return;
    this.held.delete(accountId);
    await this.leases.release(lease, this.clock.now());
    this.logger.info({ accountId, epoch: lease.epoch }, "account lease released");
  }

  /** The live gateway processes (this one included), as of the last heartbeat. */
  peers(): Peer[] {
    return this.lastPeers;
  }

  /** Starts heartbeats and balancing; the first round runs now. */
  start(sockets: OwnedSockets): Promise<void> {
    this.sockets = sockets;
    return this.round();
  }

  /**
   * One heartbeat (renewals) and then one balancing pass, now; what the timer runs every TTL/3.
   * Renewals never wait for a balancing pass still running (it may be opening or closing
   * sockets): a slow pass must not cost the leases this process already holds.
   */
  round(): Promise<void> {
    clearTimeout(this.timer);
    const renewal = (this.renewing ??= this.timed("renewing leases", () => this.renewAll()).finally(() => (this.renewing = undefined)));
    const done = renewal.then(() => {
      if (this.stopped || !this.sockets) return;
      const sockets = this.sockets;
      return (this.balancing ??= this.timed("balancing accounts", () => this.balance(sockets)).finally(() => (this.balancing = undefined)));
    });
    this.ticking = done.catch((e: unknown) => this.logger.error({ err: e }, "ownership round failed"));
    if (!this.stopped) this.timer = setTimeout(() => void this.round(), Math.max(1, Math.floor(this.options.ttlMs / 3)));
    return this.ticking;
  }

  /** Runs one pass, warning when it took longer than a renewal interval (leases are then at risk). */
  private async timed(what: string, pass: () => Promise<void>): Promise<void> {
    const started = Date.now();
    await pass();
    const ms = Date.now() - started;
    if (ms > this.options.ttlMs / 3) this.logger.warn({ ms, ttlMs: this.options.ttlMs }, `${what} took longer than a renewal interval`);
  }

  private renewing?: Promise<void>;
  private balancing?: Promise<void>;

  /** Graceful stop: no more rounds; every lease released (sockets must be closed first) and the heartbeat record ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    await this.renewing?.catch(() => undefined);
    await this.balancing?.catch(() => undefined);
    const now = this.clock.now();
    const all = [...this.held.values()];
    this.held.clear();
    await Promise.all(all.map((l) => this.leases.release(l, now).catch((e: unknown) => this.logger.warn({ err: e, accountId: l.accountId }, "releasing a lease failed; it expires on its own"))));
    if (this.processLease) await this.leases.release(this.processLease, now).catch(() => undefined);
  }

  /** Renews this process's heartbeat record and every lease it holds; a lease it cannot renew is lost (its socket dropped). */
  private async renewAll(): Promise<void> {
    if (this.stopped || !this.sockets) return;
    const sockets = this.sockets;
    await Promise.all([
      this.heartbeat(),
      ...[...this.held.values()].map(async (lease) => {
        const now = this.clock.now();
        // Renewed only while still current by this process's clock too: after a pause past the TTL
        // another process may own the account although the store has not seen a newer epoch yet.
        const renewed = lease.expireTime > now ? await this.leases.renew(lease, now, this.options.ttlMs) : undefined;
        if (this.stopped || this.held.get(lease.accountId) !== lease) return;
        if (renewed) {
          this.held.set(lease.accountId, renewed);
          return;
        }
        this.held.delete(lease.accountId);
        this.logger.warn({ accountId: lease.accountId, epoch: lease.epoch }, "account lease lost: dropping the socket, writing nothing more for the account");
        // Not awaited: closing a socket must not hold up the other renewals.
        sockets.drop(lease.accountId).catch((e: unknown) => this.logger.error({ err: e, accountId: lease.accountId }, "dropping the socket failed"));
      }),
    ]);
  }

  /** Renews (or makes) this process's heartbeat record and reads the live processes. */
  private async heartbeat(): Promise<void> {
    const now = this.clock.now();
    const key = `${PROCESS_PREFIX}${this.holder}`;
    const renewed = this.processLease && this.processLease.expireTime > now ? await this.leases.renew(this.processLease, now, this.options.ttlMs) : undefined;
    this.processLease = renewed ?? (await this.leases.acquire(key, this.holder, now, this.options.ttlMs));
  }

  private async balance(sockets: OwnedSockets): Promise<void> {
    const now = this.clock.now();
    const live = await this.leases.live(now);
    const owners = new Map<string, AccountLease>();
    const counts = new Map<string, number>();
    const processes = new Map<string, Date>();
    for (const l of live) {
      if (l.accountId.startsWith(PROCESS_PREFIX)) processes.set(l.holder, l.expireTime);
      else {
        owners.set(l.accountId, l);
        counts.set(l.holder, (counts.get(l.holder) ?? 0) + 1);
      }
    }
    processes.set(this.holder, this.processLease?.expireTime ?? now);
    this.lastPeers = [...processes]
      .map(([holder, expireTime]) => ({ holder, url: holderUrl(holder), accounts: holder === this.holder ? this.held.size : (counts.get(holder) ?? 0), expireTime }))
      .sort((a, b) => a.holder.localeCompare(b.holder));

    const { reconnect: wanted, total, idle } = await wantedAccounts(this.accounts);
    const wantedSet = new Set(wanted);
    // Accounts left alone here (stored disconnected or logged out, or deleted): free for anyone.
    // Not one being paired or reconnecting: its socket may be between two connections (515).
    for (const accountId of [...this.held.keys()]) {
      const gone = !wantedSet.has(accountId) && (idle.has(accountId) || !(await this.accounts.get(accountId)));
      if (gone && !sockets.active(accountId)) await this.release(accountId);
    }
    // Ours but without a socket (a start that failed): try again.
    for (const accountId of this.held.keys()) {
      if (wantedSet.has(accountId) && !sockets.active(accountId)) await sockets.start(accountId).catch((e: unknown) => this.logger.error({ err: e, accountId }, "connecting an owned account failed"));
    }
    const share = Math.min(this.options.maxAccounts, Math.ceil(total / processes.size));
    if (this.held.size > share) {
      // A process joined (or accounts went): hand one connected account over per round, and only
      // while some other process is below its share to take it (no churn between equals).
      const taker = [...processes.keys()].some((holder) => holder !== this.holder && (counts.get(holder) ?? 0) < share);
      const give = [...this.held.keys()].find((id) => sockets.connected(id));
      if (taker && give) {
        this.logger.info({ accountId: give, share }, "handing the account over to another process (fair share)");
        // Socket first, lease after: the device never has two connections.
        await sockets.drop(give);
        await this.release(give);
      }
      return;
    }
    const unowned = wanted.filter((id) => !owners.has(id) && !this.held.has(id));
    if (unowned.length === 0) return;
    // Start at a place of our own, so processes racing for the same orphans mostly try different ones.
    const offset = parseInt(this.holder.slice(-6), 16) % unowned.length;
    const order = [...unowned.slice(offset), ...unowned.slice(0, offset)];
    for (const accountId of order) {
      if (this.stopped || this.held.size >= share) return;
      const lease = await this.claim(accountId);
      if (!lease) continue;
      await sockets.start(accountId).catch((e: unknown) => this.logger.error({ err: e, accountId }, "connecting an owned account failed"));
    }
  }
}
