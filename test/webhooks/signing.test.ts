import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { newWebhookSecret, signWebhook } from "../../src/webhooks/signing.js";

// The receiver side is the standardwebhooks package: an independent implementation of the spec.
const body = JSON.stringify({ eventId: "evt_1", type: "MESSAGE_RECEIVED", message: { text: "héllo ✓" } });
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("newWebhookSecret", () => {
  it("when called, then it gives whsec_ plus base64 of 32 fresh random bytes", () => {
    const a = newWebhookSecret();
    const b = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice("whsec_".length), "base64")).toHaveLength(32);
    expect(a).not.toBe(b);
  });
});

describe("signWebhook", () => {
  it("when a delivery is signed, then a Standard Webhooks receiver verifies it", () => {
    const secret = newWebhookSecret();
    const headers = signWebhook([secret], "evt_1", nowSeconds(), body);
    expect(Object.keys(headers).sort()).toEqual(["webhook-id", "webhook-signature", "webhook-timestamp"]);
    expect(headers["webhook-id"]).toBe("evt_1");
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("when signing the spec's example delivery, then the signature is the published one", () => {
    // The example the Standard Webhooks reference libraries test against.
    const headers = signWebhook(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, '{"test": 2432232314}');
    expect(headers).toEqual({
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    });
  });

  it("when signed, then the signature equals the one the reference implementation computes", () => {
    const secret = newWebhookSecret();
    const ts = 1_614_265_330;
    expect(signWebhook([secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", ts, body)["webhook-signature"]).toBe(
      new Webhook(secret).sign("msg_p5jXN8AQM9LWM0D4loKWxJek", new Date(ts * 1000), body),
    );
  });

  it("when the body is tampered with, then verification fails", () => {
    const secret = newWebhookSecret();
    const headers = signWebhook([secret], "evt_1", nowSeconds(), body);
    expect(() => new Webhook(secret).verify(body.replace("héllo", "hello"), headers)).toThrow(WebhookVerificationError);
  });

  it("when the id or timestamp header is changed, then verification fails", () => {
    const secret = newWebhookSecret();
    const headers = signWebhook([secret], "evt_1", nowSeconds(), body);
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-id": "evt_2" })).toThrow(WebhookVerificationError);
    const later = String(Number(headers["webhook-timestamp"]) + 1);
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-timestamp": later })).toThrow(WebhookVerificationError);
  });

  it("when the timestamp is more than 5 minutes old, then verification fails even though the signature is right", () => {
    const secret = newWebhookSecret();
    const headers = signWebhook([secret], "evt_1", nowSeconds() - 6 * 60, body);
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(/too old/i);
  });

  it("when signed with another secret, then verification fails", () => {
    const headers = signWebhook([newWebhookSecret()], "evt_1", nowSeconds(), body);
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it("when two secrets sign (rotation), then there is one signature per secret in order and each secret alone verifies", () => {
    const oldSecret = newWebhookSecret();
    const newSecret = newWebhookSecret();
    const ts = nowSeconds();
    const headers = signWebhook([oldSecret, newSecret], "evt_1", ts, body);
    expect(headers["webhook-signature"]).toBe(
      `${signWebhook([oldSecret], "evt_1", ts, body)["webhook-signature"]} ${signWebhook([newSecret], "evt_1", ts, body)["webhook-signature"]}`,
    );
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it("when there is no secret, a malformed secret or a fractional timestamp, then it throws a RangeError", () => {
    const ts = nowSeconds();
    expect(() => signWebhook([], "evt_1", ts, body)).toThrow(RangeError);
    expect(() => signWebhook(["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "evt_1", ts, body)).toThrow(RangeError);
    expect(() => signWebhook(["whsec_"], "evt_1", ts, body)).toThrow(RangeError);
    expect(() => signWebhook(["whsec_not base64!"], "evt_1", ts, body)).toThrow(RangeError);
    expect(() => signWebhook([newWebhookSecret()], "evt_1", ts + 0.5, body)).toThrow(RangeError);
  });
});
