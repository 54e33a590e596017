import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { AccountSchema, AccountState, DisconnectReason } from "../../gen/wildcat/v1/account_pb.js";
import type { AccountRecord, AccountState as StoredState, JidPair } from "../store/store.js";

const STATES: Record<StoredState, AccountState> = {
  disconnected: AccountState.DISCONNECTED,
  connecting: AccountState.CONNECTING,
  waiting_for_login: AccountState.WAITING_FOR_LOGIN,
  connected: AccountState.CONNECTED,
  logged_out: AccountState.LOGGED_OUT,
};

/** The wire form of a stored account. */
export function toAccount(record: AccountRecord): MessageInitShape<typeof AccountSchema> {
  return {
    accountId: record.accountId,
    displayName: record.displayName,
    state: STATES[record.state],
    ownJid: record.ownJid && toJid(record.ownJid),
    lastDisconnect: record.lastDisconnect && {
      reason: disconnectReason(record.lastDisconnect.code),
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

/** Classifies a Baileys DisconnectReason / stream error code. 0 means a requested close. */
export function disconnectReason(code: number): DisconnectReason {
  switch (code) {
    case 0:
      return DisconnectReason.REQUESTED;
    case 515:
      return DisconnectReason.RESTART_REQUIRED;
    case 408:
    case 428:
    case 503:
      return DisconnectReason.CONNECTION_LOST;
    case 500:
      return DisconnectReason.SERVER_ERROR;
    case 401:
    case 403:
      return DisconnectReason.LOGGED_OUT;
    case 440:
      return DisconnectReason.REPLACED;
    case 411:
      return DisconnectReason.NEEDS_RELINK;
    default:
      return DisconnectReason.UNSPECIFIED;
  }
}
