import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AccountState, AccountStore } from "../store/store.js";
import type { DeliveryStore } from "../store/webhooks.js";
import { cursorDistance, type EventLog } from "../store/events.js";
import type { Clock } from "../clock.js";
import { StreamReaders } from "./stream-readers.js";

const ACCOUNT_STATES: AccountState[] = ["disconnected", "connecting", "waiting_for_login", "connected", "logged_out"];

/** Accounts read per page when the accounts-by-state gauge is collected. */
const ACCOUNT_PAGE = 500;

/**
 * The gateway's Prometheus metrics, in a registry of its own (never prom-client's global one,
 * so two gateways in one process, as in tests, each count only their own). The gateway makes one
 * and hands it to what records: the logging interceptor (RPCs, open streams) and the store
 * decorator (`instrumentStore`: event appends, messages, disconnects, webhook attempts, media bytes).
 * Gauges that describe stored state (accounts by state, pending webhook deliveries) are read
 * from the store at scrape time, so they are right across restarts and processes.
 */
export class Metrics {
  readonly registry = new Registry();

  /** Every RPC that ended, by service, method, protocol and status code. */
  readonly rpcs = new Counter({
    name: "wildcat_rpc_requests_total",
    help: "RPCs that ended, by service, method, protocol (grpc, grpc-web, connect) and status code.",
    labelNames: ["service", "method", "protocol", "code"] as const,
    registers: [this.registry],
  });

  /** How long each RPC took, from its arrival to its end (for streams: the whole stream). */
  readonly rpcSeconds = new Histogram({
    name: "wildcat_rpc_duration_seconds",
    help: "RPC duration from arrival to the end of the response (for streams, the whole stream), by service, method, protocol and code.",
    labelNames: ["service", "method", "protocol", "code"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  /** The counter and histogram children of each label set seen: prom-client checks labels on every unlabelled call. */
  readonly #rpcChildren = new Map<string, { calls: { inc(): void }; seconds: { observe(v: number): void } }>();

  /** Counts one RPC that ended, with its duration. */
  countRpc(service: string, method: string, protocol: string, code: string, seconds: number): void {
    const key = `${service}/${method}/${protocol}/${code}`;
    let children = this.#rpcChildren.get(key);
    if (!children) {
      const labels = { service, method, protocol, code };
      children = { calls: this.rpcs.labels(labels), seconds: this.rpcSeconds.labels(labels) };
      this.#rpcChildren.set(key, children);
    }
    children.calls.inc();
    children.seconds.observe(seconds);
  }

  /** Server-streaming responses in progress (StreamMessages, WatchAccount, DownloadMedia). */
  readonly openStreams = new Gauge({
    name: "wildcat_open_streams",
    help: "Streaming responses in progress, by service and method.",
    labelNames: ["service", "method"] as const,
    registers: [this.registry],
  });

  readonly disconnects = new Counter({
    name: "wildcat_account_disconnects_total",
    help: "Connections to WhatsApp that ended, by reason (requested, restart_required, connection_lost, server_error, logged_out, replaced, login_timeout, needs_relink).",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  readonly messages = new Counter({
    name: "wildcat_messages_total",
    help: "Messages received (direction in) and sent (direction out), by message type.",
    labelNames: ["direction", "type"] as const,
    registers: [this.registry],
  });

  readonly eventAppends = new Counter({
    name: "wildcat_event_log_appends_total",
    help: "Events appended to the event log, by event type.",
    labelNames: ["type"] as const,
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: "wildcat_webhook_delivery_attempts_total",
    help: "Webhook delivery attempts, by outcome: succeeded, retry (failed, another attempt scheduled), failed (no attempt left).",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  readonly mediaBytes = new Counter({
    name: "wildcat_media_bytes_total",
    help: "Bytes of files written to the media store (direction in: uploads, received files) and read from it (direction out: downloads, files sent).",
    labelNames: ["direction"] as const,
    registers: [this.registry],
  });

  /** Where open StreamMessages subscribers are in the log (the message service keeps it current). */
  readonly streamReaders = new StreamReaders();

  constructor(options: { processMetrics?: boolean } = {}) {
    // Process metrics (CPU, memory, event loop lag, handles, GC) under their usual names.
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Registers the gauges read from the store at scrape time. */
  watchStore(store: { accounts: AccountStore; deliveries: DeliveryStore; events: EventLog }, clock: Clock): void {
    const streamReaders = this.streamReaders;
    new Gauge({
      name: "wildcat_accounts",
      help: "Accounts by connection state (as stored: every gateway process sharing the store reports the same).",
      labelNames: ["state"] as const,
      registers: [this.registry],
      async collect() {
        const counts = new Map<AccountState, number>(ACCOUNT_STATES.map((s) => [s, 0]));
        let after: string | undefined;
        do {
          const page = await store.accounts.list({ pageSize: ACCOUNT_PAGE, after });
          for (const a of page.accounts) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
          after = page.nextAfter;
        } while (after !== undefined);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
    let pending: Promise<{ count: number; oldestCreateTime?: Date }> | undefined;
    // Both pending gauges come from one query per scrape.
    const pendingStats = () => (pending ??= store.deliveries.pendingStats().finally(() => setTimeout(() => (pending = undefined), 0)));
    new Gauge({
      name: "wildcat_webhook_deliveries_pending",
      help: "Webhook deliveries waiting for a (first or next) attempt: the outbox queue depth.",
      registers: [this.registry],
      async collect() {
        this.set((await pendingStats()).count);
      },
    });
    new Gauge({
      name: "wildcat_webhook_oldest_pending_age_seconds",
      help: "Age of the oldest pending webhook delivery's event; 0 when none is pending.",
      registers: [this.registry],
      async collect() {
        const oldest = (await pendingStats()).oldestCreateTime;
        this.set(oldest ? Math.max(0, (clock.now().getTime() - oldest.getTime()) / 1000) : 0);
      },
    });
    new Gauge({
      name: "wildcat_event_consumer_lag_events",
      help: "About how many events a consumer of the event log has still to read: webhook_fanout (turning events into webhook deliveries), streams_max (the slowest open StreamMessages subscriber, queued events included).",
      labelNames: ["consumer"] as const,
      registers: [this.registry],
      async collect() {
        const [latest, fanout] = await Promise.all([store.events.latestCursor(), store.deliveries.fanoutPosition()]);
        // Before its first start the fan-out has no position: it will begin at the end of the log.
        this.set({ consumer: "webhook_fanout" }, fanout === undefined ? 0 : cursorDistance(fanout, latest));
        this.set({ consumer: "streams_max" }, streamReaders.maxLag(latest));
      },
    });
  }

  /** The text exposition format. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
