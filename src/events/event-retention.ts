import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { EventLog } from "../store/events.js";
import type { MessageStore } from "../store/messages.js";

export interface RetentionPolicy {
  /** Events older than this are removed; 0 keeps them whatever their age. */
  maxAgeMs: number;
  /** At most this many newest events are kept; 0 means no count bound. */
  maxEvents: number;
  /** How often the log is pruned. */
  intervalMs: number;
  /** SendMessage request ids older than this are forgotten. */
  requestIdMaxAgeMs: number;
}

/**
 * Keeps the event log bounded by age and count, and forgets old SendMessage request ids.
 * The store never removes an event a pending webhook delivery still needs, whatever the
 * policy says.
 */
export class EventRetention {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly events: EventLog,
    private readonly messages: Pick<MessageStore, "pruneRequests">,
    private readonly policy: RetentionPolicy,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Prunes once now; resolves with how many events were removed. */
  pruneNow(): Promise<number> {
    this.running ??= this.prune().finally(() => (this.running = undefined));
    return this.running;
  }

  private async prune(): Promise<number> {
    const now = this.clock.now().getTime();
    const removed = await this.events.prune({
      createdBefore: this.policy.maxAgeMs > 0 ? new Date(now - this.policy.maxAgeMs) : undefined,
      maxEvents: this.policy.maxEvents > 0 ? this.policy.maxEvents : undefined,
    });
    if (removed > 0) this.logger.info({ removed }, "event log pruned");
    const requests = await this.messages.pruneRequests(new Date(now - this.policy.requestIdMaxAgeMs));
    if (requests > 0) this.logger.info({ requests }, "old request ids forgotten");
    return removed;
  }

  /** Prunes now and then every `intervalMs` until {@link stop}. */
  start(): void {
    const run = () => void this.pruneNow().catch((e: unknown) => this.logger.error({ err: e }, "pruning the event log failed"));
    run();
    this.timer = setInterval(run, this.policy.intervalMs);
    this.timer.unref();
  }

  /** Stops the schedule and waits for a prune in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }
}
