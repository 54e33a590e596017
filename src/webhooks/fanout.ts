import { setTimeout as sleep } from "node:timers/promises";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { CursorExpiredError, type EventLog, type StoredEvent } from "../store/events.js";
import type { DeliveryStore, NewDelivery, WebhookRecord, WebhookStore } from "../store/webhooks.js";
import { isDisabledNoticeOf } from "./webhook-event.js";

export interface FanoutDeps {
  events: EventLog;
  webhooks: WebhookStore;
  deliveries: DeliveryStore;
  logger: Logger;
  clock: Clock;
  /** Called after deliveries were enqueued, so the dispatcher looks at once. */
  onEnqueued: () => void;
  /** Events read per step. Default 500. */
  pageSize?: number;
}

/** Pause after a store error before trying again. */
const RETRY_MS = 1_000;

/** Whether `webhook` wants `event`: enabled, its filters match, and the event is not older than it. */
export function wants(webhook: WebhookRecord, event: StoredEvent): boolean {
  return (
    webhook.state === "enabled" &&
    // The notice that a webhook was disabled is appended before its state changes (so a crash
    // cannot lose it): a fan-out in between must not send it to the endpoint that was dropped.
    !isDisabledNoticeOf(event, webhook.webhookId) &&
    (webhook.eventTypes.length === 0 || webhook.eventTypes.includes(event.type)) &&
    (webhook.accountIds.length === 0 || webhook.accountIds.includes(event.accountId)) &&
    event.createTime >= webhook.createTime
  );
}

/**
 * The webhooks' consumer of the event log: for each event in log order and each webhook that
 * wants it, enqueues a delivery, then moves its persisted position past the event. Enqueueing
 * is idempotent per (webhook, event), so a crash between the two only repeats no-ops; the
 * store's retention keeps every event the position has not passed. Several processes may
 * run it at once: they enqueue the same deliveries, which is harmless.
 */
export class WebhookFanout {
  readonly #deps: FanoutDeps;
  readonly #abort = new AbortController();
  #running?: Promise<void>;

  constructor(deps: FanoutDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#running ??= this.#run().catch((e: unknown) => {
      if (!this.#abort.signal.aborted) this.#deps.logger.error({ err: e }, "webhook fan-out stopped");
    });
  }

  /** Stops reading; an enqueue in progress finishes first. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    const { events, deliveries, logger } = this.#deps;
    const signal = this.#abort.signal;
    let position = await this.#startPosition();
    while (!signal.aborted) {
      try {
        const page = await events.read({ after: position, limit: this.#deps.pageSize ?? 500 });
        if (page.events.length > 0) await this.#enqueue(page.events);
        if (page.nextAfter !== undefined && page.nextAfter !== position) {
          await deliveries.advanceFanout(page.nextAfter);
          position = page.nextAfter;
        }
        if (page.events.length < (this.#deps.pageSize ?? 500)) await events.waitForAppend(position, signal);
      } catch (e) {
        if (signal.aborted) return;
        if (e instanceof CursorExpiredError) {
          // Retention never passes the position, so this means the log was pruned by hand.
          logger.error({ err: e, position }, "webhook fan-out position was pruned away; continuing from the oldest retained event");
          position = undefined;
          continue;
        }
        logger.error({ err: e }, "webhook fan-out failed; retrying");
        await sleep(RETRY_MS, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** The stored position; on the very first start, the end of the log (no webhook existed before). */
  async #startPosition(): Promise<string | undefined> {
    const { events, deliveries } = this.#deps;
    for (;;) {
      try {
        const stored = await deliveries.fanoutPosition();
        if (stored !== undefined) return stored;
        const latest = (await events.latestCursor()) ?? "0";
        await deliveries.advanceFanout(latest);
        return (await deliveries.fanoutPosition()) ?? latest;
      } catch (e) {
        this.#abort.signal.throwIfAborted();
        this.#deps.logger.error({ err: e }, "reading the webhook fan-out position failed; retrying");
        await sleep(RETRY_MS, undefined, { signal: this.#abort.signal });
      }
    }
  }

  async #enqueue(page: StoredEvent[]): Promise<void> {
    const webhooks = await this.#enabledWebhooks();
    if (webhooks.length === 0) return;
    const now = this.#deps.clock.now();
    const batch: NewDelivery[] = [];
    for (const event of page) {
      for (const webhook of webhooks) {
        if (!wants(webhook, event)) continue;
        batch.push({
          webhookId: webhook.webhookId,
          eventId: event.eventId,
          eventCursor: event.cursor,
          eventType: event.type,
          createTime: now,
          // Due since the event happened: the oldest events go out first.
          nextAttemptTime: event.createTime,
        });
      }
    }
    if (batch.length === 0) return;
    await this.#deps.deliveries.enqueue(batch);
    this.#deps.onEnqueued();
  }

  async #enabledWebhooks(): Promise<WebhookRecord[]> {
    const all: WebhookRecord[] = [];
    let after: string | undefined;
    do {
      const page = await this.#deps.webhooks.list({ pageSize: 500, after });
      all.push(...page.webhooks.filter((w) => w.state === "enabled"));
      after = page.nextAfter;
    } while (after !== undefined);
    return all;
  }
}
