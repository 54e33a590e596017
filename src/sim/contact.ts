import { EventEmitter } from "node:events";
import {
  type AnyMessageContent,
  type AuthenticationState,
  DisconnectReason,
  downloadMediaMessage,
  extractUrlFromText,
  generateWAMessageFromContent,
  type GroupMetadata,
  isJidGroup,
  jidNormalizedUser,
  makeWASocket,
  normalizeMessageContent,
  type PresenceData,
  proto,
  useMultiFileAuthState,
  type WACallEvent,
  type WAMessage,
  type WAMessageKey,
  type WASocket,
} from "@whiskeysockets/baileys";
import { type Logger, pino } from "pino";
import { type ContactMessage, describeMessage, pollOf } from "./contact-message.js";
import type { MediaClientAgents } from "./media-host.js";
import { memoryAuthState } from "./memory-auth.js";
import { encryptPollVote, openPollVote, type PollVoteAddressing } from "./poll-vote.js";
import type { Simulator } from "./simulator.js";
import { simulatorSocketOptions } from "./socket-options.js";
import { until } from "./until.js";

export type { ContactMessage, ContactMessageKind } from "./contact-message.js";

export interface SimulatedContactOptions {
  /** Where the contact's Baileys auth state lives (so it stays linked across restarts); memory when absent. */
  authDir?: string;
  logger?: Logger;
}

/** Options every send takes. */
export interface SendOptions {
  /** Id of a message in the chat (received or sent by this contact) to quote. */
  replyTo?: string;
}

/** Options of a text (or caption) that can mention people. */
export interface TextOptions extends SendOptions {
  /** JIDs mentioned; the text names them as "@15551234567". */
  mentions?: string[];
  /**
   * Describe the first URL in the text as phones do (matched text, title, description), without
   * fetching anything. Without it a text with a URL is sent bare, also without a fetch.
   */
  linkPreview?: { title?: string; description?: string };
}

/** The kinds of file a contact can send. */
export type MediaKind = "image" | "video" | "audio" | "voice_note" | "document" | "sticker";

export interface MediaOptions extends TextOptions {
  caption?: string;
  /** Defaults: image/jpeg, video/mp4, audio/mpeg, audio/ogg; codecs=opus (voice note), application/octet-stream, image/webp. */
  mimetype?: string;
  /** The document's file name ("file" when absent). */
  fileName?: string;
  /** Duration of audio, voice notes and videos (0 when absent: nothing is measured). */
  seconds?: number;
}

/** A presence or chat state this contact was told about (available, composing, recording, paused, …). */
export interface ContactPresence {
  /** The chat it concerns (user level). */
  chatJid: string;
  /** Who it is about (user level). */
  fromJid: string;
  presence: PresenceData["lastKnownPresence"];
}

const MEDIA_DEFAULT_MIMETYPE: Record<MediaKind, string> = {
  image: "image/jpeg",
  video: "video/mp4",
  audio: "audio/mpeg",
  voice_note: "audio/ogg; codecs=opus",
  document: "application/octet-stream",
  sticker: "image/webp",
};

/**
 * Baileys content for a file. Thumbnails, durations and waveforms are given, never computed:
 * computing them needs image and audio libraries the simulator does not require.
 */
function mediaContent(kind: MediaKind, bytes: Buffer, opts: MediaOptions): AnyMessageContent {
  const mimetype = opts.mimetype ?? MEDIA_DEFAULT_MIMETYPE[kind];
  const captioned = { caption: opts.caption, mentions: opts.mentions };
  switch (kind) {
    case "image":
      return { image: bytes, mimetype, jpegThumbnail: "", ...captioned };
    case "video":
      return { video: bytes, mimetype, jpegThumbnail: "", seconds: opts.seconds ?? 0, ...captioned } as AnyMessageContent;
    case "audio":
      return { audio: bytes, mimetype, seconds: opts.seconds ?? 0 };
    case "voice_note":
      // a flat waveform: what a phone shows for silence
      return { audio: bytes, mimetype, ptt: true, seconds: opts.seconds ?? 0, waveform: new Uint8Array(64) } as AnyMessageContent;
    case "document":
      return { document: bytes, mimetype, fileName: opts.fileName ?? "file", ...captioned };
    case "sticker":
      return { sticker: bytes, mimetype };
  }
}

