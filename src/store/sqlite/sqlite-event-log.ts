import type Database from "better-sqlite3";
import type { AppendWaiter } from "../append-waiter.js";
import {
  CursorExpiredError,
  formatCursor,
  parseCursor,
  type EventLog,
  type EventPage,
  type EventReadOptions,
  type EventFilter,
  type EventType,
  type NewEvent,
  type RetentionOptions,
  type StoredEvent,
} from "../events.js";

/** Distinct reads kept per top: far more than the filters live subscribers use. */
const MAX_SHARED_PAGES = 64;

interface EventRow {
  seq: number;
  event_id: string;
  account_id: string;
  type: string;
  chat_jid: string | null;
  create_time: number;
  payload: Buffer;
}

/**
 * SQLite serializes writers (across processes too), and AUTOINCREMENT never reuses a number,
 * so a committed event's seq is higher than every event committed before it: readers can
 * never see a later event while an earlier one is still invisible.
 */
export class SqliteEventLog implements EventLog {
  readonly #db: Database.Database;
  readonly #waiter: AppendWaiter;
  readonly #insert: Database.Statement<[Record<string, unknown>]>;
  readonly #byEventId: Database.Statement<[string], EventRow>;
  readonly #maxSeq: Database.Statement<[], { seq: number | null }>;
  readonly #floor: Database.Statement<[], { value: number }>;
  /**
   * Pages read up to the current top, by what was asked. After an append every live
   * StreamMessages subscriber asks for the same page (after the same cursor, up to the same top):
   * one query answers them all instead of one each. A page depends only on `after`, the filter,
   * the limit and the top (rows at or below the top never change, and retention removes only
   * rows a valid `after` is past), so it is reused until the top moves.
   */
  readonly #pages = new Map<string, EventPage>();
  #pagesTop = -1;

  constructor(db: Database.Database, waiter: AppendWaiter) {
    this.#db = db;
    this.#waiter = waiter;
    this.#insert = db.prepare(
      `INSERT INTO events (event_id, account_id, type, chat_jid, create_time, payload)
       VALUES (@event_id, @account_id, @type, @chat_jid, @create_time, @payload) ON CONFLICT (event_id) DO NOTHING`,
    );
    this.#byEventId = db.prepare("SELECT * FROM events WHERE event_id = ?");
    this.#maxSeq = db.prepare("SELECT max(seq) AS seq FROM events");
    this.#floor = db.prepare("SELECT value FROM meta WHERE name = 'event_floor'");
  }

  async append(event: NewEvent): Promise<StoredEvent> {
    this.#insert.run({
      event_id: event.eventId,
      account_id: event.accountId,
      type: event.type,
      chat_jid: event.chatJid ?? null,
      create_time: event.createTime.getTime(),
      payload: Buffer.from(event.payload),
    });
    this.#waiter.notify();
    return fromRow(this.#byEventId.get(event.eventId)!);
  }

  async get(eventId: string): Promise<StoredEvent | undefined> {
    const row = this.#byEventId.get(eventId);
    return row && fromRow(row);
  }

  async read({ after, filter, limit }: EventReadOptions): Promise<EventPage> {
    checkLimit(limit);
    const from = parseCursor(after);
    if (after !== undefined && from < (this.#floor.get()?.value ?? 0)) throw new CursorExpiredError(after);
    // The top is read first: an event appended after it is left for the next read, not skipped.
    const top = this.#maxSeq.get()?.seq ?? 0;
    if (top !== this.#pagesTop) {
      this.#pages.clear();
      this.#pagesTop = top;
    }
    const key = JSON.stringify([from, limit, filter?.accountIds, filter?.types, filter?.chatJid]);
    let page = this.#pages.get(key);
    if (!page) {
      page = this.#select(from, top, filter, limit);
      // Live subscribers share a handful of keys; readers catching up each have their own.
      if (this.#pages.size < MAX_SHARED_PAGES) this.#pages.set(key, page);
    }
    // Callers get their own array; the events in it are shared and never changed.
    return { ...page, events: [...page.events] };
  }

  #select(from: number, top: number, filter: EventFilter | undefined, limit: number): EventPage {
    const where = ["seq > ?", "seq <= ?"];
    const params: unknown[] = [from, top];
    if (filter?.accountIds) {
      where.push(`account_id IN (${filter.accountIds.map(() => "?").join(", ")})`);
      params.push(...filter.accountIds);
    }
    if (filter?.types) {
      where.push(`type IN (${filter.types.map(() => "?").join(", ")})`);
      params.push(...filter.types);
    }
    if (filter?.chatJid !== undefined) {
      where.push("chat_jid = ?");
      params.push(filter.chatJid);
    }
    const rows = this.#db
      .prepare<unknown[], EventRow>(`SELECT * FROM events WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`)
      .all(...params, limit);
    const events = rows.map(fromRow);
    // A short page means everything up to the newest event has been examined.
    const examined = rows.length === limit ? rows[rows.length - 1].seq : Math.max(from, top);
    return examined === 0 ? { events } : { events, nextAfter: formatCursor(examined) };
  }

  waitForAppend(after: string | undefined, signal?: AbortSignal): Promise<void> {
    const from = parseCursor(after);
    return this.#waiter.wait(async () => (this.#maxSeq.get()?.seq ?? 0) > from, signal);
  }

  async latestCursor(): Promise<string | undefined> {
    const seq = this.#maxSeq.get()?.seq;
    return seq ? formatCursor(seq) : undefined;
  }

  async prune({ createdBefore, maxEvents }: RetentionOptions): Promise<number> {
    this.#pages.clear();
    return this.#db.transaction(() => {
      let upTo = -1;
      if (createdBefore) {
        const row = this.#db
          .prepare<[number], { seq: number | null }>("SELECT max(seq) AS seq FROM events WHERE create_time < ?")
          .get(createdBefore.getTime());
        upTo = Math.max(upTo, row?.seq ?? -1);
      }
      if (maxEvents !== undefined) {
        const row = this.#db
          .prepare<[number], { seq: number }>("SELECT seq FROM events ORDER BY seq DESC LIMIT 1 OFFSET ?")
          .get(maxEvents);
        upTo = Math.max(upTo, row?.seq ?? -1);
      }
      const pending = this.#db
        .prepare<[], { seq: number | null }>("SELECT min(event_seq) AS seq FROM deliveries WHERE state = 'pending'")
        .get()?.seq;
      if (pending !== null && pending !== undefined) upTo = Math.min(upTo, pending - 1);
      // Nor what the webhook fan-out has not handled yet (once it has started).
      const fanout = this.#db.prepare<[], { value: number }>("SELECT value FROM meta WHERE name = 'webhook_fanout'").get()?.value;
      if (fanout !== undefined) upTo = Math.min(upTo, fanout);
      if (upTo < 1) return 0;
      const removed = this.#db.prepare("DELETE FROM events WHERE seq <= ?").run(upTo).changes;
      this.#db
        .prepare("INSERT INTO meta (name, value) VALUES ('event_floor', ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)")
        .run(upTo);
      return removed;
    })();
  }
}

function fromRow(row: EventRow): StoredEvent {
  const event: StoredEvent = {
    cursor: formatCursor(row.seq),
    eventId: row.event_id,
    accountId: row.account_id,
    type: row.type as EventType,
    createTime: new Date(row.create_time),
    payload: new Uint8Array(row.payload),
  };
  if (row.chat_jid !== null) event.chatJid = row.chat_jid;
  return event;
}

export function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
}
