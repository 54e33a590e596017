import { MongoServerError, type Collection, type Filter } from "mongodb";
import type { AppendWaiter } from "../append-waiter.js";
import {
  CursorExpiredError,
  formatCursor,
  parseCursor,
  type EventLog,
  type EventPage,
  type EventReadOptions,
  type EventType,
  type NewEvent,
  type RetentionOptions,
  type StoredEvent,
} from "../events.js";
import type { DeliveryDocument, WebhookStateDocument } from "./mongo-deliveries.js";
import { ensureIndexes } from "./ensure-indexes.js";

export interface EventDocument {
  /** The sequence number behind the cursor. */
  _id: number;
  eventId: string;
  accountId: string;
  type: EventType;
  chatJid?: string;
  createTime: Date;
  payload: Buffer;
}

/** `floor`: retention removed every event up to it. */
export interface EventMetaDocument {
  _id: "floor";
  value: number;
}

export interface MongoEventLogOptions {
  /** Test-only: runs after a writer chose its sequence number and before it inserts. */
  beforeInsert?: (seq: number) => Promise<void>;
}

const duplicateKey = 11000;

/**
 * Sequence numbers without a counter. A writer reads the highest `_id` and inserts the event
 * under `_id = highest + 1`; if another writer got there first, the unique `_id` rejects the
 * insert and it tries again above the new highest.
 *
 * Why not a counter (`findOneAndUpdate $inc`) plus insert: a reserved number becomes visible
 * only when its insert lands, so writer A reserving 5, writer B reserving 6 and inserting
 * first makes a reader after 4 see 6 and skip 5 forever. Here nobody holds a number that is
 * not yet in the collection: every insert takes the number right above a committed one, so
 * committed numbers stay contiguous (1..n) and ordered by commit; a reader can never see n+1
 * before n, and a writer that dies leaves nothing behind. (Also, FerretDB v1.24 does not make
 * `$inc` or findOneAndUpdate atomic under concurrency: 200 concurrent increments yield about
 * a dozen distinct values; the unique index is the one atomic primitive it does have.)
 *
 * Appends of this process go one at a time, so contention is only between processes.
 */
export class MongoEventLog implements EventLog {
  readonly #events: Collection<EventDocument>;
  readonly #meta: Collection<EventMetaDocument>;
  readonly #deliveries: Collection<DeliveryDocument>;
  readonly #webhookState: Collection<WebhookStateDocument>;
  readonly #waiter: AppendWaiter;
  readonly #options: MongoEventLogOptions;
  #appending: Promise<unknown> = Promise.resolve();
  /** The newest event number this process has appended or seen. */
  #known = 0;
  #looking?: Promise<number>;

  constructor(
    events: Collection<EventDocument>,
    meta: Collection<EventMetaDocument>,
    deliveries: Collection<DeliveryDocument>,
    webhookState: Collection<WebhookStateDocument>,
    waiter: AppendWaiter,
    options: MongoEventLogOptions = {},
  ) {
    this.#events = events;
    this.#meta = meta;
    this.#deliveries = deliveries;
    this.#webhookState = webhookState;
    this.#waiter = waiter;
    this.#options = options;
  }

  static async createIndexes(events: Collection<EventDocument>): Promise<void> {
    await ensureIndexes(events, [
      // Makes append idempotent per event id.
      { key: { eventId: 1 }, name: "event_id", unique: true },
      // Reads filtered by account, in cursor order.
      { key: { accountId: 1, _id: 1 }, name: "account_seq" },
      // Retention by age.
      { key: { createTime: 1 }, name: "create_time" },
    ]);
  }

  append(event: NewEvent): Promise<StoredEvent> {
    const result = this.#appending.then(() => this.#appendNow(event));
    this.#appending = result.catch(() => {});
    return result;
  }