/**
 * A simulated person: a phone number on the simulator with its own linked Baileys client, so
 * everything it sends or receives crosses real Signal encryption. It stays connected (reconnecting
 * after restarts and drops) until closed or logged out.
 */
export class SimulatedContact {
  private sock?: WASocket;
  private closing = false;
  private loggedOut = false;
  /** Everything received with content, protocol messages (edits, revokes) included, oldest first. */
  private readonly inbox: WAMessage[] = [];
  /** What this contact sent, by id: to quote, edit, revoke, answer retry requests and open votes on its polls. */
  private readonly sent = new Map<string, WAMessage>();
  /** Highest status (proto.WebMessageInfo.Status) each sent message reached. */
  private readonly statuses = new Map<string, number>();
  private readonly presences: ContactPresence[] = [];
  /** What this contact's client heard about calls (its own, as the caller, included), oldest first. */
  private readonly calls: WACallEvent[] = [];
  private readonly media: MediaClientAgents;
  private readonly changes = new EventEmitter();
  /** Waiting for the next `open`; called with an error when the contact got logged out instead. */
  private readonly openWaiters = new Set<(err?: Error) => void>();
  private isOpen = false;

  private constructor(
    private readonly sim: Simulator,
    readonly phoneNumber: string,
    private readonly auth: AuthenticationState,
    private readonly saveCreds: () => Promise<void>,
    private readonly logger: Logger,
  ) {
    this.media = sim.mediaAgents();
    this.changes.setMaxListeners(0);
  }

  /** Opens the contact: links a new device for `phoneNumber` by QR unless the auth state already is linked. */
  static async open(sim: Simulator, phoneNumber: string, opts: SimulatedContactOptions = {}): Promise<SimulatedContact> {
    const logger = (opts.logger ?? pino({ level: "silent" })).child({ contact: phoneNumber });
    let auth: AuthenticationState;
    let saveCreds = async () => {};
    if (opts.authDir) {
      const files = await useMultiFileAuthState(opts.authDir);
      auth = files.state;
      saveCreds = files.saveCreds;
    } else {
      auth = memoryAuthState();
    }
    const contact = new SimulatedContact(sim, phoneNumber, auth, saveCreds, logger);
    if (!auth.creds.me) await contact.link();
    await contact.connected();
    return contact;
  }

  /** The contact's own JID (phone-number form, user level). */
  get jid(): string {
    return `${this.phoneNumber}@s.whatsapp.net`;
  }

  /** The contact's LID (user level), known once linked. */
  get lid(): string | undefined {
    const lid = this.auth.creds.me?.lid;
    return lid ? jidNormalizedUser(lid) : undefined;
  }

  /** Everything received so far, oldest first: messages, and the reactions, edits, revokes and votes about earlier ones. */
  messages(): ContactMessage[] {
    return this.inbox.map((m) => describeMessage(m, this.openVote(m)));
  }

  /** The message `messageId` as Baileys decoded it (received, or sent by this contact). */
  raw(messageId: string): WAMessage {
    const message = this.inbox.find((m) => m.key.id === messageId) ?? this.sent.get(messageId);
    if (!message) throw new Error(`contact ${this.phoneNumber} has no message ${messageId}`);
    return message;
  }

  /** The highest status (proto.WebMessageInfo.Status) a message this contact sent reached; undefined before any. */
  status(messageId: string): number | undefined {
    return this.statuses.get(messageId);
  }

  /** Presences and chat states (typing, recording) others sent this contact, oldest first. */
  presenceUpdates(): ContactPresence[] {
    return [...this.presences];
  }

  /** Resolves with the first call event this contact's client saw for `callId` with `status` (e.g. "reject"). */
  waitForCallEvent(callId: string, status: WACallEvent["status"], timeoutMs?: number): Promise<WACallEvent> {
    return this.until(`call ${callId} ${status}`, () => this.calls.find((c) => c.id === callId && c.status === status), timeoutMs);
  }

