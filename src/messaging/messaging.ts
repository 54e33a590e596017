import { createHash } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  decryptPollVote,
  generateMessageIDV2,
  generateWAMessage,
  getContentType,
  isJidGroup,
  isLidUser,
  jidNormalizedUser,
  normalizeMessageContent,
  proto,
  type BinaryNode,
  type Contact,
  type WAMessage,
  type WAMessageKey,
  type WAMessageUpdate,
  type WASocket,
} from "@whiskeysockets/baileys";
import type { Message } from "../../gen/wildcat/v1/message_pb.js";
import type { SendMessageRequest } from "../../gen/wildcat/v1/message_service_pb.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { EventLog } from "../store/events.js";
import type { MediaStore } from "../store/media.js";
import type { Jid, MessageKey, MessageRecord, MessageStatus, MessageStore, NewMessage } from "../store/messages.js";
import type { HistorySyncPolicy, MediaDownloadPolicy } from "../store/store.js";
import { HistoryImport } from "./history-import.js";
import type { ChatStore } from "../store/chats.js";
import type { StoreHealth } from "../store/store-health.js";
import { whatsappCode } from "../whatsapp/whatsapp-error-code.js";
import { MessageJournal } from "./message-journal.js";
import { pollVoteText, toWireMessage } from "./message-mapping.js";
import type { MediaLeases } from "../media/media-leases.js";
import { InboundMedia, type InboundMediaOptions } from "./inbound-media.js";
import { buildContent } from "./outbound.js";
import { describeContent, pollCreation } from "./wa-content.js";

export interface MessagingDeps {
  messages: MessageStore;
  events: EventLog;
  media: MediaStore;
  clock: Clock;
  logger: Logger;
  /** fetch options Baileys uploads and downloads media with (the simulator's agents in sandbox mode). */
  mediaFetchOptions?: RequestInit;
  /** How received files are fetched, and which each account keeps. */
  inboundMedia: Omit<InboundMediaOptions, "fetchOptions">;
  mediaPolicy(accountId: string): Promise<MediaDownloadPolicy>;
  /** A send holds the stored files it uploads, so DeleteMedia cannot pull them from under it. */
  leases: MediaLeases;
  /** The chat list kept from stored messages (issue 15). */
  chats?: ChatStore;
  /** Whether the store is reachable: a received message that could not be stored waits for it. */
  storeHealth?: StoreHealth;
  /** Which of WhatsApp's history each account stores (its own policy, else the server default); without it none is. */
  historyPolicy?(accountId: string): Promise<HistorySyncPolicy>;
  /** Stores the people named in a batch of history (the contact list). */
  historyContacts?(accountId: string, sock: WASocket, contacts: Partial<Contact>[]): Promise<void>;
}

/** Baileys' numeric statuses, as stored. */
const STATUSES: Partial<Record<number, MessageStatus>> = {
  [proto.WebMessageInfo.Status.ERROR]: "failed",
  [proto.WebMessageInfo.Status.SERVER_ACK]: "server_ack",
  [proto.WebMessageInfo.Status.DELIVERY_ACK]: "delivered",
  [proto.WebMessageInfo.Status.READ]: "read",
  [proto.WebMessageInfo.Status.PLAYED]: "played",
};

const PHONE = /^\+?[1-9][0-9]{5,15}$/;
const USER_JID = /^[0-9]{5,20}(:[0-9]{1,3})?@(s\.whatsapp\.net|lid)$/;
const GROUP_JID = /^[0-9]{5,30}(-[0-9]{5,15})?@g\.us$/;

/**
 * Messaging over the accounts' sockets: what arrives is mapped once, stored, then
 * announced; what is sent is stored (PENDING) before it is handed to WhatsApp, and its
 * status follows the server's acks and the recipients' receipts.
 */
/** How long a number WhatsApp confirmed is taken as on WhatsApp without asking again (Baileys keeps device lists as long). */
const ON_WHATSAPP_TTL_MS = 5 * 60_000;
/** Numbers remembered per socket. */
const ON_WHATSAPP_MAX = 5_000;

