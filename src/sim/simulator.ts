import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type BinaryNode, Curve, getAllBinaryNodeChildren, jidDecode, type proto } from "@whiskeysockets/baileys";
import { type Logger, pino } from "pino";
import { WebSocketServer } from "ws";
import { type CallOptions, Calls, type SimCall } from "./calls.js";
import { AppStateServer } from "./app-state.js";
import { CertChain, type KeyPair } from "./cert-chain.js";
import { DeviceConnection } from "./device-connection.js";
import { Groups } from "./groups.js";
import { IqHandler, type MediaConnInfo } from "./iq-handler.js";
import { KeyStore } from "./key-store.js";
import { type MediaClientAgents, MediaHost } from "./media-host.js";
import { loadMediaTls } from "./media-tls.js";
import { type LinkedDevice, Pairing } from "./pairing.js";
import { PairingCodes } from "./pairing-code.js";
import { PhoneHistorySender } from "./phone-history.js";
import { PhonePeer } from "./phone-peer.js";
import { PresenceRelay } from "./presence.js";
import { type AckMode, Relay } from "./relay.js";
import { type GroupAddressing, lidJid, type PhoneRecord, pnJid, SimState } from "./sim-state.js";

/** Options for {@link Simulator.start}. */
export interface SimulatorOptions {
  /** Interface to listen on; loopback by default. */
  host?: string;
  /** Port to listen on; 0 (any free port) by default. */
  port?: number;
  /**
   * Port of the HTTPS media host; 0 (any free port) by default. Media URLs name it, so a
   * simulator restarted on the same `dataDir` serves old media only if this stays the same.
   */
  mediaPort?: number;
  /** Largest media upload (encrypted bytes) the media host accepts; WhatsApp's 100 MiB by default. */
  mediaMaxUploadBytes?: number;
  /** Where linked devices, keys and queued stanzas persist; in memory only when absent. */
  dataDir?: string;
  logger?: Logger;
  /** QR refs per registration (Baileys rotates through them, then gives up with 408). */
  qrRefCount?: number;
  /** How new groups address their members: by LID (what WhatsApp does now, the default) or by phone number. */
  groupAddressing?: GroupAddressing;
  /** How long a call rings before the server gives up on it (a missed call); 45 s by default. */
  callRingTimeoutMs?: number;
}

/** Faults a test or the sandbox can inject into one device's connection. */
export type Fault =
  /** Cut the TCP connection without a goodbye (Baileys: 428 connectionClosed). */
  | { kind: "drop" }
  /** Send `<stream:error code>` and close: 401 logged out (device removed), 440 replaced, 515 restart, 500 bad session. */
  | { kind: "stream-error"; code: number }
  /** Answer the device's messages with error acks. */
  | { kind: "refuse-acks"; error?: number }
  /** Hold the device's message acks for `ms`. */
  | { kind: "delay-acks"; ms: number }
  /** Back to normal acks. */
  | { kind: "normal-acks" };

const deviceKey = (phone: PhoneRecord, deviceId: number) => `${phone.phoneNumber}:${deviceId}`;

/**
 * A protocol-level WhatsApp Web server for unmodified Baileys clients (`waWebSocketUrl: sim.wsUrl`)
 * in processes that called `trustSimulatorRoot(sim.rootPublicKey)`. It pairs devices for simulated
 * phones, answers the client's iqs, stores pre-keys and relays encrypted stanzas between devices.
 */
export class Simulator {
  private readonly connections = new Map<string, DeviceConnection>();
  private readonly allConnections = new Set<DeviceConnection>();
  private readonly ackModes = new Map<string, AckMode>();
  /** Successful logins per device since start, so tests can count sockets. */
  private readonly logins = new Map<string, number>();
  /** Connections ended because a second connection of the same device logged in (440 replaced). */
  replacedCount = 0;
  private readonly keys: KeyStore;
  private readonly groups: Groups;
  private readonly iqs: IqHandler;
  private readonly relay: Relay;
  private readonly pairing: Pairing;
  private readonly pairingCodes: PairingCodes;
  private readonly presence: PresenceRelay;
  private readonly calls: Calls;
  /** The simulated phones as Signal parties: peer messages from a phone to its own companions. */
  readonly phonePeer: PhonePeer;
  /** WhatsApp's app-state sync server; the phone's own chat actions and view of its chats. */
  readonly appState: AppStateServer;
  /** What each phone "already had": sent as history to new companions, and on their requests. */
  readonly phoneHistory: PhoneHistorySender;
  private wss?: WebSocketServer;
  private port = 0;
  private media?: MediaHost;

