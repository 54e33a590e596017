import {
  type AuthenticationCreds,
  type BaileysEventMap,
  type ConnectionState,
  downloadMediaMessage,
  jidNormalizedUser,
  makeWASocket,
  proto,
  S_WHATSAPP_NET,
  type WAMessage,
  type WASocket,
} from "@whiskeysockets/baileys";
import { EventEmitter } from "node:events";
import { pino } from "pino";
import type { MediaClientAgents } from "../../src/sim/media-host.js";
import { memoryAuthState } from "../../src/sim/memory-auth.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { simulatorSocketOptions } from "../../src/sim/socket-options.js";
import { until } from "../../src/sim/until.js";

/** One parsed pino line from a Baileys logger. */
export interface LogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

const WARN = 40;

/**
 * A bare Baileys client against the simulator: in-memory auth that survives reconnects, every
 * log line captured (debug and up), and event waits instead of sleeps.
 */
export class BaileysClient {
  private readonly auth = memoryAuthState();
  readonly creds: AuthenticationCreds = this.auth.creds;
  readonly keys = this.auth.keys;
  readonly logs: LogLine[] = [];
  sock!: WASocket;
  /** Every message upserted on any socket of this client, in order. */
  readonly messages: WAMessage[] = [];
  /** Highest status seen per message id (upserts carry it when Baileys merged a buffered update). */
  readonly statuses = new Map<string, number>();
  /** Group receipts of sent messages: message id → reader (user JID) → when delivered, read, played. */
  readonly receipts = new Map<string, Map<string, proto.IUserReceipt>>();
  /** Ids of sent messages that Baileys marked as failed (status ERROR, e.g. after an error ack). */
  readonly failed = new Set<string>();
  private readonly changes = new EventEmitter();
  /** Trusts the simulator's media CA: `fetchAgent` for uploads, `dispatcher` for downloads. */
  readonly media: MediaClientAgents;
  /** Lines a test expects at warn or above (e.g. the error Baileys logs for an injected stream error). */
  readonly expectedProblems: ((line: LogLine) => boolean)[] = [];

  constructor(
    private readonly sim: Simulator,
    readonly name: string,
    private readonly socketOptions: Partial<Parameters<typeof makeWASocket>[0]> = {},
  ) {
    this.media = sim.mediaAgents();
  }

  /** Opens a new socket with the current creds (as an app does after every close). */
  connect(): WASocket {
    const logger = pino(
      { level: "debug" },
      { write: (line: string) => void this.logs.push({ ...(JSON.parse(line) as LogLine), client: this.name }) },
    );
    this.sock = makeWASocket({
      ...simulatorSocketOptions(this.sim, this.media),
      auth: { creds: this.creds, keys: this.keys },
      logger,
      browser: ["Wildcat Test", "Chrome", "1.0"],
      connectTimeoutMs: 10_000,
      ...this.socketOptions,
    });
    this.sock.ev.on("messages.upsert", ({ messages }) => {
      for (const m of messages) {
        this.messages.push(m);
        if (m.status !== undefined && m.status !== null) this.noteStatus(m.key.id!, m.status);
        // receipts that came while the upsert was buffered are merged into it
        for (const receipt of m.userReceipt ?? []) this.noteReceipt(m.key.id!, receipt);
      }
      this.changes.emit("change");
    });
    this.sock.ev.on("message-receipt.update", (updates) => {
      for (const { key, receipt } of updates) this.noteReceipt(key.id!, receipt);
      this.changes.emit("change");
    });
    this.sock.ev.on("messages.update", (updates) => {
      for (const u of updates) {
        if (u.update.status !== undefined && u.update.status !== null) this.noteStatus(u.key.id!, u.update.status);
      }
      this.changes.emit("change");
    });
    return this.sock;
  }