export class Messaging {
  readonly journal: MessageJournal;
  readonly inboundMedia: InboundMedia;
  private readonly history?: HistoryImport;
  /** Per account: inbound work runs in arrival order, one item at a time. */
  private readonly chains = new Map<string, Promise<void>>();
  /**
   * Numbers WhatsApp said are on it, per socket (gone with it): a send by phone number asks again
   * only after ON_WHATSAPP_TTL_MS, not before every message. A number that is not on WhatsApp is
   * asked about every time, so it is found as soon as it joins.
   */
  private readonly onWhatsApp = new WeakMap<WASocket, Map<string, { jid: string; until: number }>>();
  /** Sends with a request id in progress in this process, so a concurrent retry waits for the first. */
  private readonly inFlight = new Map<string, Promise<Message>>();

  constructor(private readonly deps: MessagingDeps) {
    this.journal = new MessageJournal(deps.messages, deps.events, deps.clock, deps.chats);
    this.inboundMedia = new InboundMedia(
      { ...deps, journal: this.journal },
      { ...deps.inboundMedia, fetchOptions: deps.mediaFetchOptions },
      deps.mediaPolicy,
    );
    const { chats, historyPolicy } = deps;
    if (chats && historyPolicy) {
      this.history = new HistoryImport({
        ...deps,
        chats,
        journal: this.journal,
        policy: historyPolicy,
        toStored: (accountId, sock, msg) => this.historyMessage(accountId, sock, msg),
        chatJid: (sock, jid) => this.storedChatJid(sock, jid),
        contacts: deps.historyContacts,
      });
    }
  }

  /** Wires a new socket of the account: inbound messages, receipts and acks. */
  attach(accountId: string, sock: WASocket): void {
    sock.ev.on("messages.upsert", ({ messages }) => this.serial(accountId, () => this.onUpsert(accountId, sock, messages)));
    sock.ev.on("connection.update", ({ connection }) => {
      if (connection === "open") this.serial(accountId, async () => void (await this.inboundMedia.resume(accountId, sock, this.deps.clock.now())));
    });
    const history = this.history;
    if (history) {
      // on the same chain as live messages, so a message in both is looked up after the other is stored
      sock.ev.on("messaging-history.set", (batch) => this.serial(accountId, () => history.import(accountId, sock, batch)));
    }
    sock.ev.on("messages.update", (updates) => this.serial(accountId, () => this.onUpdates(accountId, updates)));
    sock.ev.on("message-receipt.update", (receipts) =>
      this.serial(accountId, async () => {
        for (const { key, receipt } of receipts) {
          const status = receipt.readTimestamp ? "read" : receipt.receiptTimestamp ? "delivered" : undefined;
          if (status && key.id) await this.statusOf(accountId, key, status, receipt.userJid ?? undefined);
        }
      }),
    );
    // Baileys only reports failed acks; a plain ack is the server accepting the message.
    sock.ws.on("CB:ack,class:message", (node: BinaryNode) => {
      if (node.attrs.error || !node.attrs.id) return;
      const key = { id: node.attrs.id, fromMe: true, remoteJid: node.attrs.from };
      this.serial(accountId, () => this.statusOf(accountId, key, "server_ack"));
    });
  }

  /** Baileys' getMessage: WhatsApp asks for a message again (a retry receipt); answered from the store. */
  async getMessage(accountId: string, key: WAMessageKey): Promise<proto.IMessage | undefined> {
    if (!key.id) return undefined;
    const [record] = await this.deps.messages.findById(accountId, key.id, key.fromMe ?? undefined);
    return record?.rawMessage ? (proto.WebMessageInfo.decode(record.rawMessage).message ?? undefined) : undefined;
  }