  private constructor(
    private readonly state: SimState,
    private readonly certChain: CertChain,
    private readonly host: string,
    private readonly logger: Logger,
    qrRefCount?: number,
    groupAddressing: GroupAddressing = "lid",
    callRingTimeoutMs = 45_000,
  ) {
    this.keys = new KeyStore(state);
    this.groups = new Groups(
      state,
      groupAddressing,
      (phones, node, except) => this.relay.toPhones(phones, node, except),
      logger.child({ part: "groups" }),
    );
    this.phonePeer = new PhonePeer(
      state,
      this.keys,
      (phone, device, node) => this.relay.deliver(phone, device, node),
      logger.child({ part: "phone-peer" }),
    );
    // registered after the app-state key share: a companion gets the key first, then its history
    this.phoneHistory = new PhoneHistorySender(state, this.phonePeer, logger.child({ part: "phone-history" }));
    this.appState = new AppStateServer(
      state,
      (phone, node, except) => this.relay.toPhones([phone], node, except && { phone, deviceId: except.id }),
      (phone) => this.phonePeer.appStateKey(phone),
      logger.child({ part: "app-state" }),
    );
    this.iqs = new IqHandler(
      state,
      this.keys,
      this.groups,
      () => this.mediaConn(),
      (conn) => conn.owner && this.removeDevice(conn.owner.phone, conn.owner.device.id),
      (bytes) => this.media?.publish(bytes),
      (phone, except, type, change) => this.relay.notifyProfile(phone, except.owner!.device.id, type, change),
      this.appState,
      logger.child({ part: "iq" }),
    );
    this.relay = new Relay(
      state,
      this.groups,
      {
        online: (phone, deviceId) => this.connections.get(deviceKey(phone, deviceId)),
        ackMode: (phone, deviceId) => this.ackModes.get(deviceKey(phone, deviceId)) ?? { kind: "normal" },
      },
      logger.child({ part: "relay" }),
    );
    this.pairing = new Pairing(
      state,
      logger.child({ part: "pairing" }),
      (phone, deviceId) => this.relay.notifyDevices(phone, "add", deviceId),
      qrRefCount,
    );
    this.calls = new Calls((phones, node, except) => this.relay.toPhones(phones, node, except), callRingTimeoutMs, logger.child({ part: "calls" }));
    this.pairingCodes = new PairingCodes(state, this.pairing, logger.child({ part: "pairing-code" }));
    this.presence = new PresenceRelay(state, this.groups, {
      onlineDevices: (phone) =>
        [...phone.devices.keys()].flatMap((id) => this.connections.get(deviceKey(phone, id)) ?? []).filter((c) => c.ready),
    });
  }

  /** Loads state (and the root key) from `dataDir` if given and starts listening. */
  static async start(opts: SimulatorOptions = {}): Promise<Simulator> {
    const logger = opts.logger ?? pino({ level: "silent" });
    const state = SimState.load(opts.dataDir, logger.child({ part: "state" }));
    const sim = new Simulator(state, CertChain.issue(loadRootKey(opts.dataDir)), opts.host ?? "127.0.0.1", logger, opts.qrRefCount, opts.groupAddressing, opts.callRingTimeoutMs);
    sim.media = await MediaHost.start({
      host: sim.host,
      tls: loadMediaTls(sim.host, opts.dataDir),
      port: opts.mediaPort ?? 0,
      dataDir: opts.dataDir,
      maxUploadBytes: opts.mediaMaxUploadBytes,
      logger: logger.child({ part: "media" }),
    });
    await sim.listen(opts.port ?? 0);
    return sim;
  }

  private mediaConn(): MediaConnInfo | undefined {
    return this.media && { hostname: this.media.hostname, auth: this.media.auth, maxUploadBytes: this.media.maxUploadBytes };
  }

