import { MongoBulkWriteError, MongoServerError, type Collection, type Filter, type ObjectId } from "mongodb";
import { formatCursor, parseCursor, type EventType } from "../events.js";
import { decodeToken, encodeToken } from "../keyset-token.js";
import type {
  ClaimOptions,
  DeliveryOutcome,
  DeliveryQuery,
  DeliveryRecord,
  DeliveryState,
  DeliveryStore,
  NewDelivery,
} from "../webhooks.js";
import { ensureIndexes } from "./ensure-indexes.js";

export interface DeliveryDocument {
  _id?: ObjectId;
  webhookId: string;
  eventId: string;
  eventSeq: number;
  eventType: EventType;
  state: DeliveryState;
  attempts: number;
  nextAttemptTime?: Date;
  /** How many times the delivery changed hands; the holder of the newest generation owns it. */
  leaseGeneration: number;
  /** Epoch when free, so "free or expired" is one range condition the index serves. */
  leaseExpireTime: Date;
  leaseOwner?: string;
  lastStatusCode?: number;
  lastError?: string;
  lastAttemptTime?: Date;
  createTime: Date;
}

/**
 * One per change of hands: `_id` is `${webhookId}/${eventId}/${generation}`. Inserting it is
 * how a process takes a delivery, because a unique insert is the only operation FerretDB v1
 * makes atomic under concurrency (its findOneAndUpdate is not: three concurrent claims of
 * one document all "succeed").
 */
export interface DeliveryLeaseDocument {
  _id: string;
  webhookId: string;
  eventId: string;
  owner: string;
  /** When the generation was taken (absent on documents written before it was recorded). */
  takeTime?: Date;
}

/** Generations tried past ones that were taken but never recorded on the delivery, per claim. */
const MAX_SKIPPED_GENERATIONS = 8;

/** `fanout`: the last event cursor (as its number) the webhook fan-out has handled. */
export interface WebhookStateDocument {
  _id: "fanout";
  value: number;
}

const duplicateKey = 11000;
const free = new Date(0);
const candidatesPerRound = 10;

export class MongoDeliveries implements DeliveryStore {
  readonly #deliveries: Collection<DeliveryDocument>;
  readonly #leases: Collection<DeliveryLeaseDocument>;
  readonly #state: Collection<WebhookStateDocument>;

  constructor(deliveries: Collection<DeliveryDocument>, leases: Collection<DeliveryLeaseDocument>, state: Collection<WebhookStateDocument>) {
    this.#deliveries = deliveries;
    this.#leases = leases;
    this.#state = state;
  }

  static async createIndexes(deliveries: Collection<DeliveryDocument>, leases: Collection<DeliveryLeaseDocument>): Promise<void> {
    await ensureIndexes(deliveries, [
      // One delivery per (webhook, event); get() and recordAttempt use it.
      { key: { webhookId: 1, eventId: 1 }, name: "webhook_event", unique: true },
      // claimDue: pending and due, most overdue first.
      { key: { state: 1, nextAttemptTime: 1 }, name: "due" },
      // claimDue for one webhook, however long other endpoints' backlogs are.
      { key: { state: 1, webhookId: 1, nextAttemptTime: 1 }, name: "webhook_due" },
      // Retention: the oldest pending event.
      { key: { state: 1, eventSeq: 1 }, name: "pending_seq" },
      // list: a webhook's deliveries newest first.
      { key: { webhookId: 1, eventSeq: -1 }, name: "webhook_seq" },
    ]);
    await ensureIndexes(leases, [{ key: { webhookId: 1, eventId: 1 }, name: "delivery" }]);
  }