  /** Resolves with the first received message matching `predicate` (now or later). */
  waitForMessage(predicate: (m: ContactMessage) => boolean, timeoutMs?: number): Promise<ContactMessage> {
    return this.until("matching message", () => this.messages().find(predicate), timeoutMs);
  }

  /** Resolves once the sent message `messageId` reached at least `status` (e.g. READ after the other side read it). */
  waitForStatus(messageId: string, status: proto.WebMessageInfo.Status, timeoutMs?: number): Promise<number> {
    return this.until(`status ${status} of ${messageId}`, () => {
      const seen = this.statuses.get(messageId);
      return seen !== undefined && seen >= status ? seen : undefined;
    }, timeoutMs);
  }

  /** Resolves with the first presence update matching `predicate` (now or later). */
  waitForPresence(predicate: (p: ContactPresence) => boolean, timeoutMs?: number): Promise<ContactPresence> {
    return this.until("matching presence", () => this.presences.find(predicate), timeoutMs);
  }

  /** Sends any Baileys content; resolves with the message id once handed to the server. */
  async send(toJid: string, content: AnyMessageContent, opts: SendOptions = {}): Promise<string> {
    const quoted = opts.replyTo ? this.raw(opts.replyTo) : undefined;
    const sent = await this.socket().sendMessage(toJid, content, { quoted });
    this.sent.set(sent!.key.id!, sent!);
    return sent!.key.id!;
  }

  /** Sends a text, optionally mentioning people or describing its link. */
  sendText(toJid: string, text: string, opts: TextOptions = {}): Promise<string> {
    const url = opts.linkPreview ? extractUrlFromText(text) : undefined;
    if (opts.linkPreview && !url) throw new Error("linkPreview: the text has no URL");
    const linkPreview = url
      ? { "canonical-url": url, "matched-text": url, title: opts.linkPreview!.title ?? url, description: opts.linkPreview!.description }
      : null; // null, not undefined: Baileys would fetch the page otherwise
    return this.send(toJid, { text, mentions: opts.mentions, linkPreview }, opts);
  }

  /** Sends a file of `kind` (uploaded encrypted to the simulator's media host). */
  sendMedia(toJid: string, kind: MediaKind, bytes: Buffer, opts: MediaOptions = {}): Promise<string> {
    return this.send(toJid, mediaContent(kind, bytes, opts), opts);
  }

  /** Sends an image. */
  sendImage(toJid: string, image: Buffer, opts: MediaOptions = {}): Promise<string> {
    return this.sendMedia(toJid, "image", image, opts);
  }

  /** Sends a location pin. */
  sendLocation(
    toJid: string,
    location: { latitude: number; longitude: number; name?: string; address?: string },
    opts: SendOptions = {},
  ): Promise<string> {
    const { latitude, longitude, name, address } = location;
    return this.send(toJid, { location: { degreesLatitude: latitude, degreesLongitude: longitude, name, address } }, opts);
  }

  /** Sends one contact card (a contactMessage) or several (a contactsArrayMessage). */
  sendContacts(toJid: string, cards: { displayName: string; vcard: string }[], opts: SendOptions & { displayName?: string } = {}): Promise<string> {
    if (!cards.length) throw new Error("sendContacts: give at least one card");
    const displayName = opts.displayName ?? (cards.length === 1 ? cards[0]!.displayName : `${cards.length} contacts`);
    const contacts = cards.map(({ displayName, vcard }) => ({ displayName, vcard }));
    return this.send(toJid, { contacts: { displayName, contacts } }, opts);
  }

  /** Sends a poll; `selectableCount` 0 lets voters pick any number of options, 1 exactly one. */
  sendPoll(toJid: string, poll: { name: string; options: string[]; selectableCount?: number }, opts: SendOptions = {}): Promise<string> {
    return this.send(toJid, { poll: { name: poll.name, values: poll.options, selectableCount: poll.selectableCount ?? 0 } }, opts);
  }

