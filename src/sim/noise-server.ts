import {
  aesDecryptGCM,
  aesEncryptGCM,
  Curve,
  hkdf,
  NOISE_MODE,
  NOISE_WA_HEADER,
  proto,
  sha256,
} from "@whiskeysockets/baileys";
import type { CertChain } from "./cert-chain.js";

const IV_LENGTH = 12;
const EMPTY = Buffer.alloc(0);

function counterIv(counter: number): Uint8Array {
  const iv = new Uint8Array(IV_LENGTH);
  new DataView(iv.buffer).setUint32(8, counter);
  return iv;
}

/**
 * The server's half of WhatsApp's Noise XX handshake, mirroring `Utils/noise-handler.js` step by
 * step (same hash/salt/key evolution), then the transport cipher. One instance per connection.
 */
export class NoiseServer {
  private hash: Buffer;
  private salt: Buffer;
  private key: Buffer;
  private counter = 0;
  private ephemeral = Curve.generateKeyPair();
  private transport?: { enc: Buffer; dec: Buffer; readCounter: number; writeCounter: number };
  /** The client's static key (Baileys' `creds.noiseKey.public`), known after the client finish. */
  clientStatic?: Uint8Array;

  constructor(private readonly chain: CertChain) {
    const mode = Buffer.from(NOISE_MODE);
    this.hash = mode.byteLength === 32 ? mode : sha256(mode);
    this.salt = this.hash;
    this.key = this.hash;
  }

  get isTransport(): boolean {
    return this.transport !== undefined;
  }

  private authenticate(data: Uint8Array): void {
    if (!this.transport) this.hash = sha256(Buffer.concat([this.hash, data]));
  }

  private mixIntoKey(data: Uint8Array): void {
    const out = Buffer.from(hkdf(Buffer.from(data), 64, { salt: this.salt, info: "" }));
    this.salt = out.subarray(0, 32);
    this.key = out.subarray(32);
    this.counter = 0;
  }

  private handshakeEncrypt(plaintext: Uint8Array): Buffer {
    const result = aesEncryptGCM(plaintext, this.key, counterIv(this.counter++), this.hash);
    this.authenticate(result);
    return result;
  }

  private handshakeDecrypt(ciphertext: Uint8Array): Buffer {
    const result = aesDecryptGCM(ciphertext, this.key, counterIv(this.counter++), this.hash);
    this.authenticate(ciphertext);
    return result;
  }

  /** Answers the client hello with the server hello (ephemeral, encrypted static, encrypted chain). */
  serverHello(clientHelloFrame: Uint8Array): Uint8Array {
    const hello = proto.HandshakeMessage.decode(clientHelloFrame);
    const clientEphemeral = hello.clientHello?.ephemeral;
    if (!clientEphemeral) throw new Error("client hello without ephemeral key");

    this.authenticate(NOISE_WA_HEADER);
    this.authenticate(clientEphemeral);
    this.authenticate(this.ephemeral.public);
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, clientEphemeral));
    const staticEnc = this.handshakeEncrypt(this.chain.serverStatic.public);
    this.mixIntoKey(Curve.sharedKey(this.chain.serverStatic.private, clientEphemeral));
    const payloadEnc = this.handshakeEncrypt(this.chain.encoded);
    return proto.HandshakeMessage.encode({
      serverHello: { ephemeral: this.ephemeral.public, static: staticEnc, payload: payloadEnc },
    }).finish();
  }

  /** Reads the client finish, switches to transport mode and returns the client's login/registration payload. */
  clientFinish(frame: Uint8Array): proto.ClientPayload {
    const finish = proto.HandshakeMessage.decode(frame).clientFinish;
    if (!finish?.static || !finish.payload) throw new Error("client finish incomplete");
    const clientStatic = this.handshakeDecrypt(finish.static);
    this.clientStatic = clientStatic;
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, clientStatic));
    const payload = proto.ClientPayload.decode(this.handshakeDecrypt(finish.payload));
    const keys = Buffer.from(hkdf(EMPTY, 64, { salt: this.salt, info: "" }));
    // the client writes with the first half and reads with the second, so the server mirrors it
    this.transport = { dec: keys.subarray(0, 32), enc: keys.subarray(32), readCounter: 0, writeCounter: 0 };
    return payload;
  }

  encrypt(plaintext: Uint8Array): Buffer {
    if (!this.transport) throw new Error("noise transport not ready");
    return aesEncryptGCM(plaintext, this.transport.enc, counterIv(this.transport.writeCounter++), EMPTY);
  }

  decrypt(ciphertext: Uint8Array): Buffer {
    if (!this.transport) throw new Error("noise transport not ready");
    return aesDecryptGCM(ciphertext, this.transport.dec, counterIv(this.transport.readCounter++), EMPTY);
  }
}

/** Splits the client's byte stream into frames (3-byte big-endian length), skipping the intro header once. */
export class FrameReader {
  private buffer = Buffer.alloc(0);
  private introSeen = false;

  push(data: Uint8Array): Uint8Array[] {
    this.buffer = Buffer.concat([this.buffer, data]);
    if (!this.introSeen) {
      if (this.buffer.length < NOISE_WA_HEADER.length) return [];
      if (this.buffer.subarray(0, 2).toString("latin1") === "ED") {
        // routing-info prefix: "ED", 2 bytes, 3-byte length, routing info, then the WA header
        if (this.buffer.length < 7) return [];
        const len = (this.buffer[4]! << 16) | this.buffer.readUInt16BE(5);
        const total = 7 + len + NOISE_WA_HEADER.length;
        if (this.buffer.length < total) return [];
        this.buffer = this.buffer.subarray(total);
      } else {
        this.buffer = this.buffer.subarray(NOISE_WA_HEADER.length);
      }
      this.introSeen = true;
    }
    const frames: Uint8Array[] = [];
    while (this.buffer.length >= 3) {
      const size = (this.buffer[0]! << 16) | (this.buffer[1]! << 8) | this.buffer[2]!;
      if (this.buffer.length < size + 3) break;
      frames.push(this.buffer.subarray(3, size + 3));
      this.buffer = this.buffer.subarray(size + 3);
    }
    return frames;
  }
}

/** Prefixes a frame with its 3-byte big-endian length (the server never sends an intro header). */
export function encodeFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.alloc(3 + payload.byteLength);
  frame[0] = (payload.byteLength >>> 16) & 0xff;
  frame[1] = (payload.byteLength >>> 8) & 0xff;
  frame[2] = payload.byteLength & 0xff;
  frame.set(payload, 3);
  return frame;
}
