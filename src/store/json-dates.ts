/**
 * JSON for records kept whole in one column (SQLite): Dates go out as ISO strings and come
 * back as Dates for the time fields the records use; Uint8Arrays are not allowed here.
 */
const timeKeys = new Set([
  "time",
  "timestamp",
  "createTime",
  "updateTime",
  "expireTime",
  "deleteTime",
  "lastAttemptTime",
  "nextAttemptTime",
  "failingSince",
  "lastUsedTime",
  "revokeTime",
]);

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text, (key, value) => (timeKeys.has(key) && typeof value === "string" ? new Date(value) : value)) as T;
}
