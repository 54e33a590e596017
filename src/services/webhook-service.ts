import { createHash, randomBytes } from "node:crypto";
import { durationFromMs, durationMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { inScope, principalOf, requireAccount, type Principal } from "../auth/principal.js";
import type { EventType } from "../../gen/wildcat/v1/event_pb.js";
import { DeliveryState, WebhookState } from "../../gen/wildcat/v1/webhook_pb.js";
import type {
  CreateWebhookRequest,
  DeleteWebhookRequest,
  GetWebhookRequest,
  ListWebhookDeliveriesRequest,
  ListWebhooksRequest,
  RedeliverWebhookEventRequest,
  RotateWebhookSecretRequest,
  TestWebhookRequest,
  UpdateWebhookRequest,
  WebhookService,
} from "../../gen/wildcat/v1/webhook_service_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { WebhookSchema, WebhookDeliverySchema } from "../../gen/wildcat/v1/webhook_pb.js";
import type { Clock } from "../clock.js";
import { STORED_EVENT_TYPES, WIRE_EVENT_TYPES } from "../events/event-types.js";
import type { EventLog, EventType as StoredEventType } from "../store/events.js";
import { AlreadyExistsError } from "../store/store.js";
import type { DeliveryRecord, DeliveryStore, WebhookPatch, WebhookRecord, WebhookSecret, WebhookStore } from "../store/webhooks.js";
import type { WebhookDispatcher } from "../webhooks/dispatcher.js";
import { newWebhookSecret } from "../webhooks/signing.js";
import { decodePageToken, encodePageToken, pageSize } from "./page-token.js";

const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_DELIVERY_PAGE_SIZE = 50;
const DEFAULT_GRACE_MS = 24 * 3600_000;
/** Fields UpdateWebhook may change, as FieldMask paths. */
const UPDATABLE = new Set(["url", "event_types", "account_ids", "description", "state"]);

const WIRE_STATES = { enabled: WebhookState.ENABLED, disabled: WebhookState.DISABLED, failing: WebhookState.FAILING } as const;
const WIRE_DELIVERY_STATES = { pending: DeliveryState.PENDING, succeeded: DeliveryState.SUCCEEDED, failed: DeliveryState.FAILED } as const;
const STORED_DELIVERY_STATES = { [DeliveryState.PENDING]: "pending", [DeliveryState.SUCCEEDED]: "succeeded", [DeliveryState.FAILED]: "failed" } as const;

export interface WebhookServiceDeps {
  webhooks: WebhookStore;
  deliveries: DeliveryStore;
  events: EventLog;
  clock: Clock;
  /** Sends tests, and is woken when a redelivery is due. */
  dispatcher: Pick<WebhookDispatcher, "sendTest" | "wake">;
}

/** Webhooks: endpoints that get the event log as signed HTTP requests, their delivery log and redelivery. */
export class WebhookServiceImpl implements ServiceImpl<typeof WebhookService> {
  constructor(private readonly deps: WebhookServiceDeps) {}

  async createWebhook(req: CreateWebhookRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    checkAccounts(principal, req.accountIds, "account_ids");
    checkUrl(req.url);
    const now = this.deps.clock.now();
    // A request_id names the webhook, so a repeated create finds the first one.
    const webhookId = req.requestId ? `wh_${createHash("sha256").update(req.requestId).digest("hex").slice(0, 24)}` : `wh_${randomBytes(12).toString("hex")}`;
    const secret = newWebhookSecret();
    const record: WebhookRecord = {
      webhookId,
      url: req.url,
      eventTypes: req.eventTypes.map(toStoredType),
      accountIds: [...req.accountIds],
      description: req.description,
      state: "enabled",
      secrets: [{ secret, createTime: now }],
      createTime: now,
      updateTime: now,
    };
    try {
      await this.deps.webhooks.create(record);
      return { webhook: toWebhook(record), secret };
    } catch (e) {
      if (!(e instanceof AlreadyExistsError)) throw e;
      const first = await this.deps.webhooks.get(webhookId);
      // Another key's webhook: its secret is not this caller's to see.
      if (!first || !webhookVisible(principal, first) || first.url !== req.url) {
        throw new ConnectError(`request_id "${req.requestId}" was already used to create webhook ${webhookId} for another URL`, Code.AlreadyExists);
      }
      return { webhook: toWebhook(first), secret: first.secrets[0].secret };
    }
  }

  async getWebhook(req: GetWebhookRequest, ctx: HandlerContext) {
    return { webhook: toWebhook(await this.mustGet(req.webhookId, ctx)) };
  }

  async listWebhooks(req: ListWebhooksRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    const page = await this.deps.webhooks.list({ pageSize: pageSize(req.pageSize, DEFAULT_PAGE_SIZE), after: decodePageToken("webhooks", req.pageToken) });
    // A key with some accounts sees only webhooks limited to them (a page may hold fewer).
    const webhooks = page.webhooks.filter((w) => webhookVisible(principal, w));
    return { webhooks: webhooks.map(toWebhook), nextPageToken: encodePageToken("webhooks", page.nextAfter) };
  }

  async updateWebhook(req: UpdateWebhookRequest, ctx: HandlerContext) {
    const wire = req.webhook!; // required by the proto's validation rules
    const paths = req.updateMask?.paths ?? [];
    const bad = paths.filter((p) => !UPDATABLE.has(p));
    if (bad.length > 0) throw new ConnectError(`update_mask: cannot update ${bad.join(", ")}; allowed: ${[...UPDATABLE].join(", ")}`, Code.InvalidArgument);
    const current = await this.mustGet(wire.webhookId, ctx);
    if (paths.length === 0) return { webhook: toWebhook(current) };
    if (paths.includes("account_ids")) checkAccounts(principalOf(ctx), wire.accountIds, "webhook.account_ids");
    const patch: WebhookPatch = {};
    for (const path of paths) {
      if (path === "url") {
        checkUrl(wire.url);
        patch.url = wire.url;
      } else if (path === "event_types") patch.eventTypes = wire.eventTypes.map(toStoredType);
      else if (path === "account_ids") patch.accountIds = [...wire.accountIds];
      else if (path === "description") patch.description = wire.description;
      else if (path === "state") {
        if (wire.state === WebhookState.ENABLED) {
          // Re-enabled: a fresh start, whatever disabled it.
          Object.assign(patch, { state: "enabled", disabledReason: undefined, failingSince: undefined });
        } else if (wire.state === WebhookState.DISABLED) {
          Object.assign(patch, { state: "disabled", disabledReason: "disabled by a client", failingSince: undefined });
        } else {
          throw new ConnectError("state: only WEBHOOK_STATE_ENABLED or WEBHOOK_STATE_DISABLED can be set", Code.InvalidArgument);
        }
      }
    }
    const updated = await this.deps.webhooks.update(current.webhookId, patch, this.deps.clock.now());
    if (!updated) throw notFound(current.webhookId);
    if (updated.state === "disabled" && current.state !== "disabled") await this.deps.deliveries.failPending(updated.webhookId, "webhook disabled by a client");
    return { webhook: toWebhook(updated) };
  }

  async deleteWebhook(req: DeleteWebhookRequest, ctx: HandlerContext) {
    await this.mustGet(req.webhookId, ctx);
    if (!(await this.deps.webhooks.delete(req.webhookId))) throw notFound(req.webhookId);
    return {};
  }

  async rotateWebhookSecret(req: RotateWebhookSecretRequest, ctx: HandlerContext) {
    const current = await this.mustGet(req.webhookId, ctx);
    const now = this.deps.clock.now();
    const graceMs = req.gracePeriod ? durationMs(req.gracePeriod) : DEFAULT_GRACE_MS;
    const expireTime = new Date(now.getTime() + graceMs);
    const secret = newWebhookSecret();
    // Older secrets end with the grace period at the latest; expired ones are dropped.
    const kept: WebhookSecret[] = current.secrets
      .map((s) => ({ ...s, expireTime: s.expireTime && s.expireTime < expireTime ? s.expireTime : expireTime }))
      .filter((s) => s.expireTime > now);
    const updated = await this.deps.webhooks.update(current.webhookId, { secrets: [{ secret, createTime: now }, ...kept] }, now);
    if (!updated) throw notFound(current.webhookId);
    return { webhook: toWebhook(updated), secret };
  }

  async testWebhook(req: TestWebhookRequest, ctx: HandlerContext) {
    const result = await this.deps.dispatcher.sendTest(await this.mustGet(req.webhookId, ctx));
    return { success: result.ok, statusCode: result.statusCode ?? 0, error: result.error ?? "", latency: durationFromMs(Math.round(result.durationMs)) };
  }

  async listWebhookDeliveries(req: ListWebhookDeliveriesRequest, ctx: HandlerContext) {
    await this.mustGet(req.webhookId, ctx);
    const states = req.state === DeliveryState.UNSPECIFIED ? undefined : [STORED_DELIVERY_STATES[req.state]];
    if (req.eventId) {
      const one = await this.deps.deliveries.get(req.webhookId, req.eventId);
      const matches = one && (!states || states.includes(one.state));
      return { deliveries: matches ? [toDelivery(one)] : [], nextPageToken: "" };
    }
    const list = `webhook_deliveries:${req.webhookId}:${req.state}`;
    const page = await this.deps.deliveries.list({
      webhookId: req.webhookId,
      pageSize: pageSize(req.pageSize, DEFAULT_DELIVERY_PAGE_SIZE),
      pageToken: decodePageToken(list, req.pageToken),
      states,
    });
    return { deliveries: page.deliveries.map(toDelivery), nextPageToken: encodePageToken(list, page.nextPageToken) };
  }

  async redeliverWebhookEvent(req: RedeliverWebhookEventRequest, ctx: HandlerContext) {
    const webhook = await this.mustGet(req.webhookId, ctx);
    if (webhook.state !== "enabled") {
      throw new ConnectError(`webhook ${webhook.webhookId} is not enabled; enable it with UpdateWebhook first`, Code.FailedPrecondition);
    }
    const event = await this.deps.events.get(req.eventId);
    // An event the webhook would not have received (another account's) is not sent to it.
    const wanted = event && (webhook.accountIds.length === 0 || webhook.accountIds.includes(event.accountId));
    if (!wanted) throw new ConnectError(`event ${req.eventId} is not in the event log for this webhook's accounts (unknown, or removed by retention)`, Code.NotFound);
    const now = this.deps.clock.now();
    const delivery = await this.deps.deliveries.reschedule({
      webhookId: webhook.webhookId,
      eventId: event.eventId,
      eventCursor: event.cursor,
      eventType: event.type,
      createTime: now,
      nextAttemptTime: now,
    });
    this.deps.dispatcher.wake();
    return { delivery: toDelivery(delivery) };
  }

  /** The webhook, if it exists and the caller's key may see it; otherwise not_found either way. */
  private async mustGet(webhookId: string, ctx: HandlerContext): Promise<WebhookRecord> {
    const record = await this.deps.webhooks.get(webhookId);
    if (!record || !webhookVisible(principalOf(ctx), record)) throw notFound(webhookId);
    return record;
  }
}

/** A key with some accounts sees only webhooks limited to accounts in its scope. */
function webhookVisible(p: Principal, w: WebhookRecord): boolean {
  return p.scope === "all" || (w.accountIds.length > 0 && w.accountIds.every((id) => inScope(p, id)));
}

/** A key with some accounts must limit a webhook to them: an empty list would mean every account. */
function checkAccounts(p: Principal, accountIds: readonly string[], field: string): void {
  if (p.scope !== "all" && accountIds.length === 0) {
    throw new ConnectError(`${field}: this API key may act only on some accounts, so the webhook must name them (empty means every account)`, Code.PermissionDenied);
  }
  for (const id of accountIds) requireAccount(p, id);
}

function notFound(webhookId: string): ConnectError {
  return new ConnectError(`webhook "${webhookId}" not found`, Code.NotFound);
}

/** The proto checks the shape; this also refuses what `new URL` cannot parse. */
function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectError(`url: "${url}" is not a valid URL`, Code.InvalidArgument);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new ConnectError("url: must be http or https", Code.InvalidArgument);
  if (parsed.username || parsed.password) throw new ConnectError("url: must not contain credentials", Code.InvalidArgument);
}

