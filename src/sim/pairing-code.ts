import { randomBytes } from "node:crypto";
import {
  aesDecryptCTR,
  aesDecryptGCM,
  aesEncryptCTR,
  type BinaryNode,
  Curve,
  derivePairingCodeKey,
  getBinaryNodeChild,
  getBinaryNodeChildBuffer,
  hkdf,
  jidDecode,
  S_WHATSAPP_NET,
} from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import type { DeviceConnection } from "./device-connection.js";
import type { LinkedDevice, Pairing } from "./pairing.js";
import type { KeyPair } from "./cert-chain.js";
import type { SimState } from "./sim-state.js";

/** A client that asked to be linked by code and waits for the phone owner to type it. */
interface CodeRequest {
  conn: DeviceConnection;
  phoneNumber: string;
  ref: Buffer;
  /** salt(32) ‖ iv(16) ‖ AES-CTR(companion ephemeral public key), keyed by the code. */
  wrappedCompanionEphemeral: Buffer;
  /** Set once the code was entered: the phone's ephemeral key and the companion's. */
  entered?: { primaryEphemeral: KeyPair; companionEphemeral: Buffer; done: (result: Promise<LinkedDevice>) => void };
}

/**
 * Linking by pairing code (`sock.requestPairingCode`), the phone's side included: the client's
 * `companion_hello` is parked until the simulated phone "enters" the code; the phone then unwraps
 * the companion's ephemeral key with it, answers with its own (`primary_hello` notification),
 * and derives the same ADV secret from the client's `companion_finish` before `pair-success`.
 */
export class PairingCodes {
  private readonly requests = new Map<string, CodeRequest>();
  /** Codes entered before the client's hello arrived wait here, by phone number. */
  private readonly waiting = new Map<string, () => void>();

  constructor(
    private readonly state: SimState,
    private readonly pairing: Pairing,
    private readonly logger: Logger,
  ) {}

  /** Handles `iq md <link_code_companion_reg>`; returns false for other iqs. */
  handle(conn: DeviceConnection, iq: BinaryNode): boolean {
    const reg = getBinaryNodeChild(iq, "link_code_companion_reg");
    if (!reg) return false;
    if (reg.attrs.stage === "companion_hello") this.onHello(conn, iq, reg);
    else if (reg.attrs.stage === "companion_finish") this.onFinish(conn, iq, reg);
    else conn.sendNode({ tag: "iq", attrs: { from: S_WHATSAPP_NET, type: "error", id: iq.attrs.id! } });
    return true;
  }

  private onHello(conn: DeviceConnection, iq: BinaryNode, reg: BinaryNode): void {
    const phoneNumber = jidDecode(reg.attrs.jid)?.user;
    const wrapped = getBinaryNodeChildBuffer(reg, "link_code_pairing_wrapped_companion_ephemeral_pub");
    if (!phoneNumber || !wrapped || wrapped.length !== 80) {
      conn.sendNode({ tag: "iq", attrs: { from: S_WHATSAPP_NET, type: "error", id: iq.attrs.id! } });
      return;
    }
    const ref = randomBytes(16);
    this.requests.set(phoneNumber, { conn, phoneNumber, ref, wrappedCompanionEphemeral: Buffer.from(wrapped) });
    this.waiting.get(phoneNumber)?.();
    conn.sendNode({
      tag: "iq",
      attrs: { from: S_WHATSAPP_NET, type: "result", id: iq.attrs.id! },
      content: [
        { tag: "link_code_companion_reg", attrs: {}, content: [{ tag: "link_code_pairing_ref", attrs: {}, content: ref }] },
      ],
    });
  }

