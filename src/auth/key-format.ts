import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** `wck_<key id: 16 hex>_<secret: 32 random bytes, base64url>`. The id is visible; only a hash of the secret is kept. */
export const API_KEY_PATTERN = /^wck_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedKey {
  keyId: string;
  secret: string;
}

export function parseApiKey(key: string): ParsedKey | undefined {
  const m = API_KEY_PATTERN.exec(key);
  return m ? { keyId: m[1], secret: m[2] } : undefined;
}

export function formatApiKey(keyId: string, secret: string): string {
  return `wck_${keyId}_${secret}`;
}

export function newKeyId(): string {
  return randomBytes(8).toString("hex");
}

export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * SHA-256 of the secret, hex. A slow hash would add nothing: secrets are 256 random
 * bits, so the hash cannot be reversed by guessing, and every call pays for it.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Constant-time comparison of a secret against a stored hash. */
export function secretMatches(secret: string, hash: string): boolean {
  const a = Buffer.from(hashSecret(secret), "hex");
  const b = Buffer.from(hash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
