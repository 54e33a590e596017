import { MongoServerError, type Collection } from "mongodb";
import type { ApiKeyPatch, ApiKeyRecord, ApiKeyStore } from "../api-keys.js";
import { AlreadyExistsError } from "../store.js";

export type ApiKeyDocument = Omit<ApiKeyRecord, "keyId"> & { _id: string };

const duplicateKey = 11000;

export class MongoApiKeys implements ApiKeyStore {
  readonly #keys: Collection<ApiKeyDocument>;

  constructor(keys: Collection<ApiKeyDocument>) {
    this.#keys = keys;
  }

  async create(key: ApiKeyRecord): Promise<ApiKeyRecord> {
    const { keyId, ...rest } = key;
    const doc: ApiKeyDocument = { _id: keyId, ...rest };
    try {
      await this.#keys.insertOne(doc);
    } catch (err) {
      if (err instanceof MongoServerError && err.code === duplicateKey) throw new AlreadyExistsError(`API key ${keyId}`);
      throw err;
    }
    return fromDocument(doc);
  }

  async get(keyId: string): Promise<ApiKeyRecord | undefined> {
    const doc = await this.#keys.findOne({ _id: keyId });
    return doc ? fromDocument(doc) : undefined;
  }

  async list({ pageSize, after }: { pageSize: number; after?: string }) {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
    const docs = await this.#keys
      .find(after === undefined ? {} : { _id: { $gt: after } })
      .sort({ _id: 1 })
      .limit(pageSize + 1)
      .toArray();
    const keys = docs.slice(0, pageSize).map(fromDocument);
    return docs.length > pageSize ? { keys, nextAfter: keys[pageSize - 1].keyId } : { keys };
  }

  async update(keyId: string, patch: ApiKeyPatch): Promise<ApiKeyRecord | undefined> {
    const set: Record<string, unknown> = {};
    const unset: Record<string, ""> = {};
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) unset[k] = "";
      else set[k] = v;
    }
    const change: Record<string, unknown> = {};
    // Some servers reject an empty operator document.
    if (Object.keys(set).length > 0) change.$set = set;
    if (Object.keys(unset).length > 0) change.$unset = unset;
    if (Object.keys(change).length === 0) return this.get(keyId);
    const doc = await this.#keys.findOneAndUpdate({ _id: keyId }, change, { returnDocument: "after" });
    return doc ? fromDocument(doc) : undefined;
  }
}

function fromDocument(doc: ApiKeyDocument): ApiKeyRecord {
  const { _id, ...rest } = doc;
  const record: ApiKeyRecord = {
    ...rest,
    keyId: _id,
    permissions: [...doc.permissions],
    accountIds: [...doc.accountIds],
    secrets: doc.secrets.map((s) => (s.expireTime ? { hash: s.hash, expireTime: new Date(s.expireTime) } : { hash: s.hash })),
    createTime: new Date(doc.createTime),
  };
  return record;
}
