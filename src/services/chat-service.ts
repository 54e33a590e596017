import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationMs, timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { type ChatModification, isLidUser, isPnUser, type WASocket } from "@whiskeysockets/baileys";
import type { ChatSchema } from "../../gen/wildcat/v1/chat_pb.js";
import type {
  ArchiveChatRequest,
  ChatService,
  DeleteChatRequest,
  GetChatRequest,
  ListChatsRequest,
  MarkChatUnreadRequest,
  MuteChatRequest,
  PinChatRequest,
  RequestHistoryRequest,
  StarMessageRequest,
  UnmuteChatRequest,
} from "../../gen/wildcat/v1/chat_service_pb.js";
import type { ChatSync } from "../chats/chat-sync.js";
import type { Clock } from "../clock.js";
import { toWireMessage } from "../messaging/message-mapping.js";
import type { ChatPatch, ChatRecord, ChatStore } from "../store/chats.js";
import type { MessageRecord, MessageStore } from "../store/messages.js";
import type { AccountStore, HistorySyncPolicy } from "../store/store.js";
import type { SocketManager } from "../whatsapp/socket-manager.js";
import { whatsappCode } from "../whatsapp/whatsapp-error-code.js";
import { mapErrors, whatsappError } from "./domain-errors.js";
import { pageSize } from "./page-token.js";

export interface ChatServiceDeps {
  chats: ChatStore;
  accounts: Pick<AccountStore, "get">;
  /** For chat actions: the account's connected socket, the message store and the sync that stores and announces. */
  sockets: Pick<SocketManager, "connectedSocket">;
  /** The message store: messages to star, and RequestHistory's oldest stored message of a chat. */
  messages: Pick<MessageStore, "findById" | "list">;
  sync: Pick<ChatSync, "apply" | "remove" | "star">;
  clock: Clock;
  /** How long an action waits for the phone's app-state key right after linking; APP_STATE_KEY_WAIT_MS by default. */
  appStateKeyWaitMs?: number;
  /** For RequestHistory: the account's history policy. */
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

/**
 * ChatService: reads over the chat store (kept by MessageJournal from stored messages and by
 * ChatSync from WhatsApp's app state), and chat actions sent to WhatsApp as app-state patches
 * (Baileys' chatModify), stored once WhatsApp took them.
 */
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

  async archiveChat(req: ArchiveChatRequest) {
    const chat = await this.modify(req, (last) => ({ archive: req.archived, lastMessages: last }), `${req.archived ? "archiving" : "unarchiving"} ${req.chatJid}`);
    return { chat: toChat(await this.deps.sync.apply(req.accountId, chat.chatJid, { archived: req.archived }, false)) };
  }

  async pinChat(req: PinChatRequest) {
    const chat = await this.modify(req, () => ({ pin: req.pinned }), `${req.pinned ? "pinning" : "unpinning"} ${req.chatJid}`);
    const patch: ChatPatch = { pinTime: req.pinned ? this.deps.clock.now() : undefined };
    return { chat: toChat(await this.deps.sync.apply(req.accountId, chat.chatJid, patch, false)) };
  }

  async muteChat(req: MuteChatRequest) {
    // protovalidate checked the shape (a future time, or a positive duration); the oneof is required
    const until =
      req.until.case === "muteEndTime" ? timestampDate(req.until.value) : new Date(this.deps.clock.now().getTime() + durationMs(req.until.value!));
    const chat = await this.modify(req, () => ({ mute: until.getTime() }), `muting ${req.chatJid}`);
    return { chat: toChat(await this.deps.sync.apply(req.accountId, chat.chatJid, { muteUntil: until }, false)) };
  }

  async unmuteChat(req: UnmuteChatRequest) {
    const chat = await this.modify(req, () => ({ mute: null }), `unmuting ${req.chatJid}`);
    return { chat: toChat(await this.deps.sync.apply(req.accountId, chat.chatJid, { muteUntil: undefined }, false)) };
  }

  async markChatUnread(req: MarkChatUnreadRequest) {
    const chat = await this.modify(req, (last) => ({ markRead: !req.unread, lastMessages: last }), `marking ${req.chatJid} ${req.unread ? "unread" : "read"}`);
    const patch: ChatPatch = req.unread ? { markedUnread: true } : { markedUnread: false, unreadCount: 0 };
    return { chat: toChat(await this.deps.sync.apply(req.accountId, chat.chatJid, patch, false)) };
  }

