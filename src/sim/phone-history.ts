import { deflateSync } from "node:zlib";
import { type BinaryNode, getBinaryNodeChild, proto } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import type { PhonePeer } from "./phone-peer.js";
import { type DeviceRecord, type PhoneHistory, type PhoneHistoryChat, type PhoneHistoryMessage, type PhoneRecord, pnJid, type SimState } from "./sim-state.js";

const { HistorySyncType } = proto.HistorySync;

/** A chat of the phone's history as a JID: a group JID stays, a phone number becomes a user JID. */
const newestFirst = (messages: PhoneHistoryMessage[]) => [...messages].sort((a, b) => b.time - a.time);

const chatJid = (chat: string) => (chat.includes("@") ? chat : `${chat}@s.whatsapp.net`);

/**
 * The simulated phone's history: what it "already had" when a device links. Like a real phone it
 * sends a new companion its recent chats (INITIAL_BOOTSTRAP, at most `bootstrapLimit` newest messages each) and contact names (PUSH_NAME) once
 * that companion is online, and answers the companion's on-demand requests (a peer data
 * operation) with older messages of a chat (ON_DEMAND). The payload travels inline
 * (`initialHistBootstrapInlinePayload`, zlib-deflated `HistorySync`): Baileys downloads a
 * non-inline one from WhatsApp's default media host, since the notification names no host.
 */
export class PhoneHistorySender {
  constructor(
    private readonly state: SimState,
    private readonly peer: PhonePeer,
    private readonly logger: Logger,
  ) {
    peer.onFirstOnline((phone, device) => this.bootstrap(phone, device));
  }

  /** Replaces what the phone of `phoneNumber` holds; devices linked afterwards receive it. */
  set(phoneNumber: string, history: PhoneHistory): void {
    this.state.phone(phoneNumber).history = history;
    this.state.changed();
  }

  /** A `category="peer"` message from a companion to its phone: answers a history request. */
  async onPeerMessage(phone: PhoneRecord, device: DeviceRecord, node: BinaryNode): Promise<void> {
    const enc = getBinaryNodeChild(node, "enc");
    if (!enc) return;
    let message: proto.IMessage;
    try {
      message = await this.peer.decryptFromCompanion(phone, device, enc);
    } catch (err) {
      this.logger.warn({ err, phone: phone.phoneNumber, device: device.id }, "phone could not decrypt its companion's peer message");
      return;
    }
    // a message to one's own devices comes wrapped, as Baileys sends it
    const request = (message.deviceSentMessage?.message ?? message).protocolMessage?.peerDataOperationRequestMessage;
    const onDemand = request?.historySyncOnDemandRequest;
    if (request?.peerDataOperationRequestType !== proto.Message.PeerDataOperationRequestType.HISTORY_SYNC_ON_DEMAND || !onDemand?.chatJid) return;
    const chat = phone.history?.chats.find((c) => chatJid(c.chat) === onDemand.chatJid);
    const before = Number(onDemand.oldestMsgTimestampMs ?? 0) / 1000;
    const count = Math.max(0, onDemand.onDemandMsgCount ?? 0);
    // the messages just before the oldest one the companion has, newest first
    const older = newestFirst((chat?.messages ?? []).filter((m) => m.time < before)).slice(0, count);
    const sync: proto.IHistorySync = {
      syncType: HistorySyncType.ON_DEMAND,
      conversations: chat ? [this.conversation({ ...chat, unreadCount: 0 }, older)] : [],
      progress: 100,
    };
    this.logger.info({ phone: phone.phoneNumber, device: device.id, chat: onDemand.chatJid, count: older.length }, "phone answers a history request");
    await this.send(phone, device, sync, { peerDataRequestSessionId: node.attrs.id });
  }

  /** The first time a companion is online: the phone's chats, then its contact names. */
  private async bootstrap(phone: PhoneRecord, device: DeviceRecord): Promise<void> {
    const history = phone.history;
    if (!history) return;
    const limit = history.bootstrapLimit || Infinity;
    const conversations = history.chats.map((chat) => this.conversation(chat, newestFirst(chat.messages).slice(0, limit)));
    await this.send(phone, device, { syncType: HistorySyncType.INITIAL_BOOTSTRAP, conversations, progress: 100, chunkOrder: 1 });
    if (history.contacts.length) {
      const pushnames = history.contacts.map((c) => ({ id: chatJid(c.phoneNumber), pushname: c.name }));
      await this.send(phone, device, { syncType: HistorySyncType.PUSH_NAME, pushnames, progress: 100 });
    }
  }

  /** A chat as `HistorySync.conversations` carries it: its messages newest first, as WebMessageInfo. */
  private conversation(chat: PhoneHistoryChat, messages: PhoneHistoryMessage[]): proto.IConversation {
    const jid = chatJid(chat.chat);
    const newest = newestFirst(messages);
    return {
      id: jid,
      name: chat.name || undefined,
      unreadCount: chat.unreadCount,
      conversationTimestamp: newest[0]?.time,
      messages: newest.map((m, i) => ({
        msgOrderId: newest.length - i,
        message: {
          key: { remoteJid: jid, fromMe: m.fromMe, id: m.id, participant: jid.endsWith("@g.us") && !m.fromMe && m.sender ? chatJid(m.sender) : undefined },
          message: { conversation: m.text },
          messageTimestamp: m.time,
          status: m.fromMe ? proto.WebMessageInfo.Status.READ : proto.WebMessageInfo.Status.DELIVERY_ACK,
        },
      })),
    };
  }

  private async send(phone: PhoneRecord, device: DeviceRecord, sync: proto.IHistorySync, extra: { peerDataRequestSessionId?: string } = {}): Promise<void> {
    const payload = deflateSync(proto.HistorySync.encode(sync).finish());
    await this.peer.sendProtocolMessage(phone.phoneNumber, pnJid(phone, device.id), {
      type: proto.Message.ProtocolMessage.Type.HISTORY_SYNC_NOTIFICATION,
      historySyncNotification: {
        syncType: sync.syncType,
        chunkOrder: sync.chunkOrder ?? undefined,
        progress: sync.progress ?? undefined,
        initialHistBootstrapInlinePayload: payload,
        peerDataRequestSessionId: extra.peerDataRequestSessionId,
      },
    });
    this.logger.debug({ phone: phone.phoneNumber, device: device.id, syncType: sync.syncType, bytes: payload.length }, "phone sent history");
  }
}
