import { randomBytes } from "node:crypto";
import {
  type BinaryNode,
  Curve,
  getBinaryNodeChild,
  proto,
  S_WHATSAPP_NET,
  WA_ADV_DEVICE_SIG_PREFIX,
} from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import type { DeviceConnection } from "./device-connection.js";
import { SimulatedPhone } from "./phone.js";
import { lidJid, type PhoneRecord, pnJid, type SimState } from "./sim-state.js";

/** How many QR refs a registering client gets; Baileys shows one per QR and gives up (408) after the last. */
const DEFAULT_REF_COUNT = 6;

/** A client that connected without an account and waits to be linked. */
interface Registration {
  conn: DeviceConnection;
  pairingData: proto.ClientPayload.IDevicePairingRegistrationData;
  pushName?: string;
  refs: string[];
}

/** The linked device, as the client will log in with it. */
export interface LinkedDevice {
  jid: string;
  lid: string;
}

/**
 * Server side of companion registration: hands out QR refs, and when a simulated phone scans one,
 * sends `pair-success`, checks the client's `pair-device-sign`, stores the device and asks the
 * client to restart (515) so it logs in with its new identity.
 */
export class Pairing {
  private readonly byRef = new Map<string, Registration>();
  private readonly byConn = new Map<DeviceConnection, Registration>();

  constructor(
    private readonly state: SimState,
    private readonly logger: Logger,
    /** Called once a new device is stored (the simulator tells other devices about it). */
    private readonly onLinked: (phone: PhoneRecord, deviceId: number) => void,
    private readonly refCount = DEFAULT_REF_COUNT,
  ) {}

  /** A client sent a registration payload: offer it QR refs. */
  start(conn: DeviceConnection, payload: proto.ClientPayload): void {
    if (!payload.devicePairingData) throw new Error("registration without device pairing data");
    const refs = Array.from({ length: this.refCount }, () => `2@${randomBytes(24).toString("base64")}`);
    const registration: Registration = { conn, pairingData: payload.devicePairingData, pushName: payload.pushName ?? undefined, refs };
    this.byConn.set(conn, registration);
    for (const ref of refs) this.byRef.set(ref, registration);
    conn.sendNode({
      tag: "iq",
      attrs: { from: S_WHATSAPP_NET, type: "set", id: `pair-${randomBytes(4).toString("hex")}`, xmlns: "md" },
      content: [
        {
          tag: "pair-device",
          attrs: {},
          content: refs.map((ref) => ({ tag: "ref", attrs: {}, content: Buffer.from(ref) })),
        },
      ],
    });
  }

  /** The connection went away: its refs are void. */
  forget(conn: DeviceConnection): void {
    const registration = this.byConn.get(conn);
    if (!registration) return;
    this.byConn.delete(conn);
    for (const ref of registration.refs) this.byRef.delete(ref);
  }

  /** The phone with `phoneNumber` scans `qr`. Resolves once the device is stored and told to restart. */
  async linkByQr(qr: string, phoneNumber: string): Promise<LinkedDevice> {
    const scanned = SimulatedPhone.scanQr(qr);
    const registration = this.byRef.get(scanned.ref);
    if (!registration || registration.conn.closed) throw new Error("QR code expired or unknown");
    const clientStatic = registration.conn.clientStatic;
    if (!clientStatic || !Buffer.from(clientStatic).equals(scanned.noiseKey)) {
      throw new Error("QR noise key does not match the connected client");
    }
    if (!Buffer.from(registration.pairingData.eIdent ?? []).equals(scanned.identityKey)) {
      throw new Error("QR identity key does not match the registration");
    }
    return this.complete(registration, phoneNumber, scanned.advSecret);
  }

  /** Completes linking for a registration found by other means (pairing codes). */
  async complete(registration: Registration, phoneNumber: string, advSecret: Uint8Array): Promise<LinkedDevice> {
    const { conn, pairingData } = registration;
    this.forget(conn);
    const phone = new SimulatedPhone(this.state.phone(phoneNumber));
    const record = phone.record;
    const deviceId = record.nextDeviceId++;
    const identityKey = Buffer.from(pairingData.eIdent!);
    const jid = pnJid(record, deviceId);
    const lid = lidJid(record, deviceId);
    const answer = await conn.query({
      tag: "iq",
      attrs: { from: S_WHATSAPP_NET, type: "set", xmlns: "md", t: String(Math.floor(Date.now() / 1000)) },
      content: [
        {
          tag: "pair-success",
          attrs: {},
          content: [
            { tag: "device-identity", attrs: {}, content: phone.signCompanion(deviceId, identityKey, advSecret) },
            { tag: "device", attrs: { jid, lid } },
            { tag: "platform", attrs: { name: "android" } },
            // A real phone hands its push name over later through app-state sync, which the
            // simulator does not run; `biz name` is the pairing field Baileys copies into
            // `creds.me.name`, without which it refuses to send presence (and logs a warning).
            { tag: "biz", attrs: { name: registration.pushName ?? `Sim ${phoneNumber}` } },
          ],
        },
      ],
    });
    this.verifyDeviceSignature(answer, identityKey, record.accountKey.public);
    record.devices.set(deviceId, {
      id: deviceId,
      noiseKey: Buffer.from(conn.clientStatic!),
      identityKey,
      registrationId: Buffer.from(pairingData.eRegid!).readUInt32BE(0),
      signedPreKey: {
        id: Buffer.from(pairingData.eSkeyId!).readUIntBE(0, 3),
        public: Buffer.from(pairingData.eSkeyVal!),
        signature: Buffer.from(pairingData.eSkeySig!),
      },
      preKeys: new Map(),
      keyIndex: deviceId,
      platform: "web",
      pushName: registration.pushName,
      queue: [],
    });
    this.state.changed();
    this.logger.info({ jid, lid }, "device linked");
    this.onLinked(record, deviceId);
    // the client must reconnect and log in with its new identity
    conn.streamError(515);
    return { jid, lid };
  }

  /** The registration waiting on `conn`, if any (pairing codes find the client by connection). */
  registrationOf(conn: DeviceConnection): Registration | undefined {
    return this.byConn.get(conn);
  }

  /** The client's `pair-device-sign` must carry a device signature made with the identity it registered. */
  private verifyDeviceSignature(answer: BinaryNode, identityKey: Uint8Array, accountKey: Uint8Array): void {
    const sign = getBinaryNodeChild(answer, "pair-device-sign");
    const identityNode = getBinaryNodeChild(sign, "device-identity");
    if (!(identityNode?.content instanceof Uint8Array)) throw new Error("client did not send pair-device-sign");
    const signed = proto.ADVSignedDeviceIdentity.decode(identityNode.content);
    const message = Buffer.concat([WA_ADV_DEVICE_SIG_PREFIX, signed.details!, identityKey, accountKey]);
    if (!Curve.verify(identityKey, message, signed.deviceSignature!)) {
      throw new Error("client device signature invalid");
    }
  }
}
