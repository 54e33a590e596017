import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import { hostname } from "node:os";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { EventLog } from "../store/events.js";
import type { DeliveryOutcome, DeliveryRecord, DeliveryStore, WebhookRecord, WebhookStore } from "../store/webhooks.js";
import type { AddressGuard } from "./address-guard.js";
import { nextAttemptDelay, type RetryPolicy } from "./retry-policy.js";
import { signWebhook } from "./signing.js";
import { postWebhook, type WebhookAttempt } from "./webhook-http.js";
import { disabledNoticeId, signingSecrets, webhookBody, webhookDisabledEvent, webhookTestBody } from "./webhook-event.js";

export interface DispatcherOptions {
  /** Requests in flight at once, all endpoints together. */
  workers: number;
  /** Requests in flight at once to one endpoint. */
  endpointConcurrency: number;
  /** How long a claimed delivery stays ours; must exceed timeoutMs. */
  leaseMs: number;
  /** Per-request timeout. */
  timeoutMs: number;
  retry: RetryPolicy;
  /** An endpoint failing every delivery for this long is disabled; 0 never. */
  disableAfterMs: number;
  /** How often to look for due deliveries when nothing wakes the dispatcher. */
  pollMs: number;
  guard: AddressGuard;
}

export interface DispatcherDeps {
  events: EventLog;
  webhooks: WebhookStore;
  deliveries: DeliveryStore;
  clock: Clock;
  logger: Logger;
}

/**
 * Sends due deliveries: claims one under a lease (so several processes share the work and a
 * crashed process's deliveries come back when its leases expire), signs and POSTs it, and
 * records the outcome with the next attempt time. Endpoints at their concurrency bound are
 * skipped when claiming, so a slow endpoint only slows itself.
 */
export class WebhookDispatcher {
  readonly #deps: DispatcherDeps;
  readonly #options: DispatcherOptions;
  /** Unique per process start: a restarted process does not own its predecessor's leases. */
  readonly #owner = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  /** Aborted at stop; every attempt in flight (up to WEBHOOK_WORKERS) listens to it. */
  readonly #abort = unboundedAbortController();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #perEndpoint = new Map<string, number>();
  #ids: string[] = [];
  #listedAt = -Infinity;
  #sweptAt = -Infinity;
  /** Where the next round of claims starts in the webhook list (round robin). */
  #next = 0;
  #wake?: () => void;
  #woken = false;
  #running?: Promise<void>;

  constructor(deps: DispatcherDeps, options: DispatcherOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Something may be due now (new deliveries, a redelivery). */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /**
   * Stops claiming and aborts the requests in flight; their deliveries keep their leases and
   * are tried again when the leases expire, here or in another process.
   */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.wake();
    await this.#running;
    await Promise.all(this.#inFlight);
  }

  /** Sends a signed WEBHOOK_TEST ping to the endpoint now; nothing is stored. */
  async sendTest(webhook: WebhookRecord): Promise<WebhookAttempt> {
    const now = this.#deps.clock.now();
    const eventId = `test_${randomBytes(12).toString("hex")}`;
    return this.#post(webhook, eventId, webhookTestBody(eventId, webhook, now), now);
  }

  /** One signed POST of `body` as event `eventId`, with the secrets valid at `now`. */
  #post(webhook: WebhookRecord, eventId: string, body: string, now: Date): Promise<WebhookAttempt> {
    const headers = signWebhook(signingSecrets(webhook, now), eventId, Math.floor(now.getTime() / 1000), body);
    return postWebhook(webhook.url, headers, body, { timeoutMs: this.#options.timeoutMs, guard: this.#options.guard, signal: this.#abort.signal });
  }

  async #run(): Promise<void> {
    const { logger } = this.#deps;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      this.#woken = false;
      if (this.#inFlight.size >= this.#options.workers) {
        await this.#idle(this.#options.pollMs);
        continue;
      }
      let claimed: DeliveryRecord | undefined;
      try {
        claimed = await this.#claim();
      } catch (e) {
        if (signal.aborted) break;
        logger.error({ err: e }, "claiming webhook deliveries failed");
        await this.#idle(this.#options.pollMs);
        continue;
      }
      if (!claimed) {
        await this.#idle(this.#options.pollMs);
        continue;
      }
      this.#launch(claimed);
    }
  }