  /** The owner of `phoneNumber` types `code` on the phone. Resolves once the device is linked. */
  async enterCode(phoneNumber: string, code: string, waitMs = 10_000): Promise<LinkedDevice> {
    const request = await this.requestFor(phoneNumber, waitMs);
    const normalized = code.replace(/[^0-9A-Za-z]/g, "").toUpperCase();
    const wrapped = request.wrappedCompanionEphemeral;
    const key = await derivePairingCodeKey(normalized, wrapped.subarray(0, 32));
    const companionEphemeral = aesDecryptCTR(wrapped.subarray(48, 80), key, wrapped.subarray(32, 48));
    const primaryEphemeral = Curve.generateKeyPair();
    const salt = randomBytes(32);
    const iv = randomBytes(16);
    const wrapKey = await derivePairingCodeKey(normalized, salt);
    const wrappedPrimary = Buffer.concat([salt, iv, aesEncryptCTR(primaryEphemeral.public, wrapKey, iv)]);
    const account = this.state.phone(phoneNumber);
    const linked = new Promise<Promise<LinkedDevice>>((resolve) => {
      request.entered = { primaryEphemeral, companionEphemeral, done: resolve };
    });
    request.conn.sendNode({
      tag: "notification",
      attrs: { from: S_WHATSAPP_NET, type: "link_code_companion_reg", id: `code-${randomBytes(4).toString("hex")}`, t: String(Math.floor(Date.now() / 1000)) },
      content: [
        {
          tag: "link_code_companion_reg",
          attrs: { stage: "primary_hello" },
          content: [
            { tag: "link_code_pairing_ref", attrs: {}, content: request.ref },
            { tag: "primary_identity_pub", attrs: {}, content: Buffer.from(account.accountKey.public) },
            { tag: "link_code_pairing_wrapped_primary_ephemeral_pub", attrs: {}, content: wrappedPrimary },
          ],
        },
      ],
    });
    return await (await linked);
  }

  /** The pending request for a phone; `requestPairingCode` does not wait for the server, so give it a moment. */
  private async requestFor(phoneNumber: string, waitMs: number): Promise<CodeRequest> {
    const pending = this.requests.get(phoneNumber);
    if (pending && !pending.conn.closed) return pending;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(phoneNumber);
        reject(new Error(`no pairing code request for ${phoneNumber}`));
      }, waitMs);
      this.waiting.set(phoneNumber, () => {
        clearTimeout(timer);
        this.waiting.delete(phoneNumber);
        resolve();
      });
    });
    return this.requests.get(phoneNumber)!;
  }

  private onFinish(conn: DeviceConnection, iq: BinaryNode, reg: BinaryNode): void {
    const request = [...this.requests.values()].find((r) => r.conn === conn);
    const bundle = getBinaryNodeChildBuffer(reg, "link_code_pairing_wrapped_key_bundle");
    const registration = this.pairing.registrationOf(conn);
    if (!request?.entered || !bundle || !registration) {
      conn.sendNode({ tag: "iq", attrs: { from: S_WHATSAPP_NET, type: "error", id: iq.attrs.id! } });
      return;
    }
    this.requests.delete(request.phoneNumber);
    const { primaryEphemeral, companionEphemeral, done } = request.entered;
    const account = this.state.phone(request.phoneNumber);
    // mirror of the client's derivation in messages-recv.js (case link_code_companion_reg)
    const companionShared = Curve.sharedKey(primaryEphemeral.private, companionEphemeral);
    const bundleBytes = Buffer.from(bundle);
    const bundleKey = hkdf(companionShared, 32, { salt: bundleBytes.subarray(0, 32), info: "link_code_pairing_key_bundle_encryption_key" });
    const payload = aesDecryptGCM(bundleBytes.subarray(44), Buffer.from(bundleKey), bundleBytes.subarray(32, 44), Buffer.alloc(0));
    const companionIdentity = payload.subarray(0, 32);
    const random = payload.subarray(64, 96);
    const identityShared = Curve.sharedKey(account.accountKey.private, companionIdentity);
    const advSecret = Buffer.from(hkdf(Buffer.concat([companionShared, identityShared, random]), 32, { info: "adv_secret" }));
    conn.sendNode({ tag: "iq", attrs: { from: S_WHATSAPP_NET, type: "result", id: iq.attrs.id! } });
    this.logger.debug({ phoneNumber: request.phoneNumber }, "pairing code accepted");
    done(this.pairing.complete(registration, request.phoneNumber, advSecret));
  }

  /** The connection went away: its code request is void. */
  forget(conn: DeviceConnection): void {
    for (const [phone, request] of this.requests) if (request.conn === conn) this.requests.delete(phone);
  }
}
