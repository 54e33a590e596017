/** The event log port: one durable, ordered log that streams and webhooks consume. */

export type EventType =
  | "message_received"
  | "message_sent"
  | "message_status_changed"
  | "message_edited"
  | "message_deleted"
  | "message_reaction"
  | "account_state_changed"
  | "media_ready"
  | "webhook_disabled"
  | "group_created"
  | "group_participants_changed"
  | "group_updated"
  | "group_join_requested"
  | "presence_updated"
  | "call_offered"
  | "call_accepted"
  | "call_rejected"
  | "call_ended"
  | "contact_updated"
  | "chat_updated"
  | "chat_deleted"
  | "message_starred"
  | "history_synced"
  /** Only ever sent by TestWebhook, never appended. */
  | "webhook_test";

export interface NewEvent {
  /** Unique; appending an id again returns the stored event instead of a second copy. */
  eventId: string;
  accountId: string;
  type: EventType;
  chatJid?: string;
  createTime: Date;
  /** The encoded `wildcat.v1.Event` (without its cursor), opaque to the store. */
  payload: Uint8Array;
}

export interface StoredEvent extends NewEvent {
  /** Opaque; strictly increasing in append order across the deployment. */
  cursor: string;
}

/** Each present field narrows the read; lists match any of their values. */
export interface EventFilter {
  accountIds?: string[];
  types?: EventType[];
  chatJid?: string;
}

export interface EventReadOptions {
  /** Start strictly after this cursor; absent means from the oldest retained event. */
  after?: string;
  filter?: EventFilter;
  limit: number;
}

export interface EventPage {
  events: StoredEvent[];
  /**
   * Cursor to resume from: the last event examined, which may be past the last returned
   * one when non-matching events were skipped. Equal to `after` when nothing new was readable.
   */
  nextAfter?: string;
}

export interface RetentionOptions {
  /** Remove events created before this time. */
  createdBefore?: Date;
  /** Keep at most this many newest events. */
  maxEvents?: number;
}

export interface EventLog {
  append(event: NewEvent): Promise<StoredEvent>;
  /** The retained event with this id; undefined when unknown or pruned. */
  get(eventId: string): Promise<StoredEvent | undefined>;
  /** Events after `after` matching the filter, in cursor order; never skips one still being written. */
  read(options: EventReadOptions): Promise<EventPage>;
  /**
   * Resolves when an event after `after` may be readable: at once if one is, on an append in
   * this process, or when polling sees one appended elsewhere; rejects when `signal` aborts.
   */
  waitForAppend(after: string | undefined, signal?: AbortSignal): Promise<void>;
  /** The newest readable cursor, to subscribe "from now"; undefined when the log is empty. */
  latestCursor(): Promise<string | undefined>;
  /**
   * Removes old events by age and/or count, never one at or after the oldest cursor a
   * pending webhook delivery still needs, nor one the webhook fan-out has not passed yet
   * (once the fan-out has recorded a position). Returns how many were removed.
   */
  prune(options: RetentionOptions): Promise<number>;
}

/** The cursor points before what retention has removed: the reader missed events. */
export class CursorExpiredError extends Error {
  constructor(cursor: string) {
    super(`cursor ${cursor} is older than the oldest retained event`);
    this.name = "CursorExpiredError";
  }
}

/** The cursor was not produced by this store. */
export class InvalidCursorError extends RangeError {
  constructor(cursor: string) {
    super(`invalid event cursor ${JSON.stringify(cursor)}`);
    this.name = "InvalidCursorError";
  }
}

/** Cursors are decimal sequence numbers inside; callers must treat them as opaque. */
export function parseCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^[0-9]{1,15}$/.test(cursor)) throw new InvalidCursorError(cursor);
  return Number(cursor);
}

/**
 * How many log positions lie after `from` up to `to` (0 when `from` is at or past `to`): about how
 * many events a consumer at `from` has still to read. For metrics; readers keep cursors opaque.
 */
export function cursorDistance(from: string | undefined, to: string | undefined): number {
  return Math.max(0, parseCursor(to) - parseCursor(from));
}

export function formatCursor(seq: number): string {
  return String(seq);
}