  /** The media host's port (pass it as `mediaPort` to a restarted simulator to keep media URLs valid). */
  get mediaPort(): number {
    return Number(this.media!.hostname.split(":").pop());
  }

  /** Fault: uploads to the media host wait until `resume` (see {@link MediaHost.pauseUploads}). */
  pauseMediaUploads(): { arrived: Promise<void>; resume: () => void } {
    return this.media!.pauseUploads();
  }

  /** Fault: while true, the media host answers every download with 503. */
  set mediaDownloadsFailing(failing: boolean) {
    this.media!.downloadsFailing = failing;
  }

  /** The media host's CA certificate (PEM). */
  get mediaCaCert(): string {
    return this.media!.caCert;
  }

  /**
   * What a client needs to reach the media host: `fetchAgent` for `makeWASocket` (uploads) and a
   * `dispatcher` for `downloadMediaMessage(…, { options: { dispatcher } })` (downloads).
   */
  mediaAgents(): MediaClientAgents {
    return this.media!.clientAgents();
  }

  /** The URL to give Baileys as `waWebSocketUrl`. */
  get wsUrl(): string {
    return `ws://${this.host}:${this.port}/ws/chat`;
  }

  /** The root key clients must trust (`trustSimulatorRoot`). */
  get rootPublicKey(): Uint8Array {
    return this.certChain.root.public;
  }

