import type Database from "better-sqlite3";
import type { AccountLease, LeaseStore } from "../leases.js";

interface LeaseRow {
  account_id: string;
  epoch: number;
  holder: string;
  expire_time: number;
}

/**
 * Leases in the embedded store: one row per account holding its newest epoch. Each call is
 * one IMMEDIATE transaction, so claims are atomic even when several processes share the file
 * (tests, tooling); a gateway on SQLite is otherwise a single process that owns every account.
 */
export class SqliteLeases implements LeaseStore {
  readonly #db: Database.Database;
  readonly #select: Database.Statement<[string], LeaseRow>;
  readonly #upsert: Database.Statement<[LeaseRow]>;
  readonly #setExpire: Database.Statement<[number, string, number, string, number]>;
  readonly #live: Database.Statement<[number], LeaseRow>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#select = db.prepare("SELECT * FROM account_leases WHERE account_id = ?");
    this.#upsert = db.prepare(
      `INSERT INTO account_leases (account_id, epoch, holder, expire_time) VALUES (@account_id, @epoch, @holder, @expire_time)
       ON CONFLICT (account_id) DO UPDATE SET epoch = excluded.epoch, holder = excluded.holder, expire_time = excluded.expire_time`,
    );
    this.#setExpire = db.prepare(
      "UPDATE account_leases SET expire_time = ? WHERE account_id = ? AND epoch = ? AND holder = ? AND expire_time > ?",
    );
    this.#live = db.prepare("SELECT * FROM account_leases WHERE expire_time > ? ORDER BY account_id");
  }

  async acquire(accountId: string, holder: string, now: Date, ttlMs: number): Promise<AccountLease | undefined> {
    return this.#db
      .transaction(() => {
        const top = this.#select.get(accountId);
        if (top && top.expire_time > now.getTime()) return undefined;
        const row: LeaseRow = { account_id: accountId, epoch: (top?.epoch ?? 0) + 1, holder, expire_time: now.getTime() + ttlMs };
        this.#upsert.run(row);
        return fromRow(row);
      })
      .immediate();
  }

  async renew(lease: AccountLease, now: Date, ttlMs: number): Promise<AccountLease | undefined> {
    const expireTime = now.getTime() + ttlMs;
    const result = this.#setExpire.run(expireTime, lease.accountId, lease.epoch, lease.holder, now.getTime());
    return result.changes === 1 ? { ...lease, expireTime: new Date(expireTime) } : undefined;
  }

  async release(lease: AccountLease, now: Date): Promise<void> {
    this.#setExpire.run(now.getTime(), lease.accountId, lease.epoch, lease.holder, now.getTime());
  }

  async current(accountId: string, now: Date): Promise<AccountLease | undefined> {
    const top = this.#select.get(accountId);
    return top && top.expire_time > now.getTime() ? fromRow(top) : undefined;
  }

  async live(now: Date): Promise<AccountLease[]> {
    return this.#live.all(now.getTime()).map(fromRow);
  }

  async holds(accountId: string, epoch: number, now: Date): Promise<boolean> {
    const top = this.#select.get(accountId);
    return top !== undefined && top.epoch === epoch && top.expire_time > now.getTime();
  }
}

function fromRow(row: LeaseRow): AccountLease {
  return { accountId: row.account_id, epoch: row.epoch, holder: row.holder, expireTime: new Date(row.expire_time) };
}
