import type { EventType } from "./events.js";

/** The webhook port: subscriptions and their durable delivery outbox. */

export type WebhookState = "enabled" | "disabled" | "failing";

export interface WebhookSecret {
  secret: string;
  createTime: Date;
  /** Set on a rotated-out secret: signatures with it stay valid until then. */
  expireTime?: Date;
}

export interface WebhookRecord {
  webhookId: string;
  url: string;
  /** Empty means every type. */
  eventTypes: EventType[];
  /** Empty means every account. */
  accountIds: string[];
  description: string;
  state: WebhookState;
  disabledReason?: string;
  /** Newest first; the first is used to sign. */
  secrets: WebhookSecret[];
  /** Set by the first failed delivery after a success; cleared by the next success. */
  failingSince?: Date;
  createTime: Date;
  updateTime: Date;
}

/** The optional fields of a webhook, which a patch clears by giving them as undefined. */
export const OPTIONAL_WEBHOOK_FIELDS = ["disabledReason", "failingSince"] as const;

export type WebhookPatch = Partial<
  Pick<WebhookRecord, "url" | "eventTypes" | "accountIds" | "description" | "state" | "disabledReason" | "secrets" | "failingSince">
>;

export interface WebhookStore {
  /** Throws AlreadyExistsError for a taken id. */
  create(webhook: WebhookRecord): Promise<WebhookRecord>;
  get(webhookId: string): Promise<WebhookRecord | undefined>;
  /** Ordered by id, strictly after `after`. */
  list(options: { pageSize: number; after?: string }): Promise<{ webhooks: WebhookRecord[]; nextAfter?: string }>;
  /** A key given as undefined clears an optional field. Undefined when unknown. */
  update(webhookId: string, patch: WebhookPatch, updateTime: Date): Promise<WebhookRecord | undefined>;
  /** Removes the webhook and its deliveries. */
  delete(webhookId: string): Promise<boolean>;
}

export type DeliveryState = "pending" | "succeeded" | "failed";

export interface NewDelivery {
  webhookId: string;
  eventId: string;
  /** Cursor of the event: retention keeps the log from the oldest pending one. */
  eventCursor: string;
  eventType: EventType;
  createTime: Date;
  /** First attempt time (normally createTime). */
  nextAttemptTime: Date;
}

export interface DeliveryRecord extends Omit<NewDelivery, "nextAttemptTime"> {
  /** Absent once the delivery succeeded or failed for good. */
  nextAttemptTime?: Date;
  state: DeliveryState;
  attempts: number;
  lastStatusCode?: number;
  lastError?: string;
  lastAttemptTime?: Date;
  /** Who holds the delivery now and until when (absent when nobody does). */
  lease?: { owner: string; expireTime: Date };
}

export interface DeliveryOutcome {
  attemptTime: Date;
  /** "pending" schedules another attempt at nextAttemptTime. */
  state: DeliveryState;
  nextAttemptTime?: Date;
  statusCode?: number;
  error?: string;
}

export interface DeliveryQuery {
  webhookId: string;
  pageSize: number;
  pageToken?: string;
  states?: DeliveryState[];
}

export interface ClaimOptions {
  now: Date;
  owner: string;
  leaseMs: number;
  webhookId?: string;
  skipWebhookIds?: readonly string[];
}

export interface DeliveryStore {
  /** Adds deliveries; one already present for its (webhook, event) is left as it is. */
  enqueue(deliveries: NewDelivery[]): Promise<void>;
  get(webhookId: string, eventId: string): Promise<DeliveryRecord | undefined>;
  /**
   * Takes the most overdue pending delivery whose lease is free or expired, leasing it to
   * `owner` until now + leaseMs. Safe with several processes: each delivery goes to one.
   * With `webhookId`, only that webhook's deliveries (an index serves it, however long other
   * endpoints' backlogs are). Deliveries of the webhooks in `skipWebhookIds` (endpoints at
   * their concurrency bound) are passed over.
   */
  claimDue(options: ClaimOptions): Promise<DeliveryRecord | undefined>;
  /** Records an attempt and releases the lease; false when `owner` no longer holds it. */
  recordAttempt(webhookId: string, eventId: string, owner: string, outcome: DeliveryOutcome): Promise<boolean>;
  /** A webhook's deliveries, newest event first. */
  list(query: DeliveryQuery): Promise<{ deliveries: DeliveryRecord[]; nextPageToken?: string }>;
  /** The oldest event cursor a pending delivery still needs. */
  oldestPendingCursor(): Promise<string | undefined>;
  /** How many deliveries are pending (the outbox queue depth), and when the oldest was made. */
  pendingStats(): Promise<{ count: number; oldestCreateTime?: Date }>;
  /**
   * Makes the delivery pending and due at `now`, attempts kept, lease dropped (a late result
   * of an attempt in flight is then ignored); creates it when absent. Returns it.
   */
  reschedule(delivery: NewDelivery): Promise<DeliveryRecord>;
  /**
   * Ends every pending delivery of a webhook (it was disabled): state failed, no next
   * attempt, `error` as the last error, leases dropped. Returns how many.
   */
  failPending(webhookId: string, error: string): Promise<number>;
  /** The last event the webhook fan-out has handled; undefined before its first start. */
  fanoutPosition(): Promise<string | undefined>;
  /** Moves the fan-out position forward (never back) to `cursor`. */
  advanceFanout(cursor: string): Promise<void>;
}
