import type { Permission } from "../auth/principal.js";

/** The API-key port. Only hashes of secrets are ever stored. */

export interface ApiKeySecretHash {
  /** SHA-256 of the secret part, hex. */
  hash: string;
  /** Set on a rotated-out secret: it works until then. */
  expireTime?: Date;
}

export interface ApiKeyRecord {
  /** 16 lowercase hex digits; the visible part of the key. */
  keyId: string;
  name: string;
  permissions: Permission[];
  /** True: every account; false: only `accountIds`. */
  allAccounts: boolean;
  accountIds: string[];
  expireTime?: Date;
  /** Requests per second; 0 means the server default. */
  ratePerSecond: number;
  /** Newest first. */
  secrets: ApiKeySecretHash[];
  createTime: Date;
  lastUsedTime?: Date;
  revokeTime?: Date;
}

export type ApiKeyPatch = Partial<Pick<ApiKeyRecord, "secrets" | "lastUsedTime" | "revokeTime" | "name" | "permissions" | "allAccounts" | "accountIds" | "expireTime">>;

export interface ApiKeyStore {
  /** Throws AlreadyExistsError for a taken key id. */
  create(key: ApiKeyRecord): Promise<ApiKeyRecord>;
  get(keyId: string): Promise<ApiKeyRecord | undefined>;
  /** Ordered by key id, strictly after `after`. */
  list(options: { pageSize: number; after?: string }): Promise<{ keys: ApiKeyRecord[]; nextAfter?: string }>;
  /** Sets the given fields (a key given as undefined is cleared). Undefined when unknown. */
  update(keyId: string, patch: ApiKeyPatch): Promise<ApiKeyRecord | undefined>;
}

/** Applies a patch to a record: a key present with undefined clears that field. */
export function applyApiKeyPatch(record: ApiKeyRecord, patch: ApiKeyPatch): ApiKeyRecord {
  const next = { ...record } as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete next[k];
    else next[k] = v;
  }
  return next as unknown as ApiKeyRecord;
}
