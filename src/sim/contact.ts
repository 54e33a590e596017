import {
  type AuthenticationState,
  DisconnectReason,
  downloadMediaMessage,
  jidNormalizedUser,
  makeWASocket,
  useMultiFileAuthState,
  type WAMessage,
  type WASocket,
} from "@whiskeysockets/baileys";
import { type Logger, pino } from "pino";
import type { MediaClientAgents } from "./media-host.js";
import { memoryAuthState } from "./memory-auth.js";
import type { Simulator } from "./simulator.js";
import { simulatorSocketOptions } from "./socket-options.js";

/** A message a simulated contact received. */
export interface ContactMessage {
  /** The sender's phone-number JID (user level). */
  fromJid: string;
  messageId: string;
  /** Text, caption, or undefined for media without caption and other kinds. */
  text?: string;
  /** "text", "image", "reaction", … (the Baileys message content type without "Message"). */
  kind: string;
  /** Seconds since the epoch, as the server stamped it. */
  timestamp: number;
}

export interface SimulatedContactOptions {
  /** Where the contact's Baileys auth state lives (so it stays linked across restarts); memory when absent. */
  authDir?: string;
  logger?: Logger;
}

const textOf = (m: WAMessage) =>
  m.message?.conversation ??
  m.message?.extendedTextMessage?.text ??
  m.message?.imageMessage?.caption ??
  m.message?.reactionMessage?.text ??
  undefined;

const kindOf = (m: WAMessage) => {
  const key = Object.keys(m.message ?? {}).find((k) => k !== "messageContextInfo") ?? "unknown";
  if (key === "conversation" || key === "extendedTextMessage") return "text";
  return key.replace(/Message$/, "");
};

/**
 * A simulated person: a phone number on the simulator with its own linked Baileys client, so
 * everything it sends or receives crosses real Signal encryption. It stays connected (reconnecting
 * after restarts and drops) until closed or logged out.
 */
export class SimulatedContact {
  private sock?: WASocket;
  private closing = false;
  private loggedOut = false;
  private readonly inbox: WAMessage[] = [];
  private readonly media: MediaClientAgents;
  private readonly waiters = new Set<() => void>();
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

  /** Everything received so far, oldest first. */
  messages(): ContactMessage[] {
    return this.inbox.map((m) => ({
      fromJid: jidNormalizedUser(m.key.remoteJid!),
      messageId: m.key.id!,
      text: textOf(m),
      kind: kindOf(m),
      timestamp: Number(m.messageTimestamp ?? 0),
    }));
  }

  /** Resolves with the first received message matching `predicate` (now or later). */
  waitForMessage(predicate: (m: ContactMessage) => boolean, timeoutMs = 20_000): Promise<ContactMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages().find(predicate);
        if (!found) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`contact ${this.phoneNumber}: no matching message`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Sends a text; resolves with the message id once handed to the server. */
  async sendText(toJid: string, text: string): Promise<string> {
    const sent = await this.socket().sendMessage(toJid, { text });
    return sent!.key.id!;
  }

  /** Sends an image (uploaded encrypted to the simulator's media host). */
  async sendImage(toJid: string, image: Buffer, opts: { caption?: string; mimetype?: string } = {}): Promise<string> {
    const sent = await this.socket().sendMessage(toJid, {
      image,
      caption: opts.caption,
      mimetype: opts.mimetype ?? "image/jpeg",
      // no thumbnail: generating one needs an image library the simulator does not require
      jpegThumbnail: "",
    });
    return sent!.key.id!;
  }

  /** Marks a received message as read (the sender gets a read receipt). */
  async read(messageId: string): Promise<void> {
    await this.socket().readMessages([this.received(messageId).key]);
  }

  /** Reacts to a received message with `emoji` ("" removes the reaction). */
  async react(messageId: string, emoji: string): Promise<string> {
    const message = this.received(messageId);
    const sent = await this.socket().sendMessage(message.key.remoteJid!, { react: { text: emoji, key: message.key } });
    return sent!.key.id!;
  }

  /** Downloads and decrypts the media of a received message. */
  async download(messageId: string): Promise<Buffer> {
    return downloadMediaMessage(this.received(messageId), "buffer", {
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
    if (!message) throw new Error(`contact ${this.phoneNumber} has no message ${messageId}`);
    return message;
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
    });
    this.sock = sock;
    sock.ev.on("creds.update", () => void this.saveCreds());
    sock.ev.on("messages.upsert", ({ messages }) => {
      for (const m of messages) if (!m.key.fromMe && m.message) this.inbox.push(m);
      for (const check of [...this.waiters]) check();
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
