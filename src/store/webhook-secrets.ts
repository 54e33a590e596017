import type { AuthCipher } from "./auth/auth-cipher.js";
import type { WebhookPatch, WebhookRecord, WebhookSecret, WebhookStore } from "./webhooks.js";

/** Marks a sealed secret; a value without it is a plain secret written before sealing existed. */
const SEALED = "sealed:v1:";

/**
 * Keeps webhook signing secrets sealed at rest with the auth-state cipher (AES-256-GCM under
 * the master key), bound to their webhook: a sealed secret copied onto another webhook does
 * not open. Wraps any adapter's WebhookStore; callers see plain secrets.
 */
export class SealedWebhookStore implements WebhookStore {
  readonly #inner: WebhookStore;
  readonly #cipher: AuthCipher | undefined;

  constructor(inner: WebhookStore, cipher: AuthCipher | undefined) {
    this.#inner = inner;
    this.#cipher = cipher;
  }

  async create(webhook: WebhookRecord): Promise<WebhookRecord> {
    await this.#inner.create({ ...webhook, secrets: this.#seal(webhook.webhookId, webhook.secrets) });
    return webhook;
  }

  async get(webhookId: string): Promise<WebhookRecord | undefined> {
    const record = await this.#inner.get(webhookId);
    return record && this.#open(record);
  }

  async list(options: { pageSize: number; after?: string }) {
    const page = await this.#inner.list(options);
    return { ...page, webhooks: page.webhooks.map((w) => this.#open(w)) };
  }

  async update(webhookId: string, patch: WebhookPatch, updateTime: Date): Promise<WebhookRecord | undefined> {
    const sealed = patch.secrets ? { ...patch, secrets: this.#seal(webhookId, patch.secrets) } : patch;
    const record = await this.#inner.update(webhookId, sealed, updateTime);
    return record && this.#open(record);
  }

  delete(webhookId: string): Promise<boolean> {
    return this.#inner.delete(webhookId);
  }

  #seal(webhookId: string, secrets: WebhookSecret[]): WebhookSecret[] {
    const cipher = this.#need();
    return secrets.map((s) => ({
      ...s,
      secret: SEALED + cipher.seal(context(webhookId), "webhook_secret", webhookId, Buffer.from(s.secret, "utf8")).toString("base64"),
    }));
  }

  #open(record: WebhookRecord): WebhookRecord {
    const secrets = record.secrets.map((s) => {
      if (!s.secret.startsWith(SEALED)) return s;
      const sealed = Buffer.from(s.secret.slice(SEALED.length), "base64");
      return { ...s, secret: this.#need().open(context(record.webhookId), "webhook_secret", record.webhookId, sealed).toString("utf8") };
    });
    return { ...record, secrets };
  }

  #need(): AuthCipher {
    if (!this.#cipher) throw new Error("webhook secrets need the auth state cipher (AUTH_STATE_KEY or the key file)");
    return this.#cipher;
  }
}

/** The cipher derives a key per "account": webhooks get their own derivation context. */
function context(webhookId: string): string {
  return `webhook:${webhookId}`;
}
