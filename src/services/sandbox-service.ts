import { timestampDate, timestampFromDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { ChatModification } from "@whiskeysockets/baileys";
import {
  type AnswerContactCallRequest,
  ContactCallOutcome,
  type ContactCallRequest,
  ContactCallState,
  type ContactEndCallRequest,
  type GetContactCallRequest,
  ContactMediaKind,
  ContactMessageKind,
  Fault,
  SandboxService,
  type ContactJoinGroupRequest,
  type ContactLeaveGroupRequest,
  type ContactUpdateParticipantsRequest,
  type CreateGroupRequest,
  type DownloadContactMediaRequest,
  type EnterPairingCodeRequest,
  type GetPhoneChatRequest,
  type PhoneChangeChatRequest,
  type InjectFaultRequest,
  type LinkDeviceRequest,
  type ListContactMessagesRequest,
  type SendFromContactRequest,
  type SetPhoneHistoryRequest,
  type UpdateContactProfileRequest,
} from "../../gen/wildcat/v1/sandbox_service_pb.js";
import { ParticipantAction, ParticipantResultStatus } from "../../gen/wildcat/v1/group_service_pb.js";
import { CallStateError, type SimCall, type SimCallOutcome, UnknownCallError } from "../sim/calls.js";
import type { ContactBook } from "../sim/contact-book.js";
import type { ContactMessage, ContactMessageKind as Kind, MediaKind, SimulatedContact } from "../sim/contact.js";
import { describeMessage } from "../sim/contact-message.js";
import type { PhoneChatView } from "../sim/app-state.js";
import type { Simulator } from "../sim/simulator.js";
import { isBoom } from "../whatsapp/whatsapp-error-code.js";
import { whatsappError } from "./domain-errors.js";
import { PARTICIPANT_CODES } from "./group-mapping.js";

/** Phone numbers arrive as "+15551234567" or "15551234567"; the simulator keys on digits. */
const digits = (phone: string) => phone.replace(/^\+/, "");

const MEDIA_KINDS: Record<ContactMediaKind, MediaKind | undefined> = {
  [ContactMediaKind.UNSPECIFIED]: undefined,
  [ContactMediaKind.IMAGE]: "image",
  [ContactMediaKind.VIDEO]: "video",
  [ContactMediaKind.AUDIO]: "audio",
  [ContactMediaKind.VOICE_NOTE]: "voice_note",
  [ContactMediaKind.DOCUMENT]: "document",
  [ContactMediaKind.STICKER]: "sticker",
};

const MESSAGE_KINDS: Record<Kind, ContactMessageKind> = {
  text: ContactMessageKind.TEXT,
  image: ContactMessageKind.IMAGE,
  video: ContactMessageKind.VIDEO,
  audio: ContactMessageKind.AUDIO,
  voice_note: ContactMessageKind.VOICE_NOTE,
  document: ContactMessageKind.DOCUMENT,
  sticker: ContactMessageKind.STICKER,
  location: ContactMessageKind.LOCATION,
  contacts: ContactMessageKind.CONTACTS,
  reaction: ContactMessageKind.REACTION,
  poll: ContactMessageKind.POLL,
  poll_vote: ContactMessageKind.POLL_VOTE,
  edit: ContactMessageKind.EDIT,
  revoke: ContactMessageKind.REVOKE,
  other: ContactMessageKind.OTHER,
};

/** The kind of file to send: the one asked for, else what the MIME type says. */
function mediaKind(req: SendFromContactRequest): MediaKind {
  const asked = MEDIA_KINDS[req.mediaKind];
  if (asked) return asked;
  if (!req.mediaMimeType) {
    throw new ConnectError("media_mime_type: give the MIME type of media (e.g. image/jpeg), or a media_kind", Code.InvalidArgument);
  }
  const top = req.mediaMimeType.split("/")[0];
  return top === "image" ? "image" : top === "video" ? "video" : top === "audio" ? "audio" : "document";
}

/** Kinds of file a phone sends without a caption. */
const UNCAPTIONED: ReadonlySet<MediaKind> = new Set(["audio", "voice_note", "sticker"]);

/**
 * The simulated phone side, over the API: only mounted by the standalone
 * simulator and the sandbox gateway, both of which trust the simulator's root.
 */
export class SandboxServiceImpl implements ServiceImpl<typeof SandboxService> {
  constructor(
    private readonly sim: Simulator,
    private readonly contacts: ContactBook,
  ) {}

  async linkDevice(req: LinkDeviceRequest) {
    const device = await asPrecondition(this.sim.linkDevice(req.qrCode, digits(req.phoneNumber)));
    return { jid: device.jid, lid: device.lid };
  }

  async setPhoneHistory(req: SetPhoneHistoryRequest) {
    const chats = new Set<string>();
    for (const [i, chat] of req.chats.entries()) {
      const id = chat.chat.includes("@") ? chat.chat : digits(chat.chat);
      if (chats.has(id)) throw new ConnectError(`chats[${i}].chat: ${chat.chat} is given twice`, Code.InvalidArgument);
      chats.add(id);
      const ids = new Set<string>();
      for (const [j, m] of chat.messages.entries()) {
        const key = `${m.fromMe}/${m.messageId}`;
        if (ids.has(key)) throw new ConnectError(`chats[${i}].messages[${j}].message_id: ${m.messageId} is given twice in this chat and direction`, Code.InvalidArgument);
        ids.add(key);
      }
    }
    this.sim.phoneHistory.set(digits(req.phoneNumber), {
      chats: req.chats.map((c) => ({
        chat: c.chat.includes("@") ? c.chat : digits(c.chat),
        name: c.name || undefined,
        unreadCount: c.unreadCount,
        messages: c.messages.map((m) => ({
          id: m.messageId,
          fromMe: m.fromMe,
          text: m.text,
          time: Number(m.time!.seconds),
          sender: m.sender ? digits(m.sender) : undefined,
        })),
      })),
      contacts: req.contacts.map((c) => ({ phoneNumber: digits(c.phoneNumber), name: c.name })),
      bootstrapLimit: req.bootstrapMessageLimit || undefined,
    });
    return {};
  }

  async enterPairingCode(req: EnterPairingCodeRequest) {
    const device = await asPrecondition(this.sim.enterPairingCode(digits(req.phoneNumber), req.code.toUpperCase()));
    return { jid: device.jid };
  }

  async sendFromContact(req: SendFromContactRequest) {
    const given = [req.media.length > 0 && "media", req.location && "location", req.contacts && "contacts", req.poll && "poll"].filter(Boolean);
    if (given.length > 1) throw new ConnectError(`give one of media, location, contacts or poll, not ${given.join(" and ")}`, Code.InvalidArgument);
    const contact = await this.contacts.contact(digits(req.fromPhoneNumber));
    const replyTo = req.replyToMessageId || undefined;
    if (replyTo) this.message(contact, replyTo, "reply_to_message_id");
    const mentions = req.mentions.length ? req.mentions : undefined;
    const noText = (what: string) => {
      if (req.text) throw new ConnectError(`text: ${what} has no text or caption`, Code.InvalidArgument);
    };
    let messageId: string;
    if (req.media.length > 0) {
      const kind = mediaKind(req);
      if (UNCAPTIONED.has(kind)) noText(`a ${kind.replace("_", " ")}`);
      messageId = await contact.sendMedia(req.toJid, kind, Buffer.from(req.media), {
        caption: req.text || undefined,
        mimetype: req.mediaMimeType || undefined,
        fileName: req.fileName || undefined,
        seconds: req.mediaSeconds,
        mentions,
        replyTo,
      });
    } else if (req.location) {
      noText("a location (use location.name)");
      messageId = await contact.sendLocation(req.toJid, req.location, { replyTo });
    } else if (req.contacts) {
      noText("a contact card");
      messageId = await contact.sendContacts(req.toJid, req.contacts.contacts, { replyTo });
    } else if (req.poll) {
      noText("a poll (use poll.name)");
      messageId = await contact.sendPoll(req.toJid, req.poll, { replyTo });
    } else {
      if (!req.text) throw new ConnectError("text: give a text, or media, a location, contacts or a poll", Code.InvalidArgument);
      messageId = await contact.sendText(req.toJid, req.text, { mentions, replyTo });
    }
    return { messageId };
  }

  async listContactMessages(req: ListContactMessagesRequest) {
    const messages = await this.contacts.messages(digits(req.phoneNumber));
    return { messages: messages.map(toWire) };
  }

  async downloadContactMedia(req: DownloadContactMediaRequest) {
    const contact = await this.contacts.contact(digits(req.phoneNumber));
    const raw = this.message(contact, req.messageId, "message_id");
    const data = await contact.download(req.messageId).catch((e: unknown) => {
      throw new ConnectError(`message_id: ${(e as Error).message}`, Code.FailedPrecondition);
    });
    const { media } = describeMessage(raw);
    return { data, mimeType: media?.mimetype ?? "", fileName: media?.fileName ?? "" };
  }

  async createGroup(req: CreateGroupRequest) {
    const jids = req.participants.map((p) => (p.includes("@") ? p : `${digits(p)}@s.whatsapp.net`));
    const unknown = jids.filter((jid) => !this.sim.knows(jid));
    if (unknown.length) {
      throw new ConnectError(`participants: not on the simulator: ${unknown.join(", ")} (link the account or use the contact first)`, Code.FailedPrecondition);
    }
    const creator = await this.contacts.contact(digits(req.creatorPhoneNumber));
    return { groupJid: await creator.createGroup(req.subject, jids) };
  }

  async contactJoinGroup(req: ContactJoinGroupRequest) {
    const contact = await this.contacts.contact(digits(req.phoneNumber));
    const code = req.inviteCode.replace(/^https:\/\/chat\.whatsapp\.com\//, "");
    const { groupJid, pending } = await whatsapp(contact.joinGroup(code), "joining by invite code", {
      406: [Code.NotFound, "the invite code is unknown or was revoked"],
      409: [Code.AlreadyExists, "the contact is a member already"],
    });
    return { groupJid, pendingApproval: pending };
  }

  async contactUpdateParticipants(req: ContactUpdateParticipantsRequest) {
    const contact = await this.contacts.contact(digits(req.phoneNumber));
    const action = ({ [ParticipantAction.ADD]: "add", [ParticipantAction.REMOVE]: "remove", [ParticipantAction.PROMOTE]: "promote", [ParticipantAction.DEMOTE]: "demote" } as const)[
      req.action as ParticipantAction.ADD | ParticipantAction.REMOVE | ParticipantAction.PROMOTE | ParticipantAction.DEMOTE
    ];
    const jids = req.participants.map((p) => (p.includes("@") ? p : `${digits(p)}@s.whatsapp.net`));
    const answers = await whatsapp(contact.changeGroupMembers(req.groupJid, action, jids), `${action} in group ${req.groupJid}`, { 404: [Code.NotFound, "no such group"] });
    return {
      results: req.participants.map((participant, i) => {
        const answer = answers.find((a) => a.jid === jids[i]) ?? answers[i];
        const code = Number(answer?.status ?? 0);
        const [status, reason] = PARTICIPANT_CODES[code] ?? [ParticipantResultStatus.FAILED, `WhatsApp refused with code ${code}`];
        return { participant, jid: { jid: answer?.jid ?? jids[i]! }, status, whatsappCode: code, reason };
      }),
    };
  }

  async contactLeaveGroup(req: ContactLeaveGroupRequest) {
    const contact = await this.contacts.contact(digits(req.phoneNumber));
    await whatsapp(contact.leaveGroup(req.groupJid), `leaving group ${req.groupJid}`, { 404: [Code.NotFound, "no such group"] });
    return {};
  }

  async updateContactProfile(req: UpdateContactProfileRequest) {
    if (req.removePicture && req.picture.length > 0) throw new ConnectError("picture: give a picture or remove_picture, not both", Code.InvalidArgument);
    const contact = await this.contacts.contact(digits(req.phoneNumber));
    const picture = req.removePicture ? null : req.picture.length > 0 ? Buffer.from(req.picture) : undefined;
    try {
      await contact.updateProfile({ name: req.name || undefined, about: req.about, picture });
    } catch (e) {
      // Baileys' image library refuses bytes that are no image before anything is sent
      if (picture && !isBoom(e)) throw new ConnectError(`picture: not a JPEG or PNG image (${(e as Error).message})`, Code.InvalidArgument);
      throw whatsappError(e, "updating the contact's profile");
    }
    return {};
  }

  async contactCall(req: ContactCallRequest) {
    const to = req.to.includes("@") ? req.to : `${digits(req.to)}@s.whatsapp.net`;
    if (!this.sim.knows(to)) {
      throw new ConnectError(`to: not on the simulator: ${req.to} (link the account or use the contact first)`, Code.FailedPrecondition);
    }
    const from = digits(req.fromPhoneNumber);
    // the caller's own linked device hears how the call ends, as a phone's companions do
    await this.contacts.contact(from);
    const ringTimeoutMs = Number(req.ringTimeout?.seconds ?? 0n) * 1000 + Math.round((req.ringTimeout?.nanos ?? 0) / 1e6);
    const call = this.sim.call(from, to, { video: req.video, addressing: req.phoneNumberAddressing ? "pn" : "lid", ringTimeoutMs: ringTimeoutMs || undefined });
    return { callId: call.callId };
  }

  async contactEndCall(req: ContactEndCallRequest) {
    return { call: toWireCall(onCall(() => this.sim.hangUp(req.callId))) };
  }

  async answerContactCall(req: AnswerContactCallRequest) {
    return { call: toWireCall(onCall(() => this.sim.answerCallOnPhone(req.callId))) };
  }

  async getContactCall(req: GetContactCallRequest) {
    return { call: toWireCall(onCall(() => this.sim.getCall(req.callId))) };
  }

  async phoneChangeChat(req: PhoneChangeChatRequest) {
    const phone = digits(req.phoneNumber);
    const change = req.change;
    // the phone names the chat's newest message for archive, read and delete; the simulator has none to name
    let modification: ChatModification;
    switch (change.case) {
      case "archived":
        modification = { archive: change.value, lastMessages: [] };
        break;
      case "pinned":
        modification = { pin: change.value };
        break;
      case "muteEndTime":
        modification = { mute: timestampDate(change.value).getTime() };
        break;
      case "unmute":
        modification = { mute: null };
        break;
      case "unread":
        modification = { markRead: !change.value, lastMessages: [] };
        break;
      case "delete":
        modification = { delete: true, lastMessages: [] };
        break;
      case "star":
        modification = { star: { messages: [{ id: change.value.messageId, fromMe: change.value.fromMe }], star: change.value.starred } };
        break;
      default:
        throw new ConnectError("change: say what the phone does", Code.InvalidArgument); // protovalidate requires one
    }
    await this.sim.appState.modifyChat(phone, modification, req.chatJid);
    return { chat: toPhoneChat(await this.sim.appState.chatView(phone, req.chatJid)) };
  }

  async getPhoneChat(req: GetPhoneChatRequest) {
    return { chat: toPhoneChat(await this.sim.appState.chatView(digits(req.phoneNumber), req.chatJid)) };
  }

  async injectFault(req: InjectFaultRequest) {
    switch (req.fault) {
      case Fault.GO_AWAY:
        await this.sim.goAway();
        return {};
      case Fault.NONE:
        await this.sim.comeBack().catch(() => undefined); // not away: nothing to undo
        this.inject(req.jid, { kind: "normal-acks" });
        return {};
      case Fault.DROP_CONNECTION:
        this.inject(req.jid, { kind: "drop" });
        return {};
      case Fault.STREAM_ERROR:
        if (req.code === 0) throw new ConnectError("code: a stream error needs a code, e.g. 401, 440, 500, 515", Code.InvalidArgument);
        this.inject(req.jid, { kind: "stream-error", code: req.code });
        return {};
      case Fault.REFUSE_ACKS:
        this.inject(req.jid, { kind: "refuse-acks" });
        return {};
      case Fault.DELAY_ACKS: {
        const ms = Number(req.delay?.seconds ?? 0n) * 1000 + Math.round((req.delay?.nanos ?? 0) / 1e6);
        this.inject(req.jid, { kind: "delay-acks", ms });
        return {};
      }
      default:
        throw new ConnectError("fault: unknown", Code.InvalidArgument);
    }
  }

  /** A message the contact received or sent, or not_found naming the request field. */
  private message(contact: SimulatedContact, messageId: string, field: string) {
    try {
      return contact.raw(messageId);
    } catch (e) {
      throw new ConnectError(`${field}: ${(e as Error).message}`, Code.NotFound);
    }
  }

  private inject(jid: string, fault: Parameters<Simulator["injectFault"]>[1]): void {
    try {
      this.sim.injectFault(jid, fault);
    } catch (e) {
      throw new ConnectError((e as Error).message, Code.NotFound);
    }
  }
}

const CALL_STATES = { ringing: ContactCallState.RINGING, answered: ContactCallState.ANSWERED, ended: ContactCallState.ENDED } as const;
const CALL_OUTCOMES: Record<SimCallOutcome, ContactCallOutcome> = {
  rejected: ContactCallOutcome.REJECTED,
  cancelled: ContactCallOutcome.CANCELLED,
  timeout: ContactCallOutcome.TIMEOUT,
  hung_up: ContactCallOutcome.HUNG_UP,
};

/** A simulator call operation, its refusals as call_id errors. */
function onCall(op: () => SimCall): SimCall {
  try {
    return op();
  } catch (e) {
    if (e instanceof UnknownCallError) throw new ConnectError(`call_id: ${e.message}`, Code.NotFound);
    if (e instanceof CallStateError) throw new ConnectError(`call_id: ${e.message}`, Code.FailedPrecondition);
    throw e;
  }
}

/** A simulated call as the API shows it. */
function toWireCall(call: SimCall) {
  return {
    callId: call.callId,
    fromPhoneNumber: call.from,
    toPhoneNumber: call.to,
    video: call.video,
    state: CALL_STATES[call.state],
    outcome: call.outcome ? CALL_OUTCOMES[call.outcome] : ContactCallOutcome.UNSPECIFIED,
    endedBy: call.endedBy ?? call.answeredBy ?? "",
    startTime: timestampFromDate(call.startTime),
    endTime: call.endTime && timestampFromDate(call.endTime),
  };
}

/** A contact's message as the API shows it. */
function toWire(m: ContactMessage) {
  return {
    chatJid: m.chatJid,
    fromJid: m.fromJid,
    messageId: m.messageId,
    text: m.text ?? "",
    timestamp: timestampFromMs(m.timestamp * 1000),
    type: m.type,
    kind: MESSAGE_KINDS[m.kind],
    replyToMessageId: m.replyToMessageId ?? "",
    targetMessageId: m.targetMessageId ?? "",
    mentions: m.mentions ?? [],
    mimeType: m.media?.mimetype ?? "",
    fileName: m.media?.fileName ?? "",
    sizeBytes: BigInt(m.media?.fileLength ?? 0),
    seconds: m.media?.seconds ?? 0,
    location: m.location,
    contacts: m.contacts ?? [],
    poll: m.poll,
    pollVotes: m.votes ?? [],
  };
}

/** What the simulator refuses (an unknown QR ref, a wrong code) is the caller's to fix. */
/** A contact's WhatsApp query, its refusal as a ConnectError with WhatsApp's reason. */
function whatsapp<T>(p: Promise<T>, what: string, codes: Parameters<typeof whatsappError>[2]): Promise<T> {
  return p.catch((e: unknown) => {
    throw whatsappError(e, what, codes);
  });
}

function asPrecondition<T>(p: Promise<T>): Promise<T> {
  return p.catch((e: unknown) => {
    throw e instanceof ConnectError ? e : new ConnectError((e as Error).message, Code.FailedPrecondition);
  });
}

function toPhoneChat(view: PhoneChatView) {
  return {
    archived: view.archived,
    pinTime: view.pinTime === undefined ? undefined : timestampFromMs(view.pinTime),
    muteEndTime: view.muteEndTime === undefined ? undefined : timestampFromMs(view.muteEndTime),
    markedUnread: view.markedUnread,
    deleted: view.deleted,
    starredMessageIds: view.starred,
  };
}
