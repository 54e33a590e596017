import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { AccountSchema, AccountState, DisconnectReason } from "../../gen/wildcat/v1/account_pb.js";
import type { AccountRecord, DisconnectKind, AccountState as StoredState, JidPair } from "../store/store.js";

const STATES: Record<StoredState, AccountState> = {
  disconnected: AccountState.DISCONNECTED,
  connecting: AccountState.CONNECTING,
  waiting_for_login: AccountState.WAITING_FOR_LOGIN,
  connected: AccountState.CONNECTED,
  logged_out: AccountState.LOGGED_OUT,
};

const REASONS: Record<DisconnectKind, DisconnectReason> = {
  requested: DisconnectReason.REQUESTED,
  restart_required: DisconnectReason.RESTART_REQUIRED,
  connection_lost: DisconnectReason.CONNECTION_LOST,
  server_error: DisconnectReason.SERVER_ERROR,
  logged_out: DisconnectReason.LOGGED_OUT,
  replaced: DisconnectReason.REPLACED,
  login_timeout: DisconnectReason.LOGIN_TIMEOUT,
  needs_relink: DisconnectReason.NEEDS_RELINK,
};

/** The wire form of a stored account. */
export function toAccount(record: AccountRecord): MessageInitShape<typeof AccountSchema> {
  return {
    accountId: record.accountId,
    displayName: record.displayName,
    state: STATES[record.state],
    ownJid: record.ownJid && toJid(record.ownJid),
    lastDisconnect: record.lastDisconnect && {
      reason: REASONS[record.lastDisconnect.kind],
      code: record.lastDisconnect.code,
      message: record.lastDisconnect.reason,
      time: timestampFromDate(record.lastDisconnect.time),
    },
    createTime: timestampFromDate(record.createTime),
    updateTime: timestampFromDate(record.updateTime),
  };
}

function toJid(pair: JidPair) {
  return { jid: pair.pn ?? pair.lid ?? "", pnJid: pair.pn ?? "", lidJid: pair.lid ?? "" };
}