  /**
   * Votes in the poll `pollMessageId` (received or its own) for `optionNames` (none withdraws the
   * vote): a `pollUpdateMessage` encrypted with the poll's secret, as phones send it.
   */
  async vote(pollMessageId: string, optionNames: string[]): Promise<string> {
    const poll = this.raw(pollMessageId);
    const creation = pollOf(poll.message);
    const secret = poll.message?.messageContextInfo?.messageSecret;
    if (!creation || !secret) throw new Error(`message ${pollMessageId} is not a poll this contact can vote in`);
    const options = (creation.options ?? []).map((o) => o.optionName ?? "");
    const unknown = optionNames.filter((name) => !options.includes(name));
    if (unknown.length) throw new Error(`poll ${pollMessageId} has no option ${unknown.map((u) => `"${u}"`).join(", ")}`);
    const selectable = creation.selectableOptionsCount ?? 0;
    if (selectable > 0 && optionNames.length > selectable) throw new Error(`poll ${pollMessageId} allows at most ${selectable} choice(s)`);

    const chat = poll.key.remoteJid!;
    // the vote is keyed on creator and voter in the addressing the poll came in
    const lid = (poll.key.participant || chat).endsWith("@lid");
    const me = this.ownJid(lid);
    const pollCreatorJid = poll.key.fromMe ? me : jidNormalizedUser(poll.key.participant || chat);
    const vote = encryptPollVote(optionNames, { messageId: pollMessageId, messageSecret: secret }, { pollCreatorJid, voterJid: me });
    const key: WAMessageKey = { remoteJid: chat, fromMe: !!poll.key.fromMe, id: pollMessageId };
    if (isJidGroup(chat) && !poll.key.fromMe) key.participant = poll.key.participant;
    const message = generateWAMessageFromContent(
      chat,
      { pollUpdateMessage: { pollCreationMessageKey: key, vote, senderTimestampMs: Date.now() } },
      { userJid: this.socket().user!.id },
    );
    await this.socket().relayMessage(chat, message.message!, {
      messageId: message.key.id!,
      additionalNodes: [{ tag: "meta", attrs: { polltype: "vote" } }],
    });
    this.sent.set(message.key.id!, message);
    return message.key.id!;
  }

  /**
   * Creates a group with this contact as its admin and `participantJids` (phone-number or LID
   * JIDs of people on the simulator) as members; resolves with the group's JID.
   */
  async createGroup(subject: string, participantJids: string[]): Promise<string> {
    return (await this.socket().groupCreate(subject, participantJids)).id;
  }

  /** Renames a group this contact administers. */
  async updateGroupSubject(groupJid: string, subject: string): Promise<void> {
    await this.socket().groupUpdateSubject(groupJid, subject);
  }

  /** Adds, removes, promotes or demotes members of a group this contact administers; one status per JID ("200" = done). */
  async changeGroupMembers(
    groupJid: string,
    action: "add" | "remove" | "promote" | "demote",
    jids: string[],
  ): Promise<{ jid: string; status: string }[]> {
    const results = await this.socket().groupParticipantsUpdate(groupJid, jids, action);
    return results.map(({ jid, status }) => ({ jid: jid!, status }));
  }

  /**
   * Joins a group by invite code; with join approval on, asks to join instead (`pending`). Asks
   * for the group first, so its JID is known either way.
   */
  async joinGroup(code: string): Promise<{ groupJid: string; pending: boolean }> {
    const { id } = await this.socket().groupGetInviteInfo(code);
    const joined = await this.socket().groupAcceptInvite(code);
    return { groupJid: joined ?? id, pending: !joined };
  }

  /** Leaves a group. */
  async leaveGroup(groupJid: string): Promise<void> {
    await this.socket().groupLeave(groupJid);
  }

  /**
   * Changes this contact's own profile as its phone would: the name (Baileys announces a new one
   * with a presence stanza, and WhatsApp sends it as `notify` on the contact's messages), the about
   * text, the picture (a JPEG or PNG; null removes it). WhatsApp notifies the other users.
   */
  async updateProfile(change: { name?: string; about?: string; picture?: Buffer | null }): Promise<void> {
    const sock = this.socket();
    if (change.name) sock.ev.emit("creds.update", { me: { ...sock.authState.creds.me!, name: change.name } });
    if (change.about !== undefined) await sock.updateProfileStatus(change.about);
    if (change.picture) await sock.updateProfilePicture(sock.user!.id, change.picture);
    else if (change.picture === null) await sock.removeProfilePicture(sock.user!.id);
  }

