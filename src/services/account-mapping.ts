import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  AccountSchema,
  AccountState,
  DisconnectReason,
  HistorySyncMode,
  type HistorySyncPolicy,
  MediaDownloadMode,
  type MediaDownloadPolicy,
} from "../../gen/wildcat/v1/account_pb.js";
import type { CallPolicy } from "../../gen/wildcat/v1/call_pb.js";
import { STORED_MESSAGE_TYPES, WIRE_TYPES } from "../messaging/message-mapping.js";
import type {
  AccountRecord,
  CallPolicy as StoredCallPolicy,
  DisconnectKind,
  AccountState as StoredState,
  HistorySyncPolicy as StoredHistoryPolicy,
  JidPair,
  MediaDownloadPolicy as StoredPolicy,
} from "../store/store.js";

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
    mediaDownload: record.mediaDownload && {
      mode: record.mediaDownload.mode === "all" ? MediaDownloadMode.ALL : MediaDownloadMode.NONE,
      types: record.mediaDownload.types.map((t) => WIRE_TYPES[t]),
      maxBytes: BigInt(record.mediaDownload.maxBytes),
    },
    sendRatePerMinute: record.sendRatePerMinute ?? 0,
    callPolicy: record.callPolicy && { autoReject: record.callPolicy.autoReject, replyText: record.callPolicy.replyText },
    historySync: record.historySync && { mode: HISTORY_MODES[record.historySync.mode], recentDays: record.historySync.recentDays },
  };
}

const HISTORY_MODES: Record<StoredHistoryPolicy["mode"], HistorySyncMode> = {
  none: HistorySyncMode.NONE,
  recent: HistorySyncMode.RECENT,
  all: HistorySyncMode.ALL,
};

/** The stored history policy of a request; undefined (the server default) for an unset one or mode UNSPECIFIED. */
export function toStoredHistoryPolicy(policy: HistorySyncPolicy | undefined): StoredHistoryPolicy | undefined {
  const mode = (Object.keys(HISTORY_MODES) as StoredHistoryPolicy["mode"][]).find((m) => HISTORY_MODES[m] === policy?.mode);
  return mode && { mode, recentDays: policy!.recentDays };
}

/** The stored form of a policy from a request; undefined (the server default) for an unset one or mode UNSPECIFIED. */
export function toStoredPolicy(policy: MediaDownloadPolicy | undefined): StoredPolicy | undefined {
  if (!policy || policy.mode === MediaDownloadMode.UNSPECIFIED) return undefined;
  return {
    mode: policy.mode === MediaDownloadMode.ALL ? "all" : "none",
    types: policy.types.map((t) => STORED_MESSAGE_TYPES[t]),
    maxBytes: Number(policy.maxBytes),
  };
}

/** The stored form of a call policy from a request; undefined (no policy) for an unset one or one that does nothing. */
export function toStoredCallPolicy(policy: CallPolicy | undefined): StoredCallPolicy | undefined {
  if (!policy?.autoReject) return undefined; // validation refuses a reply_text without auto_reject
  return { autoReject: true, replyText: policy.replyText };
}

function toJid(pair: JidPair) {
  return { jid: pair.pn ?? pair.lid ?? "", pnJid: pair.pn ?? "", lidJid: pair.lid ?? "" };
}
