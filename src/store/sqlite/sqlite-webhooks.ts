import type Database from "better-sqlite3";
import { parseCursor, formatCursor, type EventType } from "../events.js";
import { fromJson, toJson } from "../json-dates.js";
import { decodeToken, encodeToken } from "../keyset-token.js";
import { AlreadyExistsError } from "../store.js";
import {
  OPTIONAL_WEBHOOK_FIELDS,
  type ClaimOptions,
  type DeliveryOutcome,
  type DeliveryQuery,
  type DeliveryRecord,
  type DeliveryState,
  type DeliveryStore,
  type NewDelivery,
  type WebhookPatch,
  type WebhookRecord,
  type WebhookStore,
} from "../webhooks.js";

/** Webhooks are read whole and never queried inside: one JSON column. */
export class SqliteWebhooks implements WebhookStore {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  async create(webhook: WebhookRecord): Promise<WebhookRecord> {
    try {
      this.#db.prepare("INSERT INTO webhooks (webhook_id, doc) VALUES (?, ?)").run(webhook.webhookId, toJson(webhook));
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") throw new AlreadyExistsError(`webhook ${webhook.webhookId}`);
      throw err;
    }
    return fromJson<WebhookRecord>(toJson(webhook));
  }

  async get(webhookId: string): Promise<WebhookRecord | undefined> {
    const row = this.#db.prepare<[string], { doc: string }>("SELECT doc FROM webhooks WHERE webhook_id = ?").get(webhookId);
    return row && fromJson<WebhookRecord>(row.doc);
  }

  async list({ pageSize, after }: { pageSize: number; after?: string }) {
    checkPageSize(pageSize);
    const rows = this.#db
      .prepare<[string, number], { doc: string }>("SELECT doc FROM webhooks WHERE webhook_id > ? ORDER BY webhook_id LIMIT ?")
      .all(after ?? "", pageSize + 1);
    const webhooks = rows.slice(0, pageSize).map((r) => fromJson<WebhookRecord>(r.doc));
    return rows.length > pageSize ? { webhooks, nextAfter: webhooks[pageSize - 1].webhookId } : { webhooks };
  }

  async update(webhookId: string, patch: WebhookPatch, updateTime: Date): Promise<WebhookRecord | undefined> {
    return this.#db.transaction(() => {
      const row = this.#db.prepare<[string], { doc: string }>("SELECT doc FROM webhooks WHERE webhook_id = ?").get(webhookId);
      if (!row) return undefined;
      const next = applyWebhookPatch(fromJson<WebhookRecord>(row.doc), patch, updateTime);
      this.#db.prepare("UPDATE webhooks SET doc = ? WHERE webhook_id = ?").run(toJson(next), webhookId);
      return next;
    })();
  }

  async delete(webhookId: string): Promise<boolean> {
    return this.#db.transaction(() => {
      this.#db.prepare("DELETE FROM deliveries WHERE webhook_id = ?").run(webhookId);
      return this.#db.prepare("DELETE FROM webhooks WHERE webhook_id = ?").run(webhookId).changes > 0;
    })();
  }
}

/** Required fields given as undefined stay; optional ones are cleared. */
export function applyWebhookPatch(record: WebhookRecord, patch: WebhookPatch, updateTime: Date): WebhookRecord {
  const next: WebhookRecord = { ...record, updateTime };
  for (const [key, value] of Object.entries(patch) as [keyof WebhookPatch, unknown][]) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
    else if ((OPTIONAL_WEBHOOK_FIELDS as readonly string[]).includes(key)) delete next[key as (typeof OPTIONAL_WEBHOOK_FIELDS)[number]];
  }
  return next;
}

interface DeliveryRow {
  webhook_id: string;
  event_id: string;
  event_seq: number;
  event_type: string;
  state: string;
  attempts: number;
  next_attempt_time: number | null;
  lease_owner: string | null;
  lease_expire_time: number;
  create_time: number;
  last: string;
}

interface LastAttempt {
  lastStatusCode?: number;
  lastError?: string;
  lastAttemptTime?: Date;
}