  /** What the simulator tells this contact about a group it is in. */
  groupMetadata(groupJid: string): Promise<GroupMetadata> {
    return this.socket().groupMetadata(groupJid);
  }

  /** Reacts to a message in a chat (received or its own) with `emoji` ("" removes the reaction). */
  react(messageId: string, emoji: string): Promise<string> {
    const message = this.raw(messageId);
    return this.send(message.key.remoteJid!, { react: { text: emoji, key: message.key } });
  }

  /** Edits the text (or caption) of a message this contact sent. */
  edit(messageId: string, text: string): Promise<string> {
    const message = this.ownMessage(messageId);
    return this.send(message.key.remoteJid!, { text, edit: message.key });
  }

  /** Deletes a message this contact sent, for everyone. */
  revoke(messageId: string): Promise<string> {
    const message = this.ownMessage(messageId);
    return this.send(message.key.remoteJid!, { delete: message.key });
  }

  /** Marks a received message as read (the sender gets a read receipt). */
  async read(messageId: string): Promise<void> {
    await this.socket().readMessages([this.received(messageId).key]);
  }

  /** Marks a received voice note or video as played (the sender gets a "played" receipt). */
  async played(messageId: string): Promise<void> {
    const { key } = this.received(messageId);
    await this.socket().sendReceipt(key.remoteJid!, key.participant || undefined, [key.id!], "played");
  }

  /** Downloads and decrypts the file of a message (received or sent), whatever its media kind. */
  async download(messageId: string): Promise<Buffer> {
    return downloadMediaMessage(this.raw(messageId), "buffer", {
      options: { dispatcher: this.media.dispatcher } as RequestInit,
    });
  }

  /** Disconnects for good (the device stays linked on the simulator). */
  close(): void {
    this.closing = true;
    this.sock?.end(undefined);
    this.media.fetchAgent.destroy();
    void this.media.dispatcher.close();
  }

  private received(messageId: string): WAMessage {
    const message = this.inbox.find((m) => m.key.id === messageId);
    if (!message) throw new Error(`contact ${this.phoneNumber} received no message ${messageId}`);
    return message;
  }

  private ownMessage(messageId: string): WAMessage {
    const message = this.sent.get(messageId);
    if (!message) throw new Error(`contact ${this.phoneNumber} sent no message ${messageId}`);
    return message;
  }

  /** This contact's own user JID, in LID or phone-number form. */
  private ownJid(lid: boolean): string {
    if (!lid) return this.jid;
    if (!this.lid) throw new Error(`contact ${this.phoneNumber} does not know its LID`);
    return this.lid;
  }

  /** Both addressings of a message's author: the one it came in and the alternative the server named. */
  private authorJids(key: WAMessageKey): { pn?: string; lid?: string } {
    if (key.fromMe) return { pn: this.jid, lid: this.lid };
    const jids = [key.participant || key.remoteJid, key.participantAlt || key.remoteJidAlt].filter((j): j is string => !!j).map(jidNormalizedUser);
    return { pn: jids.find((j) => j.endsWith("@s.whatsapp.net")), lid: jids.find((j) => j.endsWith("@lid")) };
  }

  /** The choice in a poll vote, if it is one and this contact holds the poll (and so its secret). */
  private openVote(m: WAMessage): string[] | undefined {
    const update = normalizeMessageContent(m.message)?.pollUpdateMessage;
    const pollId = update?.pollCreationMessageKey?.id;
    const poll = pollId ? (this.sent.get(pollId) ?? this.inbox.find((p) => p.key.id === pollId)) : undefined;
    const creation = pollOf(poll?.message);
    const secret = poll?.message?.messageContextInfo?.messageSecret;
    if (!update?.vote || !poll || !creation || !secret) return undefined;
    const creator = this.authorJids(poll.key);
    const voter = this.authorJids(m.key);
    const addressings: PollVoteAddressing[] = [];
    if (creator.pn && voter.pn) addressings.push({ pollCreatorJid: creator.pn, voterJid: voter.pn });
    if (creator.lid && voter.lid) addressings.push({ pollCreatorJid: creator.lid, voterJid: voter.lid });
    const options = (creation.options ?? []).map((o) => o.optionName ?? "");
    return openPollVote(update.vote, { messageId: pollId!, messageSecret: secret, options }, addressings);
  }

