import { type BinaryNode, binaryNodeToString, decodeBinaryNode, encodeBinaryNode, type proto } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import type { WebSocket } from "ws";
import type { CertChain } from "./cert-chain.js";
import { encodeFrame, FrameReader, NoiseServer } from "./noise-server.js";
import type { DeviceRecord, PhoneRecord } from "./sim-state.js";

/** What the simulator does with a connection's events. */
export interface ConnectionHandlers {
  onPayload(conn: DeviceConnection, payload: proto.ClientPayload): void;
  onNode(conn: DeviceConnection, node: BinaryNode): Promise<void>;
  onClose(conn: DeviceConnection): void;
}

/**
 * One client WebSocket: runs the Noise handshake, then carries binary nodes both ways. Nodes are
 * handled strictly in arrival order (decoding is async), as the real server would.
 */
export class DeviceConnection {
  private readonly noise: NoiseServer;
  private readonly reader = new FrameReader();
  private stage: "hello" | "finish" | "transport" = "hello";
  private chain: Promise<void> = Promise.resolve();
  private readonly waiters = new Map<string, (node: BinaryNode) => void>();
  private nextId = 1;
  closed = false;
  /** True once queued stanzas were flushed after login: new stanzas go straight to the client. */
  ready = false;
  /** Set once a login was accepted: the phone and device this connection speaks for. */
  owner?: { phone: PhoneRecord; device: DeviceRecord };
  /** Stanzas sent but not yet acked by the client, by `tag:id`; requeued if the connection drops. */
  readonly inFlight = new Map<string, Uint8Array>();

  constructor(
    private readonly ws: WebSocket,
    certChain: CertChain,
    private readonly handlers: ConnectionHandlers,
    private readonly logger: Logger,
  ) {
    this.noise = new NoiseServer(certChain);
    ws.on("message", (data: Buffer) => this.onData(data));
    ws.on("close", () => this.onClose());
    ws.on("error", (err) => this.logger.debug({ err }, "socket error"));
  }

  /** The client's Noise static key (its `creds.noiseKey.public`). */
  get clientStatic(): Uint8Array | undefined {
    return this.noise.clientStatic;
  }

  private onData(data: Buffer): void {
    let frames: Uint8Array[];
    try {
      frames = this.reader.push(data);
    } catch (err) {
      this.logger.warn({ err }, "bad frame");
      this.terminate();
      return;
    }
    for (const frame of frames) {
      this.chain = this.chain.then(() => this.onFrame(frame)).catch((err) => {
        this.logger.warn({ err }, "error handling frame");
        this.terminate();
      });
    }
  }

  private async onFrame(frame: Uint8Array): Promise<void> {
    // frames that arrived before the close are still handled (a client's last words, e.g. its
    // logout iq, travel just ahead of the close); only an unfinished handshake is abandoned
    if (this.closed && this.stage !== "transport") return;
    if (this.stage === "hello") {
      this.sendRaw(this.noise.serverHello(frame));
      this.stage = "finish";
      return;
    }
    if (this.stage === "finish") {
      const payload = this.noise.clientFinish(frame);
      this.stage = "transport";
      this.handlers.onPayload(this, payload);
      return;
    }
    const node = await decodeBinaryNode(this.noise.decrypt(frame));
    if (this.logger.isLevelEnabled("trace")) this.logger.trace({ xml: binaryNodeToString(node) }, "recv");
    if (node.tag === "iq" && (node.attrs.type === "result" || node.attrs.type === "error")) {
      const waiter = this.waiters.get(node.attrs.id ?? "");
      if (waiter) {
        this.waiters.delete(node.attrs.id!);
        waiter(node);
        return;
      }
    }
    await this.handlers.onNode(this, node);
  }

  private sendRaw(payload: Uint8Array): void {
    if (this.closed) return;
    this.ws.send(encodeFrame(payload));
  }

  /** Encrypts and sends one binary node. */
  sendNode(node: BinaryNode): void {
    this.sendEncoded(encodeBinaryNode(node));
  }

  /** Sends an already encoded node (queued stanzas are kept encoded). */
  sendEncoded(encoded: Uint8Array): void {
    if (this.closed) return;
    if (this.logger.isLevelEnabled("trace")) {
      void decodeBinaryNode(Buffer.from(encoded)).then((node) => this.logger.trace({ xml: binaryNodeToString(node) }, "send"));
    }
    this.sendRaw(this.noise.encrypt(encoded));
  }

  /** Sends an iq from the server and resolves with the client's answer. */
  query(node: BinaryNode, timeoutMs = 10_000): Promise<BinaryNode> {
    const id = node.attrs.id ?? `sim-${this.nextId++}`;
    node.attrs.id = id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`client did not answer iq ${id}`));
      }, timeoutMs);
      this.waiters.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.sendNode(node);
    });
  }

  /** Sends `<stream:error code=…>` (with an optional reason child) and closes, as the real server does. */
  streamError(code: number, reason?: BinaryNode): void {
    this.sendNode({ tag: "stream:error", attrs: { code: String(code) }, content: reason ? [reason] : undefined });
    this.end();
  }

  /** Closes the stream politely (the client sees the socket close). */
  end(): void {
    if (this.closed) return;
    this.ws.close();
  }

  /** Drops the TCP connection without a goodbye. */
  terminate(): void {
    this.ws.terminate();
    this.onClose();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiters.clear();
    this.handlers.onClose(this);
  }
}