  /** Iqs the simulator had no specific answer for (answered with an empty result). */
  get unknownIqs(): readonly string[] {
    return this.iqs.unknownIqs;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ host: this.host, port, path: "/ws/chat" });
      wss.once("error", reject);
      wss.once("listening", () => {
        this.port = (wss.address() as AddressInfo).port;
        this.wss = wss;
        resolve();
      });
      wss.on("connection", (ws) => {
        const conn = new DeviceConnection(
          ws,
          this.certChain,
          {
            onPayload: (c, payload) => this.onPayload(c, payload),
            onNode: (c, node) => this.onNode(c, node),
            onClose: (c) => this.onClose(c),
          },
          this.logger.child({ part: "conn" }),
        );
        this.allConnections.add(conn);
      });
    });
  }

  /** The phone `phoneNumber` scans the QR code a client shows; resolves with the new device's JIDs. */
  linkDevice(qr: string, phoneNumber: string): Promise<LinkedDevice> {
    return this.pairing.linkByQr(qr, phoneNumber);
  }

  /**
   * The owner of `phoneNumber` types the pairing code a client got from `requestPairingCode` on the
   * phone; resolves once the device is linked (the client then restarts and logs in).
   */
  enterPairingCode(phoneNumber: string, code: string): Promise<LinkedDevice> {
    return this.pairingCodes.enterCode(phoneNumber, code);
  }

  /** How many times the device `jid` (e.g. "15551234567:1@s.whatsapp.net") logged in since start. */
  /** How often the phone's devices asked whether numbers are on WhatsApp (usync `contact` queries). */
  contactQueries(phoneNumber: string): number {
    return this.iqs.contactQueries.get(phoneNumber.replace(/^\+/, "")) ?? 0;
  }

  loginCount(jid: string): number {
    const target = this.state.resolve(jid);
    return target ? (this.logins.get(deviceKey(target.phone, target.deviceId)) ?? 0) : 0;
  }

  /**
   * The phone `fromPhoneNumber` calls `to` (a phone number, or a user JID in either form): every
   * device of the callee gets the offer. Returns the call as offered; see {@link callEnded}.
   */
  call(fromPhoneNumber: string, to: string, opts: CallOptions = {}): SimCall {
    const callee = this.state.resolve(to.includes("@") ? to : `${to.replace(/^\+/, "")}@s.whatsapp.net`);
    if (!callee) throw new Error(`unknown phone ${to}`);
    return this.calls.offer(this.state.phone(fromPhoneNumber), callee.phone, opts);
  }

  /** The caller of `callId` hangs up (cancelling it while it rings). */
  hangUp(callId: string): SimCall {
    return this.calls.hangUp(callId);
  }

  /** The callee's phone answers `callId`; its linked devices see it answered elsewhere. */
  answerCallOnPhone(callId: string): SimCall {
    return this.calls.answerOnPhone(callId);
  }

  /** How the call stands, or how it ended and who ended it. */
  getCall(callId: string): SimCall {
    return this.calls.get(callId);
  }

  /** Resolves with the call once it has ended (rejected, cancelled, timed out or hung up). */
  callEnded(callId: string, timeoutMs?: number): Promise<SimCall> {
    return this.calls.ended(callId, timeoutMs);
  }

  /** Whether a phone-number or LID JID names someone on the simulator (a phone that linked or was used as a contact). */
  knows(jid: string): boolean {
    return this.state.resolve(jid) !== undefined;
  }

  /** The phone's LID JID (user level), creating the phone if needed. */
  lidOf(phoneNumber: string): string {
    return lidJid(this.state.phone(phoneNumber));
  }

  /**
   * Injects a fault into the connection (or ack handling) of the device `jid` (PN or LID). A
   * user-level JID (no device part) means every linked device of that phone number.
   */
  injectFault(jid: string, fault: Fault): void {
    const target = this.state.resolve(jid);
    if (!target) throw new Error(`unknown phone ${jid}`);
    const deviceIds = jidDecode(jid)?.device === undefined ? [...target.phone.devices.keys()] : [target.deviceId];
    if (!deviceIds.length || deviceIds.some((id) => !target.phone.devices.has(id))) throw new Error(`unknown device ${jid}`);
    for (const deviceId of deviceIds) this.injectDeviceFault(target.phone, deviceId, fault);
  }

  private injectDeviceFault(phone: PhoneRecord, deviceId: number, fault: Fault): void {
    const key = deviceKey(phone, deviceId);
    const conn = this.connections.get(key);
    switch (fault.kind) {
      case "drop":
        conn?.terminate();
        return;
      case "stream-error": {
        let reason: BinaryNode | undefined;
        if (fault.code === 440) reason = { tag: "conflict", attrs: { type: "replaced" } };
        if (fault.code === 401) {
          // logged out from the phone: the device is gone and cannot log in again
          reason = { tag: "conflict", attrs: { type: "device_removed" } };
          this.removeDevice(phone, deviceId);
        }
        conn?.streamError(fault.code, reason);
        return;
      }
      case "refuse-acks":
        this.ackModes.set(key, { kind: "refuse", error: fault.error ?? 500 });
        return;
      case "delay-acks":
        this.ackModes.set(key, { kind: "delay", ms: fault.ms });
        return;
      case "normal-acks":
        this.ackModes.delete(key);
        return;
    }
  }

  /** Unlinks a companion: it cannot log in again, and other devices drop it from their lists. */
  private removeDevice(phone: PhoneRecord, deviceId: number): void {
    if (!phone.devices.delete(deviceId)) return;
    this.ackModes.delete(deviceKey(phone, deviceId));
    this.state.changed();
    this.relay.notifyDevices(phone, "remove", deviceId);
  }

  /** The whole server goes away: every connection drops and the port stops accepting. */
  async goAway(): Promise<void> {
    for (const conn of this.allConnections) conn.terminate();
    const wss = this.wss;
    this.wss = undefined;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  /** Comes back on the same port after {@link goAway}. */
  async comeBack(): Promise<void> {
    if (!this.wss) await this.listen(this.port);
  }

  async close(): Promise<void> {
    this.calls.close();
    await this.goAway();
    await this.media?.close();
    await this.state.flush();
  }

  private onPayload(conn: DeviceConnection, payload: proto.ClientPayload): void {
    if (payload.username) {
      this.login(conn, payload);
    } else if (payload.devicePairingData) {
      this.pairing.start(conn, payload);
    } else {
      conn.sendNode({ tag: "failure", attrs: { reason: "400" } });
      conn.end();
    }
  }

  private login(conn: DeviceConnection, payload: proto.ClientPayload): void {
    const target = this.state.resolve(`${String(payload.username)}:${payload.device ?? 0}@s.whatsapp.net`);
    const device = target?.device;
    if (!target || !device || !conn.clientStatic || !Buffer.from(conn.clientStatic).equals(Buffer.from(device.noiseKey))) {
      // what the real server answers a removed or unknown companion: logged out
      conn.sendNode({ tag: "failure", attrs: { reason: "401", location: "sim" } });
      conn.end();
      return;
    }
    const key = deviceKey(target.phone, device.id);
    const previous = this.connections.get(key);
    if (previous && previous !== conn) {
      this.connections.delete(key);
      this.relay.requeue(previous);
      // What a real device sees when a second connection of it logs in; counted (and logged) so
      // tests of several gateways can show that no device ever had two connections at once.
      this.replacedCount++;
      this.logger.warn({ phone: target.phone, device: device.id }, "device replaced: a second connection of the device logged in (440)");
      previous.streamError(440, { tag: "conflict", attrs: { type: "replaced" } });
    }
    if (payload.pushName) device.pushName = payload.pushName;
    this.logins.set(key, (this.logins.get(key) ?? 0) + 1);
    conn.owner = { phone: target.phone, device };
    this.connections.set(key, conn);
    conn.sendNode({
      tag: "success",
      attrs: {
        t: String(Math.floor(Date.now() / 1000)),
        lid: lidJid(target.phone, device.id),
        location: "sim",
        creation: String(Math.floor(Date.now() / 1000)),
      },
    });
  }

  private async onNode(conn: DeviceConnection, node: BinaryNode): Promise<void> {
    const [child] = getAllBinaryNodeChildren(node);
    if (node.tag === "iq") {
      if (node.attrs.type !== "get" && node.attrs.type !== "set") return; // stray result
      if (node.attrs.xmlns === "md" && this.pairingCodes.handle(conn, node)) return;
      this.iqs.handle(conn, node);
      // the real server holds offline stanzas until the client says it is active
      if (node.attrs.xmlns === "passive" && child?.tag === "active" && conn.owner) {
        await this.relay.flush(conn);
        // like a real phone, the primary greets a newly linked companion once it is online
        void this.phonePeer.companionOnline(conn.owner.phone, conn.owner.device);
      }
      return;
    }
    if (!conn.owner) return;
    switch (node.tag) {
      case "message":
        this.relay.onMessage(conn, node);
        // a companion's message to its own phone (e.g. a history request): the phone reads it
        if (node.attrs.category === "peer" && [pnJid(conn.owner.phone), lidJid(conn.owner.phone)].includes(node.attrs.to!)) {
          void this.phoneHistory.onPeerMessage(conn.owner.phone, conn.owner.device, node);
        }
        return;
      case "receipt":
        this.relay.onReceipt(conn, node);
        return;
      case "ack":
        this.relay.onAck(conn, node);
        return;
      case "presence":
        if (node.attrs.name && node.attrs.name !== conn.owner.device.pushName) {
          conn.owner.device.pushName = node.attrs.name;
          this.state.changed();
        }
        this.presence.onPresence(conn, node);
        return;
      case "chatstate":
        this.presence.onChatstate(conn, node);
        return;
      case "call":
        this.calls.onStanza(conn, node);
        return;
      default:
        // ib (unified_session, …): nothing the simulator needs to answer
        this.logger.debug({ tag: node.tag }, "ignored stanza");
    }
  }

  private onClose(conn: DeviceConnection): void {
    this.allConnections.delete(conn);
    this.pairing.forget(conn);
    this.pairingCodes.forget(conn);
    this.presence.forget(conn);
    if (!conn.owner) return;
    const key = deviceKey(conn.owner.phone, conn.owner.device.id);
    if (this.connections.get(key) === conn) this.connections.delete(key);
    this.relay.requeue(conn);
  }
}

/** The root key persists with the state: clients that trusted it keep trusting a restarted simulator. */
function loadRootKey(dataDir?: string): KeyPair {
  if (!dataDir) return Curve.generateKeyPair();
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, "sim-root-key.json");
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as { public: string; private: string };
    return { public: Buffer.from(saved.public, "base64"), private: Buffer.from(saved.private, "base64") };
  } catch {
    const root = Curve.generateKeyPair();
    writeFileSync(file, JSON.stringify({ public: Buffer.from(root.public).toString("base64"), private: Buffer.from(root.private).toString("base64") }));
    return root;
  }
}
