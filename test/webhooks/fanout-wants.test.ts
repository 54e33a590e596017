import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../src/store/events.js";
import type { WebhookRecord } from "../../src/store/webhooks.js";
import { wants } from "../../src/webhooks/fanout.js";
import { disabledNoticeId } from "../../src/webhooks/webhook-event.js";

const t0 = new Date("2026-01-01T00:00:00Z");

function webhook(webhookId: string): WebhookRecord {
  return { webhookId, url: "https://example.com/hook", eventTypes: [], accountIds: [], description: "", state: "enabled", secrets: [], createTime: t0, updateTime: t0 };
}

function disabledNotice(webhookId: string): StoredEvent {
  const eventId = disabledNoticeId(webhookId, t0);
  return { eventId, cursor: "1", accountId: "", type: "webhook_disabled", createTime: t0, payload: new Uint8Array() } as StoredEvent;
}

describe("which webhooks the fan-out sends an event to", () => {
  it("when a webhook's own disabled notice is read before its state changed, then it is not sent to that webhook, only to others", () => {
    expect(wants(webhook("wh1"), disabledNotice("wh1"))).toBe(false);
    expect(wants(webhook("wh10"), disabledNotice("wh1"))).toBe(true);
    expect(wants(webhook("wh2"), disabledNotice("wh1"))).toBe(true);
  });
});
