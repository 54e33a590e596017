import { MongoServerError, type Collection } from "mongodb";
import type { AccountLease, LeaseStore } from "../leases.js";
import { ensureIndexes } from "./ensure-indexes.js";

/** One claim: `_id` is `${accountId}/${epoch}`, so a claim of an epoch is one unique insert. */
export interface LeaseDocument {
  _id: string;
  accountId: string;
  epoch: number;
  holder: string;
  expireTime: Date;
}

const duplicateKey = 11000;

/**
 * Leases without transactions or atomic updates (FerretDB v1 has neither): a claim reads the
 * account's newest epoch and, when that lease is dead, inserts epoch + 1 under a unique `_id`.
 * Two claimers of the same epoch collide on the key and one loses. A claimer that read a stale
 * newest epoch (one pruned meanwhile) could insert an old number again, so after inserting it
 * reads the newest epoch once more and gives its claim up unless it is that one.
 *
 * Only the holder ever updates its own document (renew, release), so the lack of atomic
 * updates never races two writers on one document; a renewal that races a takeover is caught
 * by reading the newest epoch after the update.
 */
export class MongoLeases implements LeaseStore {
  readonly #leases: Collection<LeaseDocument>;

  constructor(leases: Collection<LeaseDocument>) {
    this.#leases = leases;
  }

  static async createIndexes(leases: Collection<LeaseDocument>): Promise<void> {
    await ensureIndexes(leases, [
      { key: { accountId: 1, epoch: -1 }, name: "account_epoch", unique: true },
      { key: { expireTime: 1 }, name: "expire_time" },
    ]);
  }

  async acquire(accountId: string, holder: string, now: Date, ttlMs: number): Promise<AccountLease | undefined> {
    const top = await this.#newest(accountId);
    if (top && top.expireTime > now) return undefined;
    const epoch = (top?.epoch ?? 0) + 1;
    const doc: LeaseDocument = { _id: `${accountId}/${epoch}`, accountId, epoch, holder, expireTime: new Date(now.getTime() + ttlMs) };
    try {
      await this.#leases.insertOne(doc);
    } catch (err) {
      if (err instanceof MongoServerError && err.code === duplicateKey) return undefined;
      throw err;
    }
    const after = await this.#newest(accountId);
    if (after?.epoch !== epoch) {
      await this.#leases.updateOne({ _id: doc._id }, { $set: { expireTime: new Date(0) } });
      return undefined;
    }
    // Older claims are dead for good; keep the one just below, so the numbering stays visible.
    await this.#leases.deleteMany({ accountId, epoch: { $lt: epoch - 1 } });
    return fromDocument(doc);
  }

  async renew(lease: AccountLease, now: Date, ttlMs: number): Promise<AccountLease | undefined> {
    const expireTime = new Date(now.getTime() + ttlMs);
    const result = await this.#leases.updateOne(
      { _id: `${lease.accountId}/${lease.epoch}`, holder: lease.holder, expireTime: { $gt: now } },
      { $set: { expireTime } },
    );
    if (result.matchedCount === 0) return undefined;
    const top = await this.#newest(lease.accountId);
    if (top?.epoch !== lease.epoch) return undefined;
    return { ...lease, expireTime };
  }

  async release(lease: AccountLease, now: Date): Promise<void> {
    await this.#leases.updateOne(
      { _id: `${lease.accountId}/${lease.epoch}`, holder: lease.holder, expireTime: { $gt: now } },
      { $set: { expireTime: now } },
    );
  }

  async current(accountId: string, now: Date): Promise<AccountLease | undefined> {
    const top = await this.#newest(accountId);
    return top && top.expireTime > now ? fromDocument(top) : undefined;
  }

  async live(now: Date): Promise<AccountLease[]> {
    const docs = await this.#leases.find({ expireTime: { $gt: now } }).sort({ accountId: 1, epoch: -1 }).toArray();
    const out: AccountLease[] = [];
    // A lower epoch can still look live after a takeover (its holder has not noticed yet): the newest wins.
    for (const doc of docs) if (out.at(-1)?.accountId !== doc.accountId) out.push(fromDocument(doc));
    return out;
  }

  async holds(accountId: string, epoch: number, now: Date): Promise<boolean> {
    const top = await this.#newest(accountId);
    return top !== null && top.epoch === epoch && top.expireTime > now;
  }

  #newest(accountId: string): Promise<LeaseDocument | null> {
    return this.#leases.find({ accountId }).sort({ epoch: -1 }).limit(1).next();
  }
}

function fromDocument(doc: LeaseDocument): AccountLease {
  return { accountId: doc.accountId, epoch: doc.epoch, holder: doc.holder, expireTime: new Date(doc.expireTime) };
}
