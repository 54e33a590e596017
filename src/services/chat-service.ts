import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { isLidUser, isPnUser } from "@whiskeysockets/baileys";
import type { ChatSchema } from "../../gen/wildcat/v1/chat_pb.js";
import type { ChatService, GetChatRequest, ListChatsRequest, RequestHistoryRequest } from "../../gen/wildcat/v1/chat_service_pb.js";
import type { ChatRecord, ChatStore } from "../store/chats.js";
import type { MessageRecord, MessageStore } from "../store/messages.js";
import type { AccountStore, HistorySyncPolicy } from "../store/store.js";
import type { SocketManager } from "../whatsapp/socket-manager.js";
import { mapErrors } from "./domain-errors.js";
import { pageSize } from "./page-token.js";

export interface ChatServiceDeps {
  chats: ChatStore;
  accounts: Pick<AccountStore, "get">;
  /** For RequestHistory: the oldest stored message of a chat, the account's socket and its history policy. */
  messages: Pick<MessageStore, "list">;
  sockets: Pick<SocketManager, "connectedSocket">;
  historyPolicy(accountId: string): Promise<HistorySyncPolicy>;
}

/** The stored chat as the contract's Chat; the JID's own form fills pn_jid or lid_jid. */
export function toChat(c: ChatRecord): MessageInitShape<typeof ChatSchema> {
  const ts = (d: Date | undefined) => (d ? timestampFromDate(d) : undefined);
  return {
    jid: { jid: c.chatJid, pnJid: isPnUser(c.chatJid) ? c.chatJid : "", lidJid: isLidUser(c.chatJid) ? c.chatJid : "" },
    name: c.name ?? "",
    lastMessageId: c.lastMessageId ?? "",
    lastMessageTime: ts(c.lastMessageTime),
    unreadCount: c.unreadCount,
    archived: c.archived,
    pinTime: ts(c.pinTime),
    muteEndTime: ts(c.muteUntil),
    markedUnread: c.markedUnread,
    fromHistory: c.fromHistory,
    updateTime: ts(c.updateTime),
  };
}

/** ChatService over the chat store, which MessageJournal keeps from stored messages. */
export class ChatServiceImpl implements ServiceImpl<typeof ChatService> {
  constructor(private readonly deps: ChatServiceDeps) {}

  async listChats(req: ListChatsRequest) {
    if (!(await this.deps.accounts.get(req.accountId))) throw new ConnectError(`no account "${req.accountId}"`, Code.NotFound);
    let page;
    try {
      page = await this.deps.chats.list({ accountId: req.accountId, pageSize: pageSize(req.pageSize, 50), pageToken: req.pageToken || undefined });
    } catch (e) {
      // the store rejects a token it did not issue
      if (req.pageToken && e instanceof RangeError) throw new ConnectError("page_token is not one this list issued", Code.InvalidArgument, undefined, undefined, e);
      throw e;
    }
    return { chats: page.chats.map(toChat), nextPageToken: page.nextPageToken ?? "" };
  }

  async requestHistory(req: RequestHistoryRequest) {
    if (!(await this.deps.accounts.get(req.accountId))) throw new ConnectError(`no account "${req.accountId}"`, Code.NotFound);
    if ((await this.deps.historyPolicy(req.accountId)).mode === "none") {
      throw new ConnectError(`account "${req.accountId}" stores no history (history_sync mode NONE): nothing the phone sends would be kept`, Code.FailedPrecondition);
    }
    const oldest = await this.oldestMessage(req.accountId, req.chatJid);
    if (!oldest) throw new ConnectError(`chat_jid: account "${req.accountId}" has no stored message in ${req.chatJid} to page back from`, Code.FailedPrecondition);
    const sock = await mapErrors(this.deps.sockets.connectedSocket(req.accountId));
    const key = { remoteJid: oldest.key.chatJid, id: oldest.key.messageId, fromMe: oldest.key.fromMe, participant: oldest.key.participant };
    let requestId: string;
    try {
      requestId = await sock.fetchMessageHistory(req.count, key, oldest.timestamp.getTime());
    } catch (e) {
      throw new ConnectError(`WhatsApp did not take the request: ${(e as Error).message}`, Code.Unavailable);
    }
    return { requestId };
  }

  /** The chat's oldest stored message: the list is newest first, so its last page ends with it. */
  private async oldestMessage(accountId: string, chatJid: string): Promise<MessageRecord | undefined> {
    let pageToken: string | undefined;
    let last: MessageRecord | undefined;
    do {
      const page = await this.deps.messages.list({ accountId, chatJid, pageSize: 500, pageToken });
      last = page.messages.at(-1) ?? last;
      pageToken = page.nextPageToken;
    } while (pageToken);
    return last;
  }

  async getChat(req: GetChatRequest) {
    const chat = await this.deps.chats.get(req.accountId, req.chatJid);
    if (!chat) throw new ConnectError(`account "${req.accountId}" has no chat ${req.chatJid}`, Code.NotFound);
    return { chat: toChat(chat) };
  }
}
