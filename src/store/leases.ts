/**
 * Account ownership leases: which gateway process holds an account's socket. Every claim
 * makes a new epoch (a fencing token), strictly greater than every earlier epoch of that
 * account; the newest epoch is the only one that may write for the account, and only while
 * it is live (not expired, not released).
 */

/** One process's claim on one account. */
export interface AccountLease {
  accountId: string;
  /** Increases with every claim of the account; the fencing token writes carry. */
  epoch: number;
  /** The process that holds it (its id, see `src/cluster/`). */
  holder: string;
  /** The lease is dead from this time on unless renewed first. */
  expireTime: Date;
}

export interface LeaseStore {
  /**
   * Claims the account when its newest lease is dead (expired or released) or it has none.
   * Of any number of concurrent claimers, across processes, exactly one gets the new epoch;
   * the others get undefined, as does a claim while a live lease exists.
   */
  acquire(accountId: string, holder: string, now: Date, ttlMs: number): Promise<AccountLease | undefined>;
  /**
   * Extends a live lease to `now + ttlMs`. Undefined when it is no longer the account's newest
   * epoch, has expired or was released: the holder has lost the account.
   */
  renew(lease: AccountLease, now: Date, ttlMs: number): Promise<AccountLease | undefined>;
  /** Ends the lease at once (graceful stop), so another process can take the account now. */
  release(lease: AccountLease, now: Date): Promise<void>;
  /** The account's newest lease while it is live; undefined when nobody owns the account. */
  current(accountId: string, now: Date): Promise<AccountLease | undefined>;
  /** Every live lease, ordered by account id. */
  live(now: Date): Promise<AccountLease[]>;
  /**
   * The fence: true while `epoch` is the account's newest epoch and live at `now`. A writer
   * that gets false has been superseded and must not write for the account.
   */
  holds(accountId: string, epoch: number, now: Date): Promise<boolean>;
}

/** A write for an account by a process whose lease on it is stale. */
export class StaleLeaseError extends Error {
  constructor(accountId: string, epoch: number) {
    super(`lease epoch ${epoch} on account "${accountId}" is no longer current: another process owns the account`);
    this.name = "StaleLeaseError";
  }
}
