import { create, fromBinary, toBinary, toJsonString } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { EventSchema, EventType } from "../../gen/wildcat/v1/event_pb.js";
import type { StoredEvent } from "../store/events.js";
import type { WebhookRecord } from "../store/webhooks.js";

/** The body a webhook receives: the proto3 JSON form of the Event, cursor included. */
export function webhookBody(stored: StoredEvent): string {
  const event = fromBinary(EventSchema, stored.payload);
  event.cursor = stored.cursor;
  return toJsonString(EventSchema, event);
}

/** An event about a webhook, carrying its notice. */
function webhookEvent(eventId: string, type: EventType, webhook: WebhookRecord, now: Date) {
  const notice = { webhookId: webhook.webhookId, url: webhook.url, description: webhook.description, disabledReason: webhook.disabledReason ?? "" };
  return create(EventSchema, { eventId, type, createTime: timestampFromDate(now), payload: { case: "webhook", value: notice } });
}

/** The WEBHOOK_DISABLED event, as appended to the log. */
export function webhookDisabledEvent(eventId: string, webhook: WebhookRecord, now: Date): Uint8Array {
  return toBinary(EventSchema, webhookEvent(eventId, EventType.WEBHOOK_DISABLED, webhook, now));
}

/** The body of a TestWebhook ping: a WEBHOOK_TEST event that is never stored. */
export function webhookTestBody(eventId: string, webhook: WebhookRecord, now: Date): string {
  return toJsonString(EventSchema, webhookEvent(eventId, EventType.WEBHOOK_TEST, webhook, now));
}

/** Secrets that sign now, newest first: the current one and rotated-out ones still in their grace period. */
export function signingSecrets(webhook: WebhookRecord, now: Date): string[] {
  return webhook.secrets.filter((s) => !s.expireTime || s.expireTime > now).map((s) => s.secret);
}

/** The id of the WEBHOOK_DISABLED event of one disabling of a webhook (one per update time, so a repeat appends once). */
export function disabledNoticeId(webhookId: string, updateTime: Date): string {
  return `webhook_disabled_${webhookId}_${updateTime.getTime()}`;
}

/** True for the WEBHOOK_DISABLED event about `webhookId` itself. */
export function isDisabledNoticeOf(event: { type: string; eventId: string }, webhookId: string): boolean {
  return event.type === "webhook_disabled" && event.eventId.startsWith(`webhook_disabled_${webhookId}_`);
}
