import { durationMs, timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { ApiKeyState, Permission } from "../../gen/wildcat/v1/api_key_pb.js";
import type {
  ApiKeyService,
  CreateApiKeyRequest,
  GetApiKeyRequest,
  ListApiKeysRequest,
  RevokeApiKeyRequest,
  RotateApiKeyRequest,
} from "../../gen/wildcat/v1/api_key_service_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ApiKeySchema } from "../../gen/wildcat/v1/api_key_pb.js";
import type { ApiKeys } from "../auth/api-keys.js";
import type { Permission as StoredPermission } from "../auth/principal.js";
import type { Clock } from "../clock.js";
import type { ApiKeyRecord } from "../store/api-keys.js";
import { decodePageToken, encodePageToken, pageSize } from "./page-token.js";

const DEFAULT_PAGE_SIZE = 100;

const STORED_PERMISSIONS: Record<Exclude<Permission, Permission.UNSPECIFIED>, StoredPermission> = {
  [Permission.ADMIN]: "admin",
  [Permission.ACCOUNTS]: "accounts",
  [Permission.SEND]: "send",
  [Permission.READ]: "read",
  [Permission.WEBHOOKS]: "webhooks",
};
const WIRE_PERMISSIONS = Object.fromEntries(Object.entries(STORED_PERMISSIONS).map(([wire, stored]) => [stored, Number(wire)])) as Record<
  StoredPermission,
  Permission
>;

/** API keys: created with their secret shown once, listed without, revoked and rotated. Admin only (see rules.ts). */
export class ApiKeyServiceImpl implements ServiceImpl<typeof ApiKeyService> {
  constructor(
    private readonly keys: ApiKeys,
    private readonly clock: Clock,
  ) {}

  async createApiKey(req: CreateApiKeyRequest) {
    const { record, key } = await this.keys.create({
      name: req.name,
      permissions: req.permissions.map((p) => STORED_PERMISSIONS[p as keyof typeof STORED_PERMISSIONS]),
      allAccounts: req.allAccounts,
      accountIds: req.accountIds,
      expireTime: req.expireTime && timestampDate(req.expireTime),
      ratePerSecond: req.ratePerSecond,
    });
    return { apiKey: this.toWire(record), key };
  }

  async getApiKey(req: GetApiKeyRequest) {
    return { apiKey: this.toWire(await this.mustGet(req.keyId)) };
  }

  async listApiKeys(req: ListApiKeysRequest) {
    const page = await this.keys.list({ pageSize: pageSize(req.pageSize, DEFAULT_PAGE_SIZE), after: decodePageToken("api-keys", req.pageToken) });
    return { apiKeys: page.keys.map((k) => this.toWire(k)), nextPageToken: encodePageToken("api-keys", page.nextAfter) };
  }

  async revokeApiKey(req: RevokeApiKeyRequest) {
    const record = await this.keys.revoke(req.keyId);
    if (!record) throw notFound(req.keyId);
    return { apiKey: this.toWire(record) };
  }

  async rotateApiKey(req: RotateApiKeyRequest) {
    const rotated = await this.keys.rotate(req.keyId, req.gracePeriod ? durationMs(req.gracePeriod) : 0);
    if (!rotated) throw notFound(req.keyId);
    return { apiKey: this.toWire(rotated.record), key: rotated.key };
  }

  private async mustGet(keyId: string): Promise<ApiKeyRecord> {
    const record = await this.keys.get(keyId);
    if (!record) throw notFound(keyId);
    return record;
  }

  /** The wire form: never a secret or a hash. */
  private toWire(r: ApiKeyRecord): MessageInitShape<typeof ApiKeySchema> {
    const now = this.clock.now();
    const state = r.revokeTime ? ApiKeyState.REVOKED : r.expireTime && r.expireTime <= now ? ApiKeyState.EXPIRED : ApiKeyState.ACTIVE;
    const previous = r.secrets[1]?.expireTime;
    return {
      keyId: r.keyId,
      name: r.name,
      permissions: r.permissions.map((p) => WIRE_PERMISSIONS[p]),
      allAccounts: r.allAccounts,
      accountIds: r.accountIds,
      expireTime: r.expireTime && timestampFromDate(r.expireTime),
      ratePerSecond: r.ratePerSecond,
      createTime: timestampFromDate(r.createTime),
      lastUsedTime: r.lastUsedTime && timestampFromDate(r.lastUsedTime),
      revokeTime: r.revokeTime && timestampFromDate(r.revokeTime),
      state,
      previousSecretExpireTime: previous && previous > now ? timestampFromDate(previous) : undefined,
    };
  }
}

function notFound(keyId: string): ConnectError {
  return new ConnectError(`API key ${keyId} not found`, Code.NotFound);
}
