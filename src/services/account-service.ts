import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import {
  AccountService,
  type ConnectAccountRequest,
  type CreateAccountRequest,
  type DeleteAccountRequest,
  type DisconnectAccountRequest,
  type GetAccountRequest,
  type ListAccountsRequest,
  type LogoutAccountRequest,
  type RequestPairingCodeRequest,
  type UpdateAccountRequest,
  type WatchAccountRequest,
} from "../../gen/wildcat/v1/account_service_pb.js";
import { principalOf } from "../auth/principal.js";
import type { Clock } from "../clock.js";
import { AlreadyExistsError, type AccountPatch, type AccountRecord, type AccountStore } from "../store/store.js";
import { AccountState } from "../../gen/wildcat/v1/account_pb.js";
import { holderUrl, type Ownership } from "../cluster/ownership.js";
import type { PairingCodeSnapshot } from "../whatsapp/account-session.js";
import { mapError, mapErrors } from "./domain-errors.js";
import type { SocketManager } from "../whatsapp/socket-manager.js";
import { WatcherOverflowError } from "../whatsapp/watch-hub.js";
import { toAccount, toStoredCallPolicy, toStoredHistoryPolicy, toStoredPolicy } from "./account-mapping.js";
import { decodePageToken, encodePageToken, pageSize } from "./page-token.js";

const DEFAULT_PAGE_SIZE = 100;

/** A store that keeps data per account. */
export interface AccountData {
  deleteAccount(accountId: string): Promise<unknown>;
}
/** Fields UpdateAccount may change, as FieldMask paths. */
const UPDATABLE = new Set(["display_name", "media_download", "send_rate_per_minute", "call_policy", "history_sync"]);

/** Account resources and their WhatsApp connections. */
export class AccountServiceImpl implements ServiceImpl<typeof AccountService> {
  constructor(
    private readonly accounts: AccountStore,
    private readonly sockets: SocketManager,
    private readonly clock: Clock,
    /** Everything else kept per account (messages, files, chats, groups): DeleteAccount empties each. */
    private readonly accountData: AccountData[],
    /** Cluster mode: who owns which account (Account.owner, and no CONNECTED without a live owner). */
    private readonly ownership?: Ownership,
  ) {}

  /**
   * The wire form of a stored account, as it is: in cluster mode with its owner's address, and
   * a stored CONNECTED (or CONNECTING) of an account no live process owns reads CONNECTING with
   * no owner (its process died; a survivor takes it over within the lease TTL). On one process,
   * a stored CONNECTED reads CONNECTING until this process has the account's socket open.
   */
  private async view(record: AccountRecord, owners?: Map<string, string>) {
    const account = toAccount(record);
    if (!this.ownership) {
      // One process: CONNECTED only with a socket open here. A stored CONNECTED without one is
      // what a crashed process left, read before its restore reached the account.
      if (record.state === "connected" && !this.sockets.isConnected(record.accountId)) account.state = AccountState.CONNECTING;
      return account;
    }
    const holder = owners ? owners.get(record.accountId) : (await this.ownership.owner(record.accountId))?.holder;
    account.owner = holder ? holderUrl(holder) : "";
    if (!holder && record.state === "connected") account.state = AccountState.CONNECTING;
    return account;
  }

  async createAccount(req: CreateAccountRequest) {
    const now = this.clock.now();
    try {
      const record = await this.accounts.create({
        accountId: req.accountId,
        displayName: req.displayName,
        state: "disconnected",
        mediaDownload: toStoredPolicy(req.mediaDownload),
        sendRatePerMinute: req.sendRatePerMinute || undefined,
        callPolicy: toStoredCallPolicy(req.callPolicy),
        historySync: toStoredHistoryPolicy(req.historySync),
        createTime: now,
        updateTime: now,
      });
      return { account: toAccount(record) };
    } catch (e) {
      if (e instanceof AlreadyExistsError) {
        throw new ConnectError(`account "${req.accountId}" already exists`, Code.AlreadyExists);
      }
      throw e;
    }
  }

  async getAccount(req: GetAccountRequest) {
    return { account: await this.view(await this.mustGet(req.accountId)) };
  }

