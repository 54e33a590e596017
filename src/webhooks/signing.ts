import { createHmac, randomBytes } from "node:crypto";

/** The prefix Standard Webhooks puts before the base64 key material of a secret. */
const SECRET_PREFIX = "whsec_";

/**
 * A new webhook signing secret: `whsec_` followed by the base64 of 32 random bytes, the form every
 * Standard Webhooks library (https://www.standardwebhooks.com/) accepts as-is. Shown to the
 * webhook's owner once; the receiver verifies deliveries with it.
 */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64");
}

/** The HMAC key of a `whsec_` secret; a RangeError for anything else, so a corrupt secret never signs silently. */
function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new RangeError(`a webhook secret starts with "${SECRET_PREFIX}"`);
  const encoded = secret.slice(SECRET_PREFIX.length);
  const key = Buffer.from(encoded, "base64");
  // Buffer.from skips characters that are not base64; a round trip shows whether any were there.
  if (key.length === 0 || key.toString("base64").replace(/=+$/, "") !== encoded.replace(/=+$/, "")) {
    throw new RangeError("a webhook secret is whsec_ followed by base64");
  }
  return key;
}

/**
 * The Standard Webhooks headers for one delivery of `body`:
 * - `webhook-id`: `id`, the event's id, the same on every retry, so receivers can drop duplicates;
 * - `webhook-timestamp`: `timestampSeconds` (unix seconds), which receivers check for freshness
 *   (typically within 5 minutes) against replays;
 * - `webhook-signature`: `v1,` + base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`, keyed by the
 *   base64-decoded part of the secret after `whsec_`. With several secrets (during a rotation, old
 *   and new) one signature per secret, in the given order, separated by spaces; a receiver holding
 *   any one of the secrets verifies.
 * Throws a RangeError when there is no secret, a secret is malformed, or the timestamp is not a
 * whole number of seconds.
 */
export function signWebhook(secrets: string[], id: string, timestampSeconds: number, body: string): Record<string, string> {
  if (secrets.length === 0) throw new RangeError("a webhook delivery needs at least one secret");
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError(`webhook timestamp must be whole unix seconds, got ${timestampSeconds}`);
  }
  const timestamp = String(timestampSeconds);
  const signed = `${id}.${timestamp}.${body}`;
  const signatures = secrets.map((secret) => "v1," + createHmac("sha256", secretKey(secret)).update(signed, "utf8").digest("base64"));
  return { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signatures.join(" ") };
}