export class SqliteDeliveries implements DeliveryStore {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  async enqueue(deliveries: NewDelivery[]): Promise<void> {
    const insert = this.#db.prepare(
      `INSERT INTO deliveries (webhook_id, event_id, event_seq, event_type, state, attempts, next_attempt_time, create_time, last)
       VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, '{}') ON CONFLICT DO NOTHING`,
    );
    this.#db.transaction(() => {
      for (const d of deliveries) {
        insert.run(d.webhookId, d.eventId, parseCursor(d.eventCursor), d.eventType, d.nextAttemptTime.getTime(), d.createTime.getTime());
      }
    })();
  }

  async get(webhookId: string, eventId: string): Promise<DeliveryRecord | undefined> {
    const row = this.#db
      .prepare<[string, string], DeliveryRow>("SELECT * FROM deliveries WHERE webhook_id = ? AND event_id = ?")
      .get(webhookId, eventId);
    return row && fromRow(row);
  }

  async claimDue({ now, owner, leaseMs, webhookId, skipWebhookIds = [] }: ClaimOptions): Promise<DeliveryRecord | undefined> {
    const params: unknown[] = [...skipWebhookIds];
    let skip = skipWebhookIds.length > 0 ? `AND webhook_id NOT IN (${skipWebhookIds.map(() => "?").join(", ")})` : "";
    if (webhookId !== undefined) {
      skip += " AND webhook_id = ?";
      params.push(webhookId);
    }
    // The UPDATE is one statement under SQLite's write lock: two processes never claim one row.
    const row = this.#db
      .prepare<unknown[], DeliveryRow>(
        `UPDATE deliveries SET lease_owner = ?, lease_expire_time = ?
         WHERE rowid = (SELECT rowid FROM deliveries WHERE state = 'pending' AND next_attempt_time <= ? AND lease_expire_time <= ? ${skip}
                        ORDER BY next_attempt_time LIMIT 1)
         RETURNING *`,
      )
      .get(owner, now.getTime() + leaseMs, now.getTime(), now.getTime(), ...params);
    return row && fromRow(row);
  }

  async recordAttempt(webhookId: string, eventId: string, owner: string, outcome: DeliveryOutcome): Promise<boolean> {
    const last: LastAttempt = { lastAttemptTime: outcome.attemptTime };
    if (outcome.statusCode !== undefined) last.lastStatusCode = outcome.statusCode;
    if (outcome.error !== undefined) last.lastError = outcome.error;
    const result = this.#db
      .prepare(
        `UPDATE deliveries SET state = ?, attempts = attempts + 1, next_attempt_time = ?, last = ?,
           lease_owner = NULL, lease_expire_time = 0
         WHERE webhook_id = ? AND event_id = ? AND lease_owner = ?`,
      )
      .run(outcome.state, outcome.nextAttemptTime?.getTime() ?? null, toJson(last), webhookId, eventId, owner);
    return result.changes > 0;
  }

  async list(query: DeliveryQuery): Promise<{ deliveries: DeliveryRecord[]; nextPageToken?: string }> {
    checkPageSize(query.pageSize);
    const where = ["webhook_id = ?"];
    const params: unknown[] = [query.webhookId];
    if (query.states?.length) {
      where.push(`state IN (${query.states.map(() => "?").join(", ")})`);
      params.push(...query.states);
    }
    if (query.pageToken) {
      where.push("event_seq < ?");
      params.push(decodeToken(query.pageToken, ["number"])[0]);
    }
    const rows = this.#db
      .prepare<unknown[], DeliveryRow>(`SELECT * FROM deliveries WHERE ${where.join(" AND ")} ORDER BY event_seq DESC LIMIT ?`)
      .all(...params, query.pageSize + 1);
    const deliveries = rows.slice(0, query.pageSize).map(fromRow);
    return rows.length > query.pageSize
      ? { deliveries, nextPageToken: encodeToken([rows[query.pageSize - 1].event_seq]) }
      : { deliveries };
  }

  async oldestPendingCursor(): Promise<string | undefined> {
    const row = this.#db
      .prepare<[], { seq: number | null }>("SELECT min(event_seq) AS seq FROM deliveries WHERE state = 'pending'")
      .get();
    return row?.seq ? formatCursor(row.seq) : undefined;
  }

  async pendingStats(): Promise<{ count: number; oldestCreateTime?: Date }> {
    const row = this.#db
      .prepare<[], { n: number; t: number | null }>("SELECT count(*) AS n, min(create_time) AS t FROM deliveries WHERE state = 'pending'")
      .get()!;
    return row.t === null ? { count: row.n } : { count: row.n, oldestCreateTime: new Date(row.t) };
  }

  async reschedule(d: NewDelivery): Promise<DeliveryRecord> {
    const row = this.#db
      .prepare<unknown[], DeliveryRow>(
        `INSERT INTO deliveries (webhook_id, event_id, event_seq, event_type, state, attempts, next_attempt_time, create_time, last)
         VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, '{}')
         ON CONFLICT DO UPDATE SET state = 'pending', next_attempt_time = excluded.next_attempt_time, lease_owner = NULL, lease_expire_time = 0
         RETURNING *`,
      )
      .get(d.webhookId, d.eventId, parseCursor(d.eventCursor), d.eventType, d.nextAttemptTime.getTime(), d.createTime.getTime());
    return fromRow(row!);
  }

  async failPending(webhookId: string, error: string): Promise<number> {
    return this.#db
      .prepare(
        `UPDATE deliveries SET state = 'failed', next_attempt_time = NULL, lease_owner = NULL, lease_expire_time = 0,
           last = json_set(last, '$.lastError', ?)
         WHERE webhook_id = ? AND state = 'pending'`,
      )
      .run(error, webhookId).changes;
  }

  async fanoutPosition(): Promise<string | undefined> {
    const row = this.#db.prepare<[], { value: number }>("SELECT value FROM meta WHERE name = 'webhook_fanout'").get();
    return row ? formatCursor(row.value) : undefined;
  }

  async advanceFanout(cursor: string): Promise<void> {
    this.#db
      .prepare("INSERT INTO meta (name, value) VALUES ('webhook_fanout', ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)")
      .run(parseCursor(cursor));
  }
}

function fromRow(row: DeliveryRow): DeliveryRecord {
  const record: DeliveryRecord = {
    webhookId: row.webhook_id,
    eventId: row.event_id,
    eventCursor: formatCursor(row.event_seq),
    eventType: row.event_type as EventType,
    createTime: new Date(row.create_time),
    state: row.state as DeliveryState,
    attempts: row.attempts,
    ...fromJson<LastAttempt>(row.last),
  };
  if (row.next_attempt_time !== null) record.nextAttemptTime = new Date(row.next_attempt_time);
  if (row.lease_owner !== null) record.lease = { owner: row.lease_owner, expireTime: new Date(row.lease_expire_time) };
  return record;
}

function checkPageSize(pageSize: number): void {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  }
}