  async enqueue(deliveries: NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const docs: DeliveryDocument[] = deliveries.map((d) => ({
      webhookId: d.webhookId,
      eventId: d.eventId,
      eventSeq: parseCursor(d.eventCursor),
      eventType: d.eventType,
      state: "pending",
      attempts: 0,
      nextAttemptTime: d.nextAttemptTime,
      leaseGeneration: 0,
      leaseExpireTime: free,
      createTime: d.createTime,
    }));
    try {
      await this.#deliveries.insertMany(docs, { ordered: false });
    } catch (err) {
      // Already-enqueued deliveries are left as they are; anything else is a real failure.
      const codes =
        err instanceof MongoBulkWriteError
          ? (Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors]).map((e) => e.code)
          : err instanceof MongoServerError
            ? [err.code]
            : [undefined];
      if (!codes.every((c) => c === duplicateKey)) throw err;
    }
  }

  async get(webhookId: string, eventId: string): Promise<DeliveryRecord | undefined> {
    const doc = await this.#deliveries.findOne({ webhookId, eventId });
    return doc ? fromDocument(doc) : undefined;
  }

  async claimDue({ now, owner, leaseMs, webhookId, skipWebhookIds = [] }: ClaimOptions): Promise<DeliveryRecord | undefined> {
    const filter: Filter<DeliveryDocument> = { state: "pending", nextAttemptTime: { $lte: now }, leaseExpireTime: { $lte: now } };
    if (webhookId !== undefined) filter.webhookId = skipWebhookIds.includes(webhookId) ? { $in: [] } : webhookId;
    else if (skipWebhookIds.length > 0) filter.webhookId = { $nin: [...skipWebhookIds] };
    const candidates = await this.#deliveries
      .find(filter)
      .sort({ nextAttemptTime: 1 })
      .limit(candidatesPerRound)
      .toArray();
    for (const candidate of candidates) {
      const generation = await this.#takeNextGeneration(candidate, owner, now, leaseMs);
      if (generation === undefined) continue; // someone else is taking it
      const leaseExpireTime = new Date(now.getTime() + leaseMs);
      await this.#deliveries.updateOne(
        { _id: candidate._id },
        { $set: { leaseGeneration: generation, leaseOwner: owner, leaseExpireTime } },
      );
      return fromDocument({ ...candidate, leaseGeneration: generation, leaseOwner: owner, leaseExpireTime });
    }
    return undefined;
  }

  async recordAttempt(webhookId: string, eventId: string, owner: string, outcome: DeliveryOutcome): Promise<boolean> {
    const doc = await this.#deliveries.findOne({ webhookId, eventId });
    if (!doc || doc.leaseOwner !== owner) return false;
    // Releasing is a change of hands too: if a new owner took over after our lease expired,
    // this insert collides and the late result is dropped.
    const generation = doc.leaseGeneration + 1;
    if (!(await this.#takeGeneration(doc, generation, `${owner} (release)`, outcome.attemptTime))) return false;
    const set: Partial<DeliveryDocument> = {
      state: outcome.state,
      lastAttemptTime: outcome.attemptTime,
      leaseGeneration: generation,
      leaseExpireTime: free,
      attempts: doc.attempts + 1,
    };
    const unset: Record<string, ""> = { leaseOwner: "" };
    if (outcome.nextAttemptTime) set.nextAttemptTime = outcome.nextAttemptTime;
    else unset.nextAttemptTime = "";
    if (outcome.statusCode !== undefined) set.lastStatusCode = outcome.statusCode;
    else unset.lastStatusCode = "";
    if (outcome.error !== undefined) set.lastError = outcome.error;
    else unset.lastError = "";
    await this.#deliveries.updateOne({ _id: doc._id }, { $set: set, $unset: unset });
    // Finished deliveries change hands no more: their lease history can go.
    if (outcome.state !== "pending") await this.#leases.deleteMany({ webhookId, eventId });
    return true;
  }

  async list(query: DeliveryQuery): Promise<{ deliveries: DeliveryRecord[]; nextPageToken?: string }> {
    if (!Number.isSafeInteger(query.pageSize) || query.pageSize < 1) {
      throw new RangeError(`pageSize must be a positive integer, got ${query.pageSize}`);
    }
    const filter: Filter<DeliveryDocument> = { webhookId: query.webhookId };
    if (query.states?.length) filter.state = { $in: query.states };
    if (query.pageToken) filter.eventSeq = { $lt: decodeToken(query.pageToken, ["number"])[0] as number };
    const docs = await this.#deliveries.find(filter).sort({ eventSeq: -1 }).limit(query.pageSize + 1).toArray();
    const deliveries = docs.slice(0, query.pageSize).map(fromDocument);
    return docs.length > query.pageSize
      ? { deliveries, nextPageToken: encodeToken([docs[query.pageSize - 1].eventSeq]) }
      : { deliveries };
  }

  async oldestPendingCursor(): Promise<string | undefined> {
    const docs = await this.#deliveries.find({ state: "pending" }).sort({ eventSeq: 1 }).limit(1).toArray();
    return docs[0] ? formatCursor(docs[0].eventSeq) : undefined;
  }

  async pendingStats(): Promise<{ count: number; oldestCreateTime?: Date }> {
    const count = await this.#deliveries.countDocuments({ state: "pending" });
    if (count === 0) return { count };
    // The oldest event is the one with the lowest sequence: the pending_seq index finds it.
    const [oldest] = await this.#deliveries.find({ state: "pending" }).sort({ eventSeq: 1 }).limit(1).toArray();
    return oldest ? { count, oldestCreateTime: oldest.createTime } : { count };
  }

  async reschedule(d: NewDelivery): Promise<DeliveryRecord> {
    await this.enqueue([d]);
    // Dropping the owner makes a late result of an attempt in flight a no-op (recordAttempt
    // checks it), and a free lease makes the delivery claimable at once.
    await this.#deliveries.updateOne(
      { webhookId: d.webhookId, eventId: d.eventId },
      { $set: { state: "pending", nextAttemptTime: d.nextAttemptTime, leaseExpireTime: free }, $unset: { leaseOwner: "" } },
    );
    return (await this.get(d.webhookId, d.eventId))!;
  }

  async failPending(webhookId: string, error: string): Promise<number> {
    const result = await this.#deliveries.updateMany(
      { webhookId, state: "pending" },
      { $set: { state: "failed", lastError: error, leaseExpireTime: free }, $unset: { nextAttemptTime: "", leaseOwner: "" } },
    );
    return result.modifiedCount;
  }

  async fanoutPosition(): Promise<string | undefined> {
    const doc = await this.#state.findOne({ _id: "fanout" });
    return doc ? formatCursor(doc.value) : undefined;
  }

  async advanceFanout(cursor: string): Promise<void> {
    await this.#state.updateOne({ _id: "fanout" }, { $max: { value: parseCursor(cursor) } }, { upsert: true });
  }

  /**
   * Takes the delivery's next lease generation, or undefined when another claimer took it just
   * now. A generation taken longer than a lease ago that the delivery does not show was never
   * recorded: its claimer died, or the database went away after the insert and before its answer
   * (the claimer saw an error). Such a generation is skipped; waiting for it would leave the
   * delivery pending forever.
   */
  async #takeNextGeneration(doc: DeliveryDocument, owner: string, now: Date, leaseMs: number): Promise<number | undefined> {
    for (let generation = doc.leaseGeneration + 1; generation <= doc.leaseGeneration + MAX_SKIPPED_GENERATIONS; generation++) {
      if (await this.#takeGeneration(doc, generation, owner, now)) return generation;
      const taken = await this.#leases.findOne({ _id: `${doc.webhookId}/${doc.eventId}/${generation}` });
      if (taken?.takeTime && now.getTime() - taken.takeTime.getTime() < leaseMs) return undefined;
    }
    return undefined;
  }

  async #takeGeneration(doc: DeliveryDocument, generation: number, owner: string, takeTime: Date): Promise<boolean> {
    try {
      await this.#leases.insertOne({
        _id: `${doc.webhookId}/${doc.eventId}/${generation}`,
        webhookId: doc.webhookId,
        eventId: doc.eventId,
        owner,
        takeTime,
      });
      return true;
    } catch (err) {
      if (err instanceof MongoServerError && err.code === duplicateKey) return false;
      throw err;
    }
  }
}

function fromDocument(doc: DeliveryDocument): DeliveryRecord {
  const record: DeliveryRecord = {
    webhookId: doc.webhookId,
    eventId: doc.eventId,
    eventCursor: formatCursor(doc.eventSeq),
    eventType: doc.eventType,
    state: doc.state,
    attempts: doc.attempts,
    createTime: doc.createTime,
  };
  if (doc.nextAttemptTime) record.nextAttemptTime = doc.nextAttemptTime;
  if (doc.lastStatusCode !== undefined) record.lastStatusCode = doc.lastStatusCode;
  if (doc.lastError !== undefined) record.lastError = doc.lastError;
  if (doc.lastAttemptTime) record.lastAttemptTime = doc.lastAttemptTime;
  if (doc.leaseOwner) record.lease = { owner: doc.leaseOwner, expireTime: doc.leaseExpireTime };
  return record;
}
