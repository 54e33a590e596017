import { Code, ConnectError, type ConnectRouter, type ServiceImpl } from "@connectrpc/connect";
import {
  AccountService,
  type CreateAccountRequest,
  type DeleteAccountRequest,
  type GetAccountRequest,
  type ListAccountsRequest,
  type UpdateAccountRequest,
} from "../../gen/wildcat/v1/account_service_pb.js";
import type { Clock } from "../clock.js";
import { AlreadyExistsError, type AccountStore } from "../store/store.js";
import { toAccount } from "./account-mapping.js";
import { decodePageToken, encodePageToken, pageSize } from "./page-token.js";

const DEFAULT_PAGE_SIZE = 100;
/** Fields UpdateAccount may change, as FieldMask paths. */
const UPDATABLE = new Set(["display_name"]);

/**
 * Account resources. The connection RPCs (Connect, Disconnect, Logout,
 * RequestPairingCode, WatchAccount) answer `unimplemented` until the socket
 * manager exists.
 */
export class AccountServiceImpl implements Partial<ServiceImpl<typeof AccountService>> {
  constructor(
    private readonly accounts: AccountStore,
    private readonly clock: Clock,
  ) {}

  async createAccount(req: CreateAccountRequest) {
    const now = this.clock.now();
    try {
      const record = await this.accounts.create({
        accountId: req.accountId,
        displayName: req.displayName,
        state: "disconnected",
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
    return { account: toAccount(await this.mustGet(req.accountId)) };
  }

  async listAccounts(req: ListAccountsRequest) {
    const page = await this.accounts.list({
      pageSize: pageSize(req.pageSize, DEFAULT_PAGE_SIZE),
      after: decodePageToken("accounts", req.pageToken),
    });
    return { accounts: page.accounts.map(toAccount), nextPageToken: encodePageToken("accounts", page.nextAfter) };
  }

  async updateAccount(req: UpdateAccountRequest) {
    const accountId = req.account!.accountId; // required by the proto's validation rules
    const paths = req.updateMask?.paths ?? [];
    const bad = paths.filter((p) => !UPDATABLE.has(p));
    if (bad.length > 0) {
      throw new ConnectError(`update_mask: cannot update ${bad.join(", ")}; allowed: ${[...UPDATABLE].join(", ")}`, Code.InvalidArgument);
    }
    if (paths.length === 0) return { account: toAccount(await this.mustGet(accountId)) };
    const updated = await this.accounts.update(accountId, { displayName: req.account!.displayName }, this.clock.now());
    if (!updated) throw notFound(accountId);
    return { account: toAccount(updated) };
  }

  async deleteAccount(req: DeleteAccountRequest) {
    if (!(await this.accounts.delete(req.accountId))) throw notFound(req.accountId);
    return {};
  }

  private async mustGet(accountId: string) {
    const record = await this.accounts.get(accountId);
    if (!record) throw notFound(accountId);
    return record;
  }
}

function notFound(accountId: string): ConnectError {
  return new ConnectError(`account "${accountId}" not found`, Code.NotFound);
}

export function accountRoutes(impl: AccountServiceImpl) {
  return (router: ConnectRouter) => router.service(AccountService, impl);
}