  async listAccounts(req: ListAccountsRequest, ctx: HandlerContext) {
    const size = pageSize(req.pageSize, DEFAULT_PAGE_SIZE);
    const after = decodePageToken("accounts", req.pageToken);
    const { scope } = principalOf(ctx);
    if (scope === "all") {
      const page = await this.accounts.list({ pageSize: size, after });
      const owners = await this.ownership?.owners();
      return { accounts: await Promise.all(page.accounts.map((a) => this.view(a, owners))), nextPageToken: encodePageToken("accounts", page.nextAfter) };
    }
    // A key with some accounts pages through those of them that exist, in id order.
    const accounts = [];
    const ids = [...scope].sort().filter((id) => after === undefined || id > after);
    let i = 0;
    for (; i < ids.length && accounts.length < size; i++) {
      const record = await this.accounts.get(ids[i]);
      if (record) accounts.push(await this.view(record));
    }
    const more = i < ids.length;
    return { accounts, nextPageToken: encodePageToken("accounts", more ? ids[i - 1] : undefined) };
  }

  async updateAccount(req: UpdateAccountRequest) {
    const accountId = req.account!.accountId; // required by the proto's validation rules
    const paths = req.updateMask?.paths ?? [];
    const bad = paths.filter((p) => !UPDATABLE.has(p));
    if (bad.length > 0) {
      throw new ConnectError(`update_mask: cannot update ${bad.join(", ")}; allowed: ${[...UPDATABLE].join(", ")}`, Code.InvalidArgument);
    }
    if (paths.length === 0) return { account: await this.view(await this.mustGet(accountId)) };
    const patch: AccountPatch = {};
    if (paths.includes("display_name")) patch.displayName = req.account!.displayName;
    if (paths.includes("media_download")) patch.mediaDownload = toStoredPolicy(req.account!.mediaDownload);
    if (paths.includes("history_sync")) patch.historySync = toStoredHistoryPolicy(req.account!.historySync);
    if (paths.includes("send_rate_per_minute")) patch.sendRatePerMinute = req.account!.sendRatePerMinute || undefined;
    if (paths.includes("call_policy")) patch.callPolicy = toStoredCallPolicy(req.account!.callPolicy);
    const updated = await this.accounts.update(accountId, patch, this.clock.now());
    if (!updated) throw notFound(accountId);
    return { account: await this.view(updated) };
  }

  async deleteAccount(req: DeleteAccountRequest) {
    await this.mustGet(req.accountId);
    await this.sockets.remove(req.accountId);
    for (const data of this.accountData) await data.deleteAccount(req.accountId);
    // Last, so a failure above leaves an account that can be deleted again.
    if (!(await this.accounts.delete(req.accountId))) throw notFound(req.accountId);
    return {};
  }

  async connectAccount(req: ConnectAccountRequest) {
    return { account: await this.view(await mapErrors(this.sockets.connect(req.accountId))) };
  }

  async disconnectAccount(req: DisconnectAccountRequest) {
    return { account: await this.view(await mapErrors(this.sockets.disconnect(req.accountId))) };
  }

  async logoutAccount(req: LogoutAccountRequest) {
    return { account: await this.view(await mapErrors(this.sockets.logout(req.accountId))) };
  }

  async requestPairingCode(req: RequestPairingCodeRequest) {
    const code = await mapErrors(this.sockets.requestPairingCode(req.accountId, req.phoneNumber.replace(/^\+/, "")));
    return { pairingCode: toPairingCode(code) };
  }

  async *watchAccount(req: WatchAccountRequest, ctx: HandlerContext) {
    try {
      for await (const s of this.sockets.watch(req.accountId, ctx.signal)) {
        yield {
          account: await this.view(s.account),
          qrCode: s.qr && { code: s.qr.code, expireTime: timestampFromDate(s.qr.expireTime), png: s.qr.png },
          pairingCode: s.pairingCode && toPairingCode(s.pairingCode),
        };
      }
    } catch (e) {
      if (e instanceof WatcherOverflowError) throw new ConnectError(e.message, Code.ResourceExhausted);
      throw mapError(e);
    }
  }

  private async mustGet(accountId: string) {
    const record = await this.accounts.get(accountId);
    if (!record) throw notFound(accountId);
    return record;
  }
}

function toPairingCode(code: PairingCodeSnapshot) {
  return { code: code.code, phoneNumber: code.phoneNumber, expireTime: timestampFromDate(code.expireTime) };
}

function notFound(accountId: string): ConnectError {
  return new ConnectError(`account "${accountId}" not found`, Code.NotFound);
}
