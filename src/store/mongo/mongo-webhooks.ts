import { MongoServerError, type Collection } from "mongodb";
import { AlreadyExistsError } from "../store.js";
import { OPTIONAL_WEBHOOK_FIELDS, type WebhookPatch, type WebhookRecord, type WebhookStore } from "../webhooks.js";
import type { DeliveryDocument, DeliveryLeaseDocument } from "./mongo-deliveries.js";

export type WebhookDocument = Omit<WebhookRecord, "webhookId"> & { _id: string };

const duplicateKey = 11000;

export class MongoWebhooks implements WebhookStore {
  readonly #webhooks: Collection<WebhookDocument>;
  readonly #deliveries: Collection<DeliveryDocument>;
  readonly #leases: Collection<DeliveryLeaseDocument>;

  constructor(
    webhooks: Collection<WebhookDocument>,
    deliveries: Collection<DeliveryDocument>,
    leases: Collection<DeliveryLeaseDocument>,
  ) {
    this.#webhooks = webhooks;
    this.#deliveries = deliveries;
    this.#leases = leases;
  }

  async create(webhook: WebhookRecord): Promise<WebhookRecord> {
    const doc = toDocument(webhook);
    try {
      await this.#webhooks.insertOne(doc);
    } catch (err) {
      if (err instanceof MongoServerError && err.code === duplicateKey) throw new AlreadyExistsError(`webhook ${webhook.webhookId}`);
      throw err;
    }
    return fromDocument(doc);
  }

  async get(webhookId: string): Promise<WebhookRecord | undefined> {
    const doc = await this.#webhooks.findOne({ _id: webhookId });
    return doc ? fromDocument(doc) : undefined;
  }

  async list({ pageSize, after }: { pageSize: number; after?: string }) {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
    const docs = await this.#webhooks
      .find(after === undefined ? {} : { _id: { $gt: after } })
      .sort({ _id: 1 })
      .limit(pageSize + 1)
      .toArray();
    const webhooks = docs.slice(0, pageSize).map(fromDocument);
    return docs.length > pageSize ? { webhooks, nextAfter: webhooks[pageSize - 1].webhookId } : { webhooks };
  }

  async update(webhookId: string, patch: WebhookPatch, updateTime: Date): Promise<WebhookRecord | undefined> {
    const set: Record<string, unknown> = { updateTime };
    const unset: Record<string, ""> = {};
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) set[key] = value;
      else if ((OPTIONAL_WEBHOOK_FIELDS as readonly string[]).includes(key)) unset[key] = "";
    }
    const change: Record<string, unknown> = { $set: set };
    if (Object.keys(unset).length > 0) change.$unset = unset;
    const doc = await this.#webhooks.findOneAndUpdate({ _id: webhookId }, change, { returnDocument: "after" });
    return doc ? fromDocument(doc) : undefined;
  }

  async delete(webhookId: string): Promise<boolean> {
    // Webhook first: a crash between leaves orphan deliveries nobody lists, never a webhook
    // whose history vanished. Retention ignores deliveries of deleted webhooks once removed.
    const result = await this.#webhooks.deleteOne({ _id: webhookId });
    await this.#deliveries.deleteMany({ webhookId });
    await this.#leases.deleteMany({ webhookId });
    return result.deletedCount > 0;
  }
}

function toDocument(w: WebhookRecord): WebhookDocument {
  const { webhookId, ...rest } = w;
  return { _id: webhookId, ...rest };
}

function fromDocument(doc: WebhookDocument): WebhookRecord {
  const record: WebhookRecord = {
    webhookId: doc._id,
    url: doc.url,
    eventTypes: doc.eventTypes,
    accountIds: doc.accountIds,
    description: doc.description,
    state: doc.state,
    secrets: doc.secrets.map((s) => (s.expireTime ? { secret: s.secret, createTime: s.createTime, expireTime: s.expireTime } : { secret: s.secret, createTime: s.createTime })),
    createTime: doc.createTime,
    updateTime: doc.updateTime,
  };
  if (doc.disabledReason !== undefined) record.disabledReason = doc.disabledReason;
  if (doc.failingSince !== undefined) record.failingSince = doc.failingSince;
  return record;
}