function toStoredType(type: EventType): StoredEventType {
  const stored = STORED_EVENT_TYPES[type];
  if (!stored || stored === "webhook_test") throw new ConnectError(`event_types: ${type} cannot be subscribed to`, Code.InvalidArgument);
  return stored;
}

function toWebhook(w: WebhookRecord): MessageInitShape<typeof WebhookSchema> {
  return {
    webhookId: w.webhookId,
    url: w.url,
    eventTypes: w.eventTypes.map((t) => WIRE_EVENT_TYPES[t]),
    accountIds: w.accountIds,
    description: w.description,
    state: WIRE_STATES[w.state],
    disabledReason: w.disabledReason ?? "",
    createTime: timestampFromDate(w.createTime),
    updateTime: timestampFromDate(w.updateTime),
  };
}

function toDelivery(d: DeliveryRecord): MessageInitShape<typeof WebhookDeliverySchema> {
  return {
    webhookId: d.webhookId,
    eventId: d.eventId,
    eventType: WIRE_EVENT_TYPES[d.eventType],
    state: WIRE_DELIVERY_STATES[d.state],
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode ?? 0,
    lastError: d.lastError ?? "",
    lastAttemptTime: d.lastAttemptTime && timestampFromDate(d.lastAttemptTime),
    nextAttemptTime: d.nextAttemptTime && timestampFromDate(d.nextAttemptTime),
    createTime: timestampFromDate(d.createTime),
  };
}