  async deleteChat(req: DeleteChatRequest) {
    const chat = await this.modify(req, (last) => ({ delete: true, lastMessages: last }), `deleting ${req.chatJid}`);
    await this.deps.sync.remove(req.accountId, chat.chatJid, false);
    return {};
  }

  async starMessage(req: StarMessageRequest) {
    const chat = await this.knownChat(req.accountId, req.chatJid);
    const found = (await this.deps.messages.findById(req.accountId, req.messageId, req.fromMe)).find((m) => m.key.chatJid === chat.chatJid);
    if (!found) {
      throw new ConnectError(`no ${req.fromMe ? "sent" : "received"} message ${req.messageId} in chat ${req.chatJid} of account "${req.accountId}"`, Code.NotFound);
    }
    await this.send(req.accountId, chat.chatJid, { star: { messages: [{ id: found.key.messageId, fromMe: found.key.fromMe }], star: req.starred } }, `${req.starred ? "starring" : "unstarring"} message ${req.messageId}`);
    const record = await this.deps.sync.star(req.accountId, chat.chatJid, found.key.messageId, found.key.fromMe, req.starred, false);
    return { message: toWireMessage(record ?? { ...found, starred: req.starred }) };
  }

  /** The chat must be one the gateway knows; then the modification goes to WhatsApp. Returns the chat. */
  private async modify(
    req: { accountId: string; chatJid: string },
    modification: (lastMessages: LastMessages) => ChatModification,
    what: string,
  ): Promise<ChatRecord> {
    const chat = await this.knownChat(req.accountId, req.chatJid);
    await this.send(req.accountId, chat.chatJid, modification(await this.lastMessages(chat)), what);
    return chat;
  }

  private async knownChat(accountId: string, chatJid: string): Promise<ChatRecord> {
    if (!(await this.deps.accounts.get(accountId))) throw new ConnectError(`no account "${accountId}"`, Code.NotFound);
    const chat = await this.deps.chats.get(accountId, chatJid);
    if (!chat) throw new ConnectError(`account "${accountId}" has no chat ${chatJid}`, Code.NotFound);
    return chat;
  }

  /** Sends an app-state patch through the account's socket; a version conflict (another device wrote first) is retried once. */
  private async send(accountId: string, chatJid: string, modification: ChatModification, what: string): Promise<void> {
    const sock = await mapErrors(this.deps.sockets.connectedSocket(accountId));
    if (!(await appStateKey(sock, this.deps.appStateKeyWaitMs ?? APP_STATE_KEY_WAIT_MS))) {
      throw new ConnectError(
        `${what}: the phone has not shared its app-state key with this device yet (it does so right after linking); retry shortly`,
        Code.FailedPrecondition,
      );
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await sock.chatModify(modification, chatJid);
        return;
      } catch (e) {
        // Baileys syncs the collection before each patch, so a second try builds on the newer version
        if (attempt < 2 && whatsappCode(e) === 409) continue;
        throw whatsappError(e, what);
      }
    }
  }

  /** The chat's newest message, which WhatsApp wants with archive, mark read and delete (the range they cover). */
  private async lastMessages(chat: ChatRecord): Promise<LastMessages> {
    if (!chat.lastMessageId) return [];
    const found = (await this.deps.messages.findById(chat.accountId, chat.lastMessageId)).find((m) => m.key.chatJid === chat.chatJid);
    if (!found) return [];
    const key = { remoteJid: chat.chatJid, id: found.key.messageId, fromMe: found.key.fromMe, participant: found.key.participant };
    return [{ key, messageTimestamp: Math.floor(found.timestamp.getTime() / 1000) }];
  }
}

type LastMessages = Extract<ChatModification, { archive: boolean }>["lastMessages"];

/** How long a chat action right after linking waits for the phone's app-state key (phones send it within seconds). */
export const APP_STATE_KEY_WAIT_MS = 10_000;

/** The app-state key id once the phone shared it, waiting up to `waitMs` for it; undefined if it did not come. */
function appStateKey(sock: WASocket, waitMs: number): Promise<string | undefined> {
  const current = sock.authState.creds.myAppStateKeyId;
  if (current || waitMs <= 0) return Promise.resolve(current);
  return new Promise((resolve) => {
    const done = (id: string | undefined) => {
      clearTimeout(timer);
      sock.ev.off("creds.update", onCreds);
      resolve(id);
    };
    const onCreds = (update: { myAppStateKeyId?: string }) => {
      if (update.myAppStateKeyId) done(update.myAppStateKeyId);
    };
    const timer = setTimeout(() => done(sock.authState.creds.myAppStateKeyId), waitMs);
    sock.ev.on("creds.update", onCreds);
  });
}