  /** Resolves with the first `event` payload that satisfies `predicate`. */
  waitFor<E extends keyof BaileysEventMap>(
    event: E,
    predicate: (data: BaileysEventMap[E]) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<BaileysEventMap[E]> {
    const sock = this.sock;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sock.ev.off(event, listener);
        reject(new Error(`${this.name}: timed out waiting for ${event}`));
      }, timeoutMs);
      const listener = (data: BaileysEventMap[E]) => {
        if (!predicate(data)) return;
        clearTimeout(timer);
        sock.ev.off(event, listener);
        resolve(data);
      };
      sock.ev.on(event, listener);
    });
  }

  private noteReceipt(id: string, receipt: proto.IUserReceipt): void {
    let byUser = this.receipts.get(id);
    if (!byUser) this.receipts.set(id, (byUser = new Map()));
    const user = jidNormalizedUser(receipt.userJid!);
    byUser.set(user, { ...byUser.get(user), ...receipt });
  }

  private noteStatus(id: string, status: number): void {
    if (status === proto.WebMessageInfo.Status.ERROR) this.failed.add(id);
    this.statuses.set(id, Math.max(this.statuses.get(id) ?? 0, status));
  }

  /** Resolves once `check` returns a value (checked now and after every message event). */
  private until<T>(what: string, check: () => T | undefined, timeoutMs = 20_000): Promise<T> {
    return until(this.changes, check, timeoutMs, () => new Error(`${this.name}: timed out waiting for ${what}`));
  }

  /** Waits for an incoming message (not from me) whose text is `text`. */
  waitForText(text: string, timeoutMs?: number): Promise<WAMessage> {
    return this.until(
      `message "${text}"`,
      () => this.messages.find((m) => !m.key.fromMe && textOf(m) === text),
      timeoutMs,
    );
  }

  /** Waits for an incoming message (not from me) matching `predicate`. */
  waitForMessage(predicate: (m: WAMessage) => boolean, timeoutMs?: number): Promise<WAMessage> {
    return this.until("message", () => this.messages.find((m) => !m.key.fromMe && predicate(m)), timeoutMs);
  }

  /** Waits for a copy of a message sent by another device of the same account (`fromMe`). */
  waitForOwnCopy(id: string, timeoutMs?: number): Promise<WAMessage> {
    return this.until(`own copy of ${id}`, () => this.messages.find((m) => m.key.fromMe && m.key.id === id && m.message), timeoutMs);
  }

  /** Waits until the message `id` this client sent reached at least `status` (proto.WebMessageInfo.Status). */
  waitForStatus(id: string, status: number, timeoutMs?: number): Promise<number> {
    return this.until(`status ${status} of ${id}`, () => {
      const seen = this.statuses.get(id) ?? 0;
      return seen >= status ? seen : undefined;
    }, timeoutMs);
  }

  /** Waits until `userJid` (user level) delivered, read or played the group message `id` this client sent. */
  waitForReceipt(id: string, userJid: string, what: "receiptTimestamp" | "readTimestamp" | "playedTimestamp", timeoutMs?: number): Promise<true> {
    return this.until(`${what} of ${id} by ${userJid}`, () => (this.receipts.get(id)?.get(userJid)?.[what] ? true : undefined), timeoutMs);
  }

  /** Waits for the server's ack of a message this client sent (the server has relayed or queued it). */
  waitForServerAck(id: string, timeoutMs = 20_000): Promise<void> {
    const ws = this.sock.ws;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.off("CB:ack,class:message", onAck);
        reject(new Error(`${this.name}: timed out waiting for server ack of ${id}`));
      }, timeoutMs);
      const onAck = (node: { attrs: Record<string, string> }) => {
        if (node.attrs.id !== id) return;
        clearTimeout(timer);
        ws.off("CB:ack,class:message", onAck);
        resolve();
      };
      ws.on("CB:ack,class:message", onAck);
    });
  }

  /** Waits until Baileys marked the sent message `id` as failed. */
  waitForFailure(id: string, timeoutMs?: number): Promise<true> {
    return this.until(`failure of ${id}`, () => (this.failed.has(id) ? true : undefined), timeoutMs);
  }

  /** Waits for `connection: close` and returns Baileys' mapped status code. */
  async waitForClose(timeoutMs = 20_000): Promise<number | undefined> {
    const update = await this.waitFor("connection.update", (u) => u.connection === "close", timeoutMs);
    return (update.lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;
  }

  /**
   * Waits for `connection: open`, then for one ping round trip: the server answers in order, so
   * afterwards the queries Baileys fires on open (props, blocklist, privacy) have been answered too.
   */
  async waitForOpen(timeoutMs = 20_000): Promise<Partial<ConnectionState>> {
    const update = await this.waitFor("connection.update", (u) => u.connection === "open", timeoutMs);
    await this.sock.query({ tag: "iq", attrs: { to: S_WHATSAPP_NET, type: "get", xmlns: "w:p" }, content: [{ tag: "ping", attrs: {} }] });
    return update;
  }

  /** Links this client as a new device of `phoneNumber` by QR and logs in after the 515 restart. */
  async linkByQr(phoneNumber: string): Promise<{ jid: string; lid: string }> {
    this.connect();
    const { qr } = await this.waitFor("connection.update", (u) => !!u.qr);
    const closed = this.waitForClose();
    this.expectStreamError(515);
    const linked = await this.sim.linkDevice(qr!, phoneNumber);
    const code = await closed;
    if (code !== 515) throw new Error(`${this.name}: expected restart (515) after pairing, got ${code}`);
    this.connect();
    await this.waitForOpen();
    return linked;
  }

  /** Baileys logs every stream error at error level, even the expected restart after pairing. */
  expectStreamError(code: number): void {
    this.expectedProblems.push(
      (line) => line.msg === "stream errored out" && (line.fullErrorNode as { attrs?: { code?: string } })?.attrs?.code === String(code),
    );
  }

  /** Links this client as a new device of `phoneNumber` by pairing code, typed on the phone by `enterCode`. */
  async linkByCode(
    phoneNumber: string,
    enterCode: (code: string) => Promise<{ jid: string; lid: string }>,
  ): Promise<{ jid: string; lid: string }> {
    this.connect();
    // Baileys asks for a code once the connection is up, i.e. when it shows its first QR
    await this.waitFor("connection.update", (u) => !!u.qr);
    const code = await this.sock.requestPairingCode(phoneNumber);
    const closed = this.waitForClose();
    this.expectStreamError(515);
    const linked = await enterCode(code);
    const status = await closed;
    if (status !== 515) throw new Error(`${this.name}: expected restart (515) after pairing, got ${status}`);
    this.connect();
    await this.waitForOpen();
    return linked;
  }

  /**
   * Lines at warn or above, or mentioning a decryption failure, that the test did not expect; plus
   * any message that arrived as an undecryptable stub.
   */
  problems(): LogLine[] {
    const lines = this.logs.filter((line) => {
      const text = `${line.msg ?? ""}`;
      const bad = line.level >= WARN || (/decrypt/i.test(text) && /fail|error/i.test(text));
      return bad && !this.expectedProblems.some((expected) => expected(line));
    });
    // a stub later replaced by the decrypted message (after a retry) is not a lasting failure
    const decrypted = new Set(this.messages.filter((m) => m.message).map((m) => m.key.id));
    const stubs = this.messages
      .filter((m) => m.messageStubType === proto.WebMessageInfo.StubType.CIPHERTEXT && !decrypted.has(m.key.id))
      .map((m) => ({ level: 50, msg: "undecryptable message", id: m.key.id, params: m.messageStubParameters }));
    return [...lines, ...stubs];
  }

  /** Downloads and decrypts the media of a received message through the simulator's media host. */
  async download(message: WAMessage): Promise<Buffer> {
    return downloadMediaMessage(message, "buffer", { options: { dispatcher: this.media.dispatcher } as RequestInit });
  }

  /** Ends the socket without logging out (the client can connect again). */
  end(): void {
    this.sock?.end(undefined);
  }

  /** Ends the socket for good and releases the media agents. */
  dispose(): void {
    this.end();
    this.media.fetchAgent.destroy();
    void this.media.dispatcher.close();
  }
}

/** The text of a plain or extended text message. */
export function textOf(m: WAMessage): string | undefined {
  return m.message?.conversation ?? m.message?.extendedTextMessage?.text ?? undefined;
}
