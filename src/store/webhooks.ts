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
  createTime: Date;
  updateTime: Date;
}

export type WebhookPatch = Partial<
  Pick<WebhookRecord, "url" | "eventTypes" | "accountIds" | "description" | "state" | "disabledReason" | "secrets">
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

export interface DeliveryStore {
  /** Adds deliveries; one already present for its (webhook, event) is left as it is. */
  enqueue(deliveries: NewDelivery[]): Promise<void>;
  get(webhookId: string, eventId: string): Promise<DeliveryRecord | undefined>;
  /**
   * Takes the most overdue pending delivery whose lease is free or expired, leasing it to
   * `owner` until now + leaseMs. Safe with several processes: each delivery goes to one.
   */
  claimDue(options: { now: Date; owner: string; leaseMs: number }): Promise<DeliveryRecord | undefined>;
  /** Records an attempt and releases the lease; false when `owner` no longer holds it. */
  recordAttempt(webhookId: string, eventId: string, owner: string, outcome: DeliveryOutcome): Promise<boolean>;
  /** A webhook's deliveries, newest event first. */
  list(query: DeliveryQuery): Promise<{ deliveries: DeliveryRecord[]; nextPageToken?: string }>;
  /** The oldest event cursor a pending delivery still needs. */
  oldestPendingCursor(): Promise<string | undefined>;
}