  /**
   * The next delivery to attempt: webhook by webhook in turn (each claim served by an index,
   * so an endpoint's backlog costs only that endpoint), skipping those at their concurrency
   * bound; then, at most once per pollMs, one claim across all webhooks, for webhooks newer
   * than the list (and deliveries left by a deleted one).
   */
  async #claim(): Promise<DeliveryRecord | undefined> {
    const { deliveries, clock } = this.#deps;
    const base = { now: clock.now(), owner: this.#owner, leaseMs: this.#options.leaseMs };
    const atBound = (id: string) => (this.#perEndpoint.get(id) ?? 0) >= this.#options.endpointConcurrency;
    const ids = await this.#webhookIds(base.now);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[(this.#next + i) % ids.length];
      if (atBound(id)) continue;
      const claimed = await deliveries.claimDue({ ...base, webhookId: id });
      if (claimed) {
        this.#next = (this.#next + i + 1) % ids.length;
        return claimed;
      }
    }
    // That one may have to pass over a dead endpoint's backlog: at most once per pollMs.
    if (base.now.getTime() - this.#sweptAt < this.#options.pollMs) return undefined;
    this.#sweptAt = base.now.getTime();
    return deliveries.claimDue({ ...base, skipWebhookIds: [...this.#perEndpoint.keys()].filter(atBound) });
  }

  /** Every webhook's id (disabled ones too: their leftover deliveries must end), reread every pollMs. */
  async #webhookIds(now: Date): Promise<string[]> {
    if (now.getTime() - this.#listedAt < this.#options.pollMs) return this.#ids;
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = await this.#deps.webhooks.list({ pageSize: 500, after });
      ids.push(...page.webhooks.map((w) => w.webhookId));
      after = page.nextAfter;
    } while (after !== undefined);
    this.#ids = ids;
    this.#listedAt = now.getTime();
    return ids;
  }

  /** Waits for a wake-up, a finished request, or `ms`. */
  async #idle(ms: number): Promise<void> {
    if (this.#woken || this.#abort.signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
  }

  #launch(delivery: DeliveryRecord): void {
    const id = delivery.webhookId;
    this.#perEndpoint.set(id, (this.#perEndpoint.get(id) ?? 0) + 1);
    const task = this.#attempt(delivery)
      .catch((e: unknown) => this.#deps.logger.error({ err: e, webhookId: id, eventId: delivery.eventId }, "webhook delivery failed unexpectedly"))
      .finally(() => {
        const left = (this.#perEndpoint.get(id) ?? 1) - 1;
        if (left > 0) this.#perEndpoint.set(id, left);
        else this.#perEndpoint.delete(id);
        this.#inFlight.delete(task);
        this.wake();
      });
    this.#inFlight.add(task);
  }

  async #attempt(delivery: DeliveryRecord): Promise<void> {
    const { events, webhooks, deliveries, clock, logger } = this.#deps;
    const webhook = await webhooks.get(delivery.webhookId);
    if (!webhook) {
      // Deleted: its deliveries go with it; one left by a delete cut short just ends here.
      await this.#record(delivery, { attemptTime: clock.now(), state: "failed", error: "the webhook was deleted" });
      return;
    }
    if (webhook.state !== "enabled") {
      await deliveries.failPending(webhook.webhookId, disabledError(webhook.disabledReason));
      return;
    }
    const event = await events.get(delivery.eventId);
    if (!event) {
      await this.#record(delivery, { attemptTime: clock.now(), state: "failed", error: "the event is no longer in the event log" });
      return;
    }
    const result = await this.#post(webhook, delivery.eventId, webhookBody(event), clock.now());
    // Stopping: the lease runs out and the delivery is tried again, never lost.
    if (this.#abort.signal.aborted) return;
    const attemptTime = clock.now();
    const attempts = delivery.attempts + 1;
    const outcome: DeliveryOutcome = { attemptTime, state: "succeeded", statusCode: result.statusCode, error: result.error };
    if (!result.ok) {
      const delay = result.statusCode === 410 ? undefined : nextAttemptDelay(this.#options.retry, attempts, result);
      if (delay === undefined) outcome.state = "failed";
      else {
        outcome.state = "pending";
        outcome.nextAttemptTime = new Date(attemptTime.getTime() + delay);
      }
    }
    if (!(await this.#record(delivery, outcome))) return;
    logger.debug({ webhookId: webhook.webhookId, eventId: delivery.eventId, attempts, ok: result.ok, status: result.statusCode, ms: result.durationMs }, "webhook attempt");
    await this.#trackHealth(webhook, result, attemptTime);
  }

  async #record(delivery: DeliveryRecord, outcome: DeliveryOutcome): Promise<boolean> {
    const recorded = await this.#deps.deliveries.recordAttempt(delivery.webhookId, delivery.eventId, this.#owner, outcome);
    // Our lease expired and someone else took over (or a redelivery reset it): their result counts.
    if (!recorded) this.#deps.logger.warn({ webhookId: delivery.webhookId, eventId: delivery.eventId }, "webhook attempt result dropped: lease lost");
    return recorded;
  }

  /** Keeps failingSince, and disables an endpoint that answered 410 or failed for too long. */
  async #trackHealth(webhook: WebhookRecord, result: WebhookAttempt, now: Date): Promise<void> {
    const { webhooks } = this.#deps;
    if (result.ok) {
      if (webhook.failingSince) await webhooks.update(webhook.webhookId, { failingSince: undefined }, now);
      return;
    }
    if (result.statusCode === 410) {
      await this.#disable(webhook, "the endpoint answered 410 Gone", now);
      return;
    }
    if (!webhook.failingSince) {
      await webhooks.update(webhook.webhookId, { failingSince: now }, now);
      return;
    }
    const disableAfterMs = this.#options.disableAfterMs;
    if (disableAfterMs > 0 && now.getTime() - webhook.failingSince.getTime() >= disableAfterMs) {
      await this.#disable(webhook, `every delivery failed since ${webhook.failingSince.toISOString()} (last: ${result.error ?? `HTTP ${result.statusCode}`})`, now);
    }
  }

  /**
   * The event first, under an id that stays the same until the webhook changes: a crash before
   * the state change means the next failure disables it again and appends nothing new.
   */
  async #disable(webhook: WebhookRecord, reason: string, now: Date): Promise<void> {
    const { events, webhooks, deliveries, logger } = this.#deps;
    const disabled: WebhookRecord = { ...webhook, state: "failing", disabledReason: reason };
    const eventId = disabledNoticeId(webhook.webhookId, webhook.updateTime);
    await events.append({ eventId, accountId: "", type: "webhook_disabled", createTime: now, payload: webhookDisabledEvent(eventId, disabled, now) });
    await webhooks.update(webhook.webhookId, { state: "failing", disabledReason: reason }, now);
    const ended = await deliveries.failPending(webhook.webhookId, disabledError(reason));
    logger.warn({ webhookId: webhook.webhookId, reason, ended }, "webhook disabled");
  }
}

function unboundedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** Why a disabled webhook's pending deliveries ended: one text whichever path (the disabling attempt or a later claim) gets there first. */
function disabledError(reason: string | undefined): string {
  return reason ? `webhook disabled: ${reason}` : "webhook disabled";
}