  async #appendNow(event: NewEvent): Promise<StoredEvent> {
    // No look-up of the event id first (on FerretDB v1 a scan of the whole log): the unique
    // `eventId` index refuses a second copy, and only then is the first one read.
    for (;;) {
      const seq = (await this.#top()) + 1;
      await this.#options.beforeInsert?.(seq);
      const doc: EventDocument = {
        _id: seq,
        eventId: event.eventId,
        accountId: event.accountId,
        type: event.type,
        createTime: event.createTime,
        payload: Buffer.from(event.payload),
      };
      if (event.chatJid !== undefined) doc.chatJid = event.chatJid;
      try {
        await this.#events.insertOne(doc);
        this.#known = Math.max(this.#known, seq);
        this.#waiter.notify();
        return fromDocument(doc);
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === duplicateKey)) throw err;
        // Another writer took the number, or this event id is in the log already.
        const appended = await this.#events.findOne({ eventId: event.eventId });
        if (appended) return fromDocument(appended);
      }
    }
  }

  async get(eventId: string): Promise<StoredEvent | undefined> {
    const doc = await this.#events.findOne({ eventId });
    return doc ? fromDocument(doc) : undefined;
  }

  async read({ after, filter, limit }: EventReadOptions): Promise<EventPage> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    const from = parseCursor(after);
    if (after !== undefined && from < (await this.#floor())) throw new CursorExpiredError(after);
    // The top is read first: an event appended after it is left for the next read, not skipped.
    const top = await this.#top();
    if (from >= top) return after === undefined ? { events: [] } : { events: [], nextAfter: after };
    const query: Filter<EventDocument> = { _id: { $gt: from, $lte: top } };
    if (filter?.accountIds) query.accountId = { $in: filter.accountIds };
    if (filter?.types) query.type = { $in: filter.types };
    if (filter?.chatJid !== undefined) query.chatJid = filter.chatJid;
    const docs = await this.#events.find(query).sort({ _id: 1 }).limit(limit).toArray();
    const examined = docs.length === limit ? docs[docs.length - 1]._id : top;
    return { events: docs.map(fromDocument), nextAfter: formatCursor(examined) };
  }

  waitForAppend(after: string | undefined, signal?: AbortSignal): Promise<void> {
    const from = parseCursor(after);
    return this.#waiter.wait(async () => (await this.#polledTop()) > from, signal);
  }

  async latestCursor(): Promise<string | undefined> {
    const top = await this.#top();
    return top > 0 ? formatCursor(top) : undefined;
  }

  async prune({ createdBefore, maxEvents }: RetentionOptions): Promise<number> {
    let upTo = -1;
    if (createdBefore) {
      const old = await this.#events.find({ createTime: { $lt: createdBefore } }).sort({ createTime: -1 }).limit(1).toArray();
      if (old[0]) upTo = Math.max(upTo, old[0]._id);
    }
    if (maxEvents !== undefined) {
      const beyond = await this.#events.find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).skip(maxEvents).limit(1).toArray();
      if (beyond[0]) upTo = Math.max(upTo, beyond[0]._id);
    }
    // The newest event always stays: it is what the next number is counted from.
    upTo = Math.min(upTo, (await this.#top()) - 1);
    // Unfinished deliveries still need their events.
    const pending = await this.#deliveries.find({ state: "pending" }).sort({ eventSeq: 1 }).limit(1).toArray();
    if (pending[0]) upTo = Math.min(upTo, pending[0].eventSeq - 1);
    // Nor what the webhook fan-out has not handled yet (once it has started).
    const fanout = await this.#webhookState.findOne({ _id: "fanout" });
    if (fanout) upTo = Math.min(upTo, fanout.value);
    if (upTo < 1) return 0;
    // Floor first: a reader racing the delete gets CursorExpiredError rather than a silent gap.
    await this.#meta.updateOne({ _id: "floor" }, { $max: { value: upTo } }, { upsert: true });
    const result = await this.#events.deleteMany({ _id: { $lte: upTo } });
    return result.deletedCount;
  }

  async #top(): Promise<number> {
    const [newest] = await this.#events.find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(1).toArray();
    // An empty log after retention continues above what was removed, never reusing a cursor.
    const top = newest?._id ?? (await this.#floor());
    this.#known = Math.max(this.#known, top);
    return top;
  }

  /**
   * The top for waiting readers: every reader of this process polls (a stream, an account's
   * watchers, the webhook fan-out), and a look already under way when one asks is shared rather
   * than repeated. Their timers then line up, so a poll interval costs one look however many
   * readers wait. Appends made here count at once.
   */
  async #polledTop(): Promise<number> {
    this.#looking ??= this.#top().finally(() => (this.#looking = undefined));
    await this.#looking; // #top() raises #known to what it found
    return this.#known;
  }

  async #floor(): Promise<number> {
    return (await this.#meta.findOne({ _id: "floor" }))?.value ?? 0;
  }
}

function fromDocument(doc: EventDocument): StoredEvent {
  const event: StoredEvent = {
    cursor: formatCursor(doc._id),
    eventId: doc.eventId,
    accountId: doc.accountId,
    type: doc.type,
    createTime: doc.createTime,
    payload: new Uint8Array(doc.payload),
  };
  if (doc.chatJid !== undefined) event.chatJid = doc.chatJid;
  return event;
}