  /** Resolves once `check` returns a value (checked now and after every change). */
  private until<T>(what: string, check: () => T | undefined, timeoutMs = 20_000): Promise<T> {
    return until(this.changes, check, timeoutMs, () => new Error(`contact ${this.phoneNumber}: no ${what}`));
  }

  private noteStatus(id: string, status: number | null | undefined): void {
    if (status === null || status === undefined) return;
    this.statuses.set(id, Math.max(this.statuses.get(id) ?? 0, status));
  }

  private socket(): WASocket {
    if (!this.sock || this.loggedOut) throw new Error(`contact ${this.phoneNumber} is not connected`);
    return this.sock;
  }

  private connect(): WASocket {
    const sock = makeWASocket({
      ...simulatorSocketOptions(this.sim, this.media),
      auth: this.auth,
      logger: this.logger,
      browser: ["Wildcat Simulator", "Chrome", "1.0"],
      // what WhatsApp asks again after a failed decryption is served from what was sent
      getMessage: async (key) => this.sent.get(key.id!)?.message ?? undefined,
    });
    this.sock = sock;
    sock.ev.on("creds.update", () => void this.saveCreds());
    sock.ev.on("messages.upsert", ({ messages }) => {
      for (const m of messages) {
        if (!m.key.fromMe && m.message) this.inbox.push(m);
        else if (m.key.fromMe) this.noteStatus(m.key.id!, m.status);
      }
      this.changes.emit("change");
    });
    sock.ev.on("messages.update", (updates) => {
      for (const { key, update } of updates) if (key.fromMe) this.noteStatus(key.id!, update.status);
      this.changes.emit("change");
    });
    sock.ev.on("call", (calls) => {
      this.calls.push(...calls);
      this.changes.emit("change");
    });
    sock.ev.on("presence.update", ({ id, presences }) => {
      for (const [from, data] of Object.entries(presences)) {
        this.presences.push({ chatJid: jidNormalizedUser(id), fromJid: jidNormalizedUser(from), presence: data.lastKnownPresence });
      }
      this.changes.emit("change");
    });
    sock.ev.on("connection.update", ({ connection, lastDisconnect }) => {
      if (this.sock !== sock) return;
      if (connection === "open") {
        this.isOpen = true;
        for (const resolve of [...this.openWaiters]) resolve();
      }
      if (connection !== "close") return;
      this.isOpen = false;
      if (this.closing) return;
      const code = (lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;
      if (code === DisconnectReason.loggedOut) {
        this.loggedOut = true;
        this.logger.warn("contact logged out by the simulator");
        const err = new Error(`contact ${this.phoneNumber} was logged out`);
        for (const fail of [...this.openWaiters]) fail(err);
        return;
      }
      // a restart (515) is immediate; anything else backs off a little so a gone server is not hammered
      setTimeout(() => !this.closing && this.connect(), code === DisconnectReason.restartRequired ? 0 : 1000).unref();
    });
    return sock;
  }

  /** Links a new device by QR: the simulated phone scans what the client shows. */
  private async link(): Promise<void> {
    const sock = this.connect();
    const qr = await new Promise<string>((resolve, reject) => {
      sock.ev.on("connection.update", (u) => {
        if (u.qr) resolve(u.qr);
        if (u.connection === "close") reject(new Error(`contact ${this.phoneNumber}: connection closed before QR`));
      });
    });
    await this.sim.linkDevice(qr, this.phoneNumber);
  }

  /** Resolves once a socket of this contact reports `open` (following reconnects). */
  private connected(timeoutMs = 30_000): Promise<void> {
    if (!this.sock) this.connect();
    if (this.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.openWaiters.delete(done);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => {
        this.openWaiters.delete(done);
        reject(new Error(`contact ${this.phoneNumber}: did not connect`));
      }, timeoutMs);
      this.openWaiters.add(done);
    });
  }
}
