import * as http2 from "node:http2";
import net from "node:net";
import { once } from "node:events";
import { TEST_AUTH_HEADER } from "./auth.js";

/** A gRPC / gRPC-Web length-prefixed frame: uncompressed flag, big-endian length, message. */
export function grpcFrame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/**
 * Resolves when the server acknowledges a PING sent now. HTTP/2 frames are handled in order,
 * so by then the server has handled every frame this session sent before (its request
 * handlers have been called): a way to know a request arrived without waiting on time.
 */
export async function serverHasSeen(session: http2.ClientHttp2Session): Promise<void> {
  // A ping sent before the session is connected is cancelled, not queued.
  if (session.connecting) await once(session, "connect");
  return new Promise((resolve, reject) => {
    session.ping((err) => (err ? reject(err) : resolve()));
  });
}

/** What a raw HTTP/2 call ended with: response headers, trailers and body. */
export interface RawResponse {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
  /** RST_STREAM code when the stream was reset (0 when it ended normally). */
  rstCode: number;
}

/** Collects a raw stream's response to its end (normal or reset). */
export async function rawResponse(stream: http2.ClientHttp2Stream): Promise<RawResponse> {
  let headers: http2.IncomingHttpHeaders = {};
  let trailers: http2.IncomingHttpHeaders = {};
  const chunks: Buffer[] = [];
  stream.on("response", (h) => (headers = h));
  stream.on("trailers", (t) => (trailers = t));
  stream.on("data", (c: Buffer) => chunks.push(c));
  stream.on("error", () => undefined); // a reset surfaces as rstCode
  await once(stream, "close");
  return { headers, trailers, body: Buffer.concat(chunks), rstCode: stream.rstCode ?? 0 };
}

/** Request headers of an authenticated RPC over raw HTTP/2 (gRPC unless `contentType` says otherwise). */
export function rpcHeaders(path: string, contentType = "application/grpc", extra: http2.OutgoingHttpHeaders = {}): http2.OutgoingHttpHeaders {
  return { ":method": "POST", ":path": path, "content-type": contentType, te: "trailers", authorization: TEST_AUTH_HEADER, ...extra };
}

/**
 * HTTP/2 written by hand on a plain socket, for clients no library would be: one that ignores
 * the server's SETTINGS (MAX_CONCURRENT_STREAMS) or never ends a stream. Headers are encoded
 * as HPACK literals without indexing or Huffman coding, which every decoder accepts.
 */
export class RawH2Connection {
  private buffered = Buffer.alloc(0);
  /** RST_STREAM frames received: stream id → error code. */
  readonly resets = new Map<number, number>();
  /** Streams the server answered with HEADERS. */
  readonly answered = new Set<number>();
  /** GOAWAY error code and last stream id, once one came. */
  goaway?: number;
  lastStreamId?: number;
  private nextId = 1;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) => this.parse(d));
    socket.on("error", () => undefined);
  }

  static async open(port: number): Promise<RawH2Connection> {
    const socket = net.connect(port, "127.0.0.1");
    await once(socket, "connect");
    const c = new RawH2Connection(socket);
    socket.write(Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
    socket.write(frameOf(0x4, 0, 0, Buffer.alloc(0))); // our SETTINGS: all defaults
    return c;
  }

  /** HEADERS frames for `count` new streams, in one write; returns their ids. None ends its stream. */
  openStreams(count: number, headers: Record<string, string>): number[] {
    const block = hpackLiterals(headers);
    const ids: number[] = [];
    const frames: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const id = this.nextId;
      this.nextId += 2;
      ids.push(id);
      frames.push(frameOf(0x1, 0x4 /* END_HEADERS */, id, block));
    }
    this.socket.write(Buffer.concat(frames));
    return ids;
  }

  /** A DATA frame on stream `id` (at most 16 KiB), ending the stream if `end`. */
  data(id: number, payload: Buffer, end: boolean): void {
    this.socket.write(frameOf(0x0, end ? 0x1 : 0, id, payload));
  }

  /** Resolves once `done()` holds, checked after every frame received; rejects if the connection closes first. */
  until(done: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        this.socket.off("frame", check);
        this.socket.off("close", onClose);
        resolve();
      };
      const onClose = () => {
        this.socket.off("frame", check);
        if (done()) resolve();
        else reject(new Error("connection closed first"));
      };
      this.socket.on("frame", check);
      this.socket.once("close", onClose);
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(data: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, data]);
    while (this.buffered.length >= 9) {
      const length = this.buffered.readUIntBE(0, 3);
      if (this.buffered.length < 9 + length) return;
      const type = this.buffered[3];
      const flags = this.buffered[4];
      const id = this.buffered.readUInt32BE(5) & 0x7fffffff;
      const payload = this.buffered.subarray(9, 9 + length);
      this.buffered = this.buffered.subarray(9 + length);
      if (type === 0x4 && !(flags & 0x1)) this.socket.write(frameOf(0x4, 0x1, 0, Buffer.alloc(0))); // ack SETTINGS
      if (type === 0x6 && !(flags & 0x1)) this.socket.write(frameOf(0x6, 0x1, 0, payload)); // answer PING
      if (type === 0x3) this.resets.set(id, payload.readUInt32BE(0));
      if (type === 0x1) this.answered.add(id);
      if (type === 0x7) {
        this.lastStreamId = payload.readUInt32BE(0) & 0x7fffffff;
        this.goaway = payload.readUInt32BE(4);
      }
      this.socket.emit("frame");
    }
  }
}

function frameOf(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

/** HPACK "literal header field without indexing — new name" for each header (RFC 7541 §6.2.2). */
function hpackLiterals(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    parts.push(Buffer.from([0x00]), hpackString(name), hpackString(value));
  }
  return Buffer.concat(parts);
}

/** An HPACK string literal, no Huffman: a 7-bit-prefix length, then the bytes. */
function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text);
  const length: number[] = [];
  let n = bytes.length;
  if (n < 127) length.push(n);
  else {
    length.push(127);
    n -= 127;
    while (n >= 128) {
      length.push((n % 128) + 128);
      n = Math.floor(n / 128);
    }
    length.push(n);
  }
  return Buffer.concat([Buffer.from(length), bytes]);
}