  /** Sends a message; with a request id, a repeat returns the first result and sends nothing. */
  send(accountId: string, sock: WASocket, req: SendMessageRequest): Promise<Message> {
    if (!req.requestId) return this.doSend(accountId, sock, req);
    const flightKey = `${accountId}\u0000${req.requestId}`;
    const running = this.inFlight.get(flightKey);
    if (running) return running;
    const sending = this.doSend(accountId, sock, req).finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, sending);
    return sending;
  }

  async edit(accountId: string, sock: WASocket, chat: string, messageId: string, text: string): Promise<Message> {
    const target = await this.ownMessage(accountId, chat, messageId);
    const sent = await relayOrFail(sock.sendMessage(target.key.chatJid, { text, edit: waKey(target) }));
    const wire = await this.journal.edited(target.key, { time: this.deps.clock.now(), text }, sent?.key.id ?? messageId);
    return wire!;
  }

  async delete(accountId: string, sock: WASocket, chat: string, messageId: string): Promise<Message> {
    const target = await this.ownMessage(accountId, chat, messageId);
    await relayOrFail(sock.sendMessage(target.key.chatJid, { delete: waKey(target) }));
    return (await this.journal.deleted(target.key, this.deps.clock.now()))!;
  }

  async markRead(accountId: string, sock: WASocket, chat: string, messageIds: string[]): Promise<void> {
    const chatJid = await this.chatJid(sock, chat);
    const records: MessageRecord[] = [];
    for (const id of messageIds) {
      const found = (await this.deps.messages.findById(accountId, id, false)).find((r) => r.key.chatJid === chatJid);
      if (!found) throw new ConnectError(`message_ids: no received message ${id} in chat ${chatJid}`, Code.NotFound);
      records.push(found);
    }
    await relayOrFail(sock.readMessages(records.map(waKey)));
    const time = this.deps.clock.now();
    for (const r of records) await this.journal.status(r.key, { status: "read", time });
  }

  async presence(sock: WASocket, presence: "available" | "unavailable" | "composing" | "recording" | "paused", chat: string): Promise<void> {
    const inChat = presence !== "available" && presence !== "unavailable";
    if (inChat && !chat) throw new ConnectError(`chat_jid: required for ${presence.toUpperCase()}`, Code.InvalidArgument);
    if (!inChat && !sock.authState.creds.me?.name) {
      // Baileys would drop it silently: WhatsApp shows availability only with a profile name.
      throw new ConnectError("the account has no WhatsApp profile name yet, so WhatsApp cannot show it online", Code.FailedPrecondition);
    }
    await relayOrFail(sock.sendPresenceUpdate(presence, inChat ? await this.chatJid(sock, chat) : undefined));
  }

  private async doSend(accountId: string, sock: WASocket, req: SendMessageRequest): Promise<Message> {
    const held: (() => void)[] = [];
    try {
      return await this.sendHolding(accountId, sock, req, held);
    } finally {
      for (const release of held) release();
    }
  }

  private async sendHolding(accountId: string, sock: WASocket, req: SendMessageRequest, held: (() => void)[]): Promise<Message> {
    const { messages, clock, logger } = this.deps;
    let chatJid = await this.recipient(sock, req.to);
    let messageId = generateMessageIDV2(sock.user?.id);
    if (req.requestId) {
      const claim = await messages.claimRequest({ accountId, requestId: req.requestId, chatJid, messageId, createTime: clock.now() });
      if (!claim.claimed) {
        const first = await messages.get({ accountId, chatJid: claim.chatJid, messageId: claim.messageId, fromMe: true });
        if (first) return toWireMessage(first);
        // Claimed by a process that stopped before storing it: send now, under the claimed id.
        chatJid = claim.chatJid;
        messageId = claim.messageId;
      }
    }
    const inChat = (id: string, field: string) => this.inChat(accountId, chatJid, id, field);
    const quoted = req.replyToMessageId ? await inChat(req.replyToMessageId, "reply_to_message_id") : undefined;
    const reactTo = req.content.case === "reaction" ? await inChat(req.content.value.messageId, "reaction.message_id") : undefined;
    const { content, media } = await buildContent(req.content, {
      mentions: req.mentions.map((m) => (PHONE.test(m) ? `${m.replace(/^\+/, "")}@s.whatsapp.net` : m)),
      reactionKey: reactTo ? waKey(reactTo) : {},
      openMedia: (mediaId, field) => {
        held.push(this.deps.leases.hold(mediaId));
        return this.openMedia(accountId, mediaId, field);
      },
    });
    let full: WAMessage;
    try {
      full = await generateWAMessage(chatJid, content, {
        logger: logger.child({ accountId }),
        userJid: sock.authState.creds.me!.id,
        upload: sock.waUploadToServer,
        options: this.deps.mediaFetchOptions,
        messageId,
        quoted: quoted?.rawMessage ? (proto.WebMessageInfo.decode(quoted.rawMessage) as WAMessage) : undefined,
      });
    } catch (e) {
      throw new ConnectError(`sending failed before WhatsApp accepted the message: ${(e as Error).message}`, Code.Unavailable);
    }
    const key: MessageKey = { accountId, chatJid, messageId, fromMe: true };
    const described = describeContent(full.message);
    const now = clock.now();
    const message: NewMessage = {
      key,
      chat: await this.jidPair(sock, chatJid),
      from: ownJid(sock),
      timestamp: now,
      type: described.type,
      rawMessage: proto.WebMessageInfo.encode(full).finish(),
    };
    if (described.text !== undefined) message.text = described.text;
    if (media) message.media = { mediaId: media.mediaId, mimeType: media.mimeType, sizeBytes: media.sizeBytes, sha256: media.sha256, fileName: described.media?.fileName };
    await messages.addStatus(key, { status: "pending", time: now });
    await this.journal.add(message, "message_sent");
    try {
      await sock.relayMessage(chatJid, full.message!, {
        messageId,
        additionalNodes: req.content.case === "poll" ? [{ tag: "meta", attrs: { polltype: "creation" } }] : undefined,
      });
    } catch (e) {
      await this.journal.status(key, { status: "failed", time: clock.now() });
      // WhatsApp answers a group's member list only to members.
      if (isJidGroup(chatJid) && whatsappCode(e) === 403) {
        throw new ConnectError(`to: the account is not a member of group ${chatJid} (WhatsApp: 403 ${(e as Error).message})`, Code.FailedPrecondition);
      }
      if (isJidGroup(chatJid) && whatsappCode(e) === 404) {
        throw new ConnectError(`to: WhatsApp knows no group ${chatJid} (404 ${(e as Error).message})`, Code.NotFound);
      }
      throw new ConnectError(`WhatsApp did not take the message: ${(e as Error).message}`, Code.Unavailable);
    }
    if (reactTo && req.content.case === "reaction") {
      await this.journal.reaction(reactTo.key, { from: ownJid(sock), emoji: req.content.value.emoji, time: now }, messageId);
    }
    return toWireMessage((await messages.get(key))!);
  }

  /**
   * Both upsert types carry messages to keep: "notify" live ones, "append" those queued while
   * the account was offline (own sends are not echoed: emitOwnEvents is off, and a repeat of
   * a stored key changes nothing).
   */
  private async onUpsert(accountId: string, sock: WASocket, list: WAMessage[]): Promise<void> {
    for (const msg of list) await this.keep(accountId, sock, msg);
  }

  /**
   * Stores one received message. Baileys has already sent its receipt by now, so when the
   * store vanished in between (the Signal session was written, the message was not), the
   * message is held here, in order, and stored when the store is back: only a crash of this
   * process during the same outage would lose it. Messages after it are not receipted at all
   * (the socket is dropped, see AccountSession) and come again from WhatsApp.
   */
  private async keep(accountId: string, sock: WASocket, msg: WAMessage): Promise<void> {
    const health = this.deps.storeHealth;
    for (;;) {
      try {
        await this.onMessage(accountId, sock, msg);
        return;
      } catch (e) {
        if (!health?.report(e)) {
          this.deps.logger.error({ err: e, accountId, messageId: msg.key.id }, "storing a received message failed");
          return;
        }
        this.deps.logger.warn({ accountId, messageId: msg.key.id }, "the store is unreachable: holding a received message until it is back");
        if (!(await health.whenAvailable())) return;
      }
    }
  }

  private async onMessage(accountId: string, sock: WASocket, msg: WAMessage): Promise<void> {
    const content = normalizeMessageContent(msg.message);
    if (!content || !msg.key.id || !msg.key.remoteJid) return;
    const kind = getContentType(content);
    if (!kind || kind === "senderKeyDistributionMessage" || kind === "messageContextInfo") return;
    const chat = await this.chatOf(sock, msg.key);
    const from = msg.key.fromMe ? ownJid(sock) : await this.senderOf(sock, msg.key);
    const time = msg.messageTimestamp ? new Date(Number(msg.messageTimestamp) * 1000) : this.deps.clock.now();
    const protocol = content.protocolMessage;
    if (protocol) {
      if (!protocol.key?.id) return;
      const target = await this.targetOf(accountId, chat.jid, protocol.key.id, msg.key.fromMe === true);
      if (protocol.type === proto.Message.ProtocolMessage.Type.REVOKE) await this.journal.deleted(target, time);
      if (protocol.type === proto.Message.ProtocolMessage.Type.MESSAGE_EDIT) {
        await this.journal.edited(target, { time, text: describeContent(protocol.editedMessage).text }, msg.key.id);
      }
      return; // other protocol messages (key shares, settings) are the socket's business
    }
    const stored = await this.stored(accountId, sock, msg, { chat, from, time });
    const { key, media } = stored;
    const created = await this.journal.add(stored, "message_received");
    if (media && !created.media?.mediaId) {
      await this.inboundMedia.enqueue(key, msg, sock, stored.type, media);
    }
    const reaction = content.reactionMessage;
    if (reaction?.key?.id) {
      // Baileys has rewritten the reaction's key to the account's side.
      const target = await this.targetOf(accountId, chat.jid, reaction.key.id, reaction.key.fromMe === true);
      await this.journal.reaction(target, { from, emoji: reaction.text ?? "", time }, msg.key.id);
    }
  }

  /**
   * A message of WhatsApp's history as stored, or undefined for what is not stored: protocol
   * messages (edits and deletes of history are already applied by the phone), key shares.
   */
  async historyMessage(accountId: string, sock: WASocket, msg: proto.IWebMessageInfo): Promise<NewMessage | undefined> {
    const content = normalizeMessageContent(msg.message);
    if (!content || !msg.key?.id || !msg.key.remoteJid) return undefined;
    const kind = getContentType(content);
    if (!kind || kind === "senderKeyDistributionMessage" || kind === "messageContextInfo" || kind === "protocolMessage") return undefined;
    const wa = msg as WAMessage;
    const chat = await this.chatOf(sock, wa.key);
    const from = wa.key.fromMe ? ownJid(sock) : await this.senderOf(sock, wa.key);
    const time = msg.messageTimestamp ? new Date(Number(msg.messageTimestamp) * 1000) : this.deps.clock.now();
    return this.stored(accountId, sock, wa, { chat, from, time });
  }

  /** A chat JID as messages are stored under it (phone-number form when known). */
  async storedChatJid(sock: WASocket, jid: string): Promise<string> {
    const user = jidNormalizedUser(jid);
    if (isJidGroup(user) || !isLidUser(user)) return user;
    return (await this.pnFor(sock, user)) ?? user;
  }

  /** A received message as stored: WhatsApp's key, what it holds, the raw message. */
  private async stored(accountId: string, sock: WASocket, msg: WAMessage, at: { chat: Jid; from: Jid; time: Date }): Promise<NewMessage> {
    const { chat, from, time } = at;
    const key: MessageKey = { accountId, chatJid: chat.jid, messageId: msg.key.id!, fromMe: msg.key.fromMe === true };
    if (isJidGroup(chat.jid) && msg.key.participant) key.participant = jidNormalizedUser(msg.key.participant);
    const described = describeContent(msg.message);
    const stored: NewMessage = { key, chat, from, timestamp: time, type: described.type, rawMessage: proto.WebMessageInfo.encode(msg).finish() };
    if (described.media) stored.media = described.media;
    if (described.text !== undefined) stored.text = described.text;
    const content = normalizeMessageContent(msg.message);
    if (content?.pollUpdateMessage) stored.text = await this.pollVote(accountId, sock, msg, content.pollUpdateMessage);
    return stored;
  }

  private async onUpdates(accountId: string, updates: WAMessageUpdate[]): Promise<void> {
    for (const { key, update } of updates) {
      const status = update.status == null ? undefined : STATUSES[update.status];
      if (status && key.id) await this.statusOf(accountId, key, status);
    }
  }

  private async statusOf(accountId: string, key: WAMessageKey, status: MessageStatus, participant?: string): Promise<void> {
    // Receipts name the chat by whichever JID form the device used: find the message by id.
    const [record] = await this.deps.messages.findById(accountId, key.id!, key.fromMe ?? undefined);
    if (!record) {
      this.deps.logger.debug({ accountId, messageId: key.id, status }, "status for a message this gateway does not have");
      return;
    }
    await this.journal.status(record.key, { status, time: this.deps.clock.now() }, participant);
  }

  /** Decrypts a poll vote with the poll's secret; the chosen option names, one per line. */
  private async pollVote(accountId: string, sock: WASocket, msg: WAMessage, update: proto.Message.IPollUpdateMessage): Promise<string> {
    const pollKey = update.pollCreationMessageKey;
    const [poll] = pollKey?.id ? await this.deps.messages.findById(accountId, pollKey.id) : [];
    const pollInfo = poll?.rawMessage ? proto.WebMessageInfo.decode(poll.rawMessage) : undefined;
    const secret = pollInfo?.message?.messageContextInfo?.messageSecret;
    const options = pollCreation(pollInfo?.message)?.options ?? [];
    if (!pollKey?.id || !secret || !update.vote || !poll) {
      this.deps.logger.warn({ accountId, messageId: msg.key.id }, "poll vote for a poll this gateway does not have");
      return "";
    }
    // The voter signs with the JID forms it knows: try each form of creator and voter.
    const creators = jidForms(poll.from ?? ownJid(sock));
    const voters = jidForms(await this.senderOf(sock, msg.key));
    for (const pollCreatorJid of creators) {
      for (const voterJid of voters) {
        try {
          const vote = decryptPollVote(update.vote, { pollCreatorJid, pollMsgId: pollKey.id, pollEncKey: secret, voterJid });
          const chosen = new Set((vote.selectedOptions ?? []).map((h) => Buffer.from(h).toString("hex")));
          const names = options.map((o) => o.optionName ?? "").filter((name) => chosen.has(createHash("sha256").update(name).digest("hex")));
          return pollVoteText(names);
        } catch {
          // wrong JID form: the authentication tag does not match
        }
      }
    }
    this.deps.logger.warn({ accountId, messageId: msg.key.id }, "poll vote could not be decrypted");
    return "";
  }

  /** The stored message an update points at, or the key a placeholder is kept under until it arrives. */
  private async targetOf(accountId: string, chatJid: string, messageId: string, fromMe: boolean): Promise<MessageKey> {
    const found = await this.deps.messages.findById(accountId, messageId, fromMe);
    return found.find((r) => r.key.chatJid === chatJid)?.key ?? found[0]?.key ?? { accountId, chatJid, messageId, fromMe };
  }

  private async ownMessage(accountId: string, chat: string, messageId: string): Promise<MessageRecord> {
    const [record] = (await this.deps.messages.findById(accountId, messageId, true)).filter((r) => sameChat(r, chat));
    if (!record) throw new ConnectError(`message_id: the account sent no message ${messageId} in ${chat}`, Code.NotFound);
    if (record.deleteTime) throw new ConnectError(`message_id: message ${messageId} was deleted`, Code.FailedPrecondition);
    return record;
  }

  private async inChat(accountId: string, chatJid: string, messageId: string, field: string): Promise<MessageRecord> {
    const found = (await this.deps.messages.findById(accountId, messageId)).find((r) => r.key.chatJid === chatJid);
    if (!found) throw new ConnectError(`${field}: no message ${messageId} in chat ${chatJid}`, Code.NotFound);
    return found;
  }

  private async openMedia(accountId: string, mediaId: string, field: string) {
    const record = await this.deps.media.get(mediaId);
    if (!record || record.accountId !== accountId) throw new ConnectError(`${field}: account ${accountId} has no media ${mediaId}`, Code.NotFound);
    const stream = await this.deps.media.open(mediaId);
    if (!stream) throw new ConnectError(`${field}: media ${mediaId} was deleted`, Code.NotFound);
    return { record, stream };
  }

  /** The JID to send to: a phone number must be on WhatsApp. */
  private async recipient(sock: WASocket, to: string): Promise<string> {
    if (PHONE.test(to)) {
      const digits = to.replace(/^\+/, "");
      const known = this.onWhatsApp.get(sock)?.get(digits);
      if (known && known.until > this.deps.clock.now().getTime()) return known.jid;
      const [found] = (await sock.onWhatsApp(digits)) ?? [];
      if (!found?.exists) throw new ConnectError(`to: +${digits} is not on WhatsApp`, Code.NotFound);
      const jid = jidNormalizedUser(found.jid);
      let numbers = this.onWhatsApp.get(sock);
      if (!numbers) this.onWhatsApp.set(sock, (numbers = new Map()));
      numbers.delete(digits);
      numbers.set(digits, { jid, until: this.deps.clock.now().getTime() + ON_WHATSAPP_TTL_MS });
      // The oldest answer goes first once the socket has asked about too many numbers.
      if (numbers.size > ON_WHATSAPP_MAX) numbers.delete(numbers.keys().next().value!);
      return jid;
    }
    return this.chatJid(sock, to);
  }

  /** A chat given by phone number or JID, in the form messages are stored under. */
  private async chatJid(sock: WASocket, chat: string): Promise<string> {
    if (PHONE.test(chat)) return `${chat.replace(/^\+/, "")}@s.whatsapp.net`;
    if (GROUP_JID.test(chat)) return chat;
    if (!USER_JID.test(chat)) {
      throw new ConnectError(`"${chat}" is neither a phone number (+15551234567) nor a JID (…@s.whatsapp.net, …@lid, …@g.us)`, Code.InvalidArgument);
    }
    const user = jidNormalizedUser(chat);
    return isLidUser(user) ? ((await this.pnFor(sock, user)) ?? user) : user;
  }

  /** The chat of a message under its phone-number JID when known (the stable form), with both forms. */
  private async chatOf(sock: WASocket, key: WAMessageKey): Promise<Jid> {
    const remote = jidNormalizedUser(key.remoteJid!);
    if (isJidGroup(remote)) return { jid: remote };
    return this.userPair(sock, remote, key.remoteJidAlt);
  }

  private async senderOf(sock: WASocket, key: WAMessageKey): Promise<Jid> {
    if (key.fromMe) return ownJid(sock);
    if (key.participant) return this.userPair(sock, jidNormalizedUser(key.participant), key.participantAlt);
    return this.userPair(sock, jidNormalizedUser(key.remoteJid!), key.remoteJidAlt);
  }

  private async userPair(sock: WASocket, jid: string, alt?: string | null): Promise<Jid> {
    const other = alt ? jidNormalizedUser(alt) : undefined;
    const lid = isLidUser(jid) ? jid : other && isLidUser(other) ? other : undefined;
    const pn = !isLidUser(jid) ? jid : other && !isLidUser(other) ? other : lid ? await this.pnFor(sock, lid) : undefined;
    const pair: Jid = { jid: pn ?? jid };
    if (pn) pair.pn = pn;
    if (lid) pair.lid = lid;
    return pair;
  }

  private async jidPair(sock: WASocket, jid: string): Promise<Jid> {
    if (isJidGroup(jid)) return { jid };
    const lid = await sock.signalRepository.lidMapping.getLIDForPN(jid).catch(() => undefined);
    return lid ? { jid, pn: jid, lid: jidNormalizedUser(lid) } : { jid, pn: jid };
  }

  private async pnFor(sock: WASocket, lid: string): Promise<string | undefined> {
    const pn = await sock.signalRepository.lidMapping.getPNForLID(lid).catch(() => undefined);
    return pn ? jidNormalizedUser(pn) : undefined;
  }

  /** Resolves once the inbound work in hand, of one account or of all, is done (before its lease or the store goes). */
  async idle(accountId?: string): Promise<void> {
    for (;;) {
      const pending = accountId === undefined ? [...this.chains.values()] : [this.chains.get(accountId)].filter((p) => p !== undefined);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  private serial(accountId: string, task: () => Promise<void>): void {
    const next = (this.chains.get(accountId) ?? Promise.resolve()).then(task).catch((e: unknown) => {
      this.deps.logger.error({ err: e, accountId }, "handling a WhatsApp update failed");
    });
    this.chains.set(accountId, next);
    void next.then(() => {
      if (this.chains.get(accountId) === next) this.chains.delete(accountId);
    });
  }
}

function ownJid(sock: WASocket): Jid {
  const pn = sock.user?.id ? jidNormalizedUser(sock.user.id) : undefined;
  const lid = sock.user?.lid ? jidNormalizedUser(sock.user.lid) : undefined;
  const pair: Jid = { jid: pn ?? lid ?? "" };
  if (pn) pair.pn = pn;
  if (lid) pair.lid = lid;
  return pair;
}

function jidForms(j: Jid): string[] {
  return [...new Set([j.jid, j.pn, j.lid].filter((x): x is string => !!x))];
}

function waKey(record: MessageRecord): WAMessageKey {
  return { remoteJid: record.key.chatJid, id: record.key.messageId, fromMe: record.key.fromMe, participant: record.key.participant };
}

function sameChat(record: MessageRecord, chat: string): boolean {
  const digits = chat.replace(/^\+/, "");
  return [record.chat.jid, record.chat.pn, record.chat.lid].some((j) => j === chat || (j && j.split("@")[0] === digits));
}

/** A socket call that failed is WhatsApp being unreachable, not the caller's mistake. */
async function relayOrFail<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (e) {
    throw new ConnectError(`WhatsApp did not take the request: ${(e as Error).message}`, Code.Unavailable);
  }
}
