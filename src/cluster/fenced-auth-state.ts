import type { AuthStateStore, LoadedAuthState } from "../store/auth-state.js";
import { StaleLeaseError, type AccountLease, type LeaseStore } from "../store/leases.js";

/** Tells which lease this process holds on an account now, if any. */
export type LeaseOf = (accountId: string) => AccountLease | undefined;

/**
 * Auth state whose every write (Signal keys, sessions, creds, removal) first proves that this
 * process still holds the account's newest, live epoch: a paused or partitioned process that
 * lost the account gets {@link StaleLeaseError} (thrown back into Baileys) instead of
 * overwriting the new owner's sessions. Two checks: the lease's own expiry by this process's
 * clock (no round trip, and the one that stops a process resumed after SIGSTOP before it
 * reaches the database), then the store's newest epoch (a takeover this process missed).
 * The check and the write are two steps, since FerretDB has no transactions; the window
 * between them is one database round trip.
 */
export class FencedAuthState implements AuthStateStore {
  constructor(
    private readonly inner: AuthStateStore,
    private readonly leases: Pick<LeaseStore, "holds">,
    private readonly leaseOf: LeaseOf,
    private readonly now: () => Date,
  ) {}

  /** Throws unless this process holds the account's current lease. */
  async check(accountId: string): Promise<void> {
    const lease = this.leaseOf(accountId);
    const now = this.now();
    if (!lease) throw new StaleLeaseError(accountId, 0);
    if (lease.expireTime <= now || !(await this.leases.holds(accountId, lease.epoch, now))) {
      throw new StaleLeaseError(accountId, lease.epoch);
    }
  }

  async load(accountId: string): Promise<LoadedAuthState> {
    const loaded = await this.inner.load(accountId);
    const { keys } = loaded.state;
    return {
      state: {
        creds: loaded.state.creds,
        keys: {
          get: (type, ids) => keys.get(type, ids),
          set: async (data) => {
            await this.check(accountId);
            await keys.set(data);
          },
          clear: async () => {
            await this.check(accountId);
            await keys.clear?.();
          },
        },
      },
      saveCreds: async () => {
        await this.check(accountId);
        await loaded.saveCreds();
      },
    };
  }

  exists(accountId: string): Promise<boolean> {
    return this.inner.exists(accountId);
  }

  async delete(accountId: string): Promise<void> {
    await this.check(accountId);
    await this.inner.delete(accountId);
  }

  async rotate(accountId: string): Promise<number> {
    return this.inner.rotate(accountId);
  }
}
