import { Buffer } from "node:buffer";

/**
 * Opaque page tokens: base64url JSON of the last row's sort key. Opaque to clients so the
 * sort key can change; validated on the way back in.
 */
export function encodeToken(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeToken(token: string, shape: readonly ("string" | "number")[]): (string | number)[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw new RangeError("invalid page token");
  }
  if (!Array.isArray(key) || key.length !== shape.length || key.some((v, i) => typeof v !== shape[i])) {
    throw new RangeError("invalid page token");
  }
  return key as (string | number)[];
}
