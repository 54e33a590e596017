import { randomBytes } from "node:crypto";
import {
  addTransactionCapability,
  type BinaryNode,
  DEFAULT_CONNECTION_CONFIG,
  initAuthCreds,
  parseAndInjectE2ESessions,
  proto,
  type SignalRepositoryWithLIDStore,
  writeRandomPadMax16,
} from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import type { KeyStore } from "./key-store.js";
import { memoryKeyStore } from "./memory-auth.js";
import { type AppStateKey, type DeviceRecord, lidJid, type PhoneRecord, pnJid, type SimState } from "./sim-state.js";

/** Runs once per companion, the first time it is online after linking (in registration order). */
export type FirstOnlineListener = (phone: PhoneRecord, device: DeviceRecord) => Promise<void>;

const now = () => String(Math.floor(Date.now() / 1000));

/**
 * The simulated primary phone as a Signal party: it holds the account's identity key, builds a
 * session to each of its companions from the pre-keys they uploaded, and sends them encrypted peer
 * messages (`category="peer"`) the way the server delivers a phone's own messages. Companions
 * accept self-only protocol messages (app-state key share, history sync) only from their own
 * account, so these must come from the phone.
 *
 * Sessions live in memory: after a simulator restart the phone starts new ones (a `pkmsg` from a
 * fresh one-time pre-key), which companions accept like any session reset.
 */
export class PhonePeer {
  private readonly repositories = new Map<string, SignalRepositoryWithLIDStore>();
  private readonly firstOnline: FirstOnlineListener[] = [];
  /** Serialises encryption per phone: a Signal session's ratchet must not be advanced concurrently. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly state: SimState,
    private readonly keys: KeyStore,
    private readonly deliver: (phone: PhoneRecord, device: DeviceRecord, node: BinaryNode) => void,
    private readonly logger: Logger,
  ) {
    this.onFirstOnline(async (phone, device) => void (await this.shareAppStateKey(phone, device)));
  }

  /** Adds work for a companion's first time online (e.g. history sync after the key share). */
  onFirstOnline(listener: FirstOnlineListener): void {
    this.firstOnline.push(listener);
  }

  /** A companion finished its offline flush: the first time after linking, the phone greets it. */
  async companionOnline(phone: PhoneRecord, device: DeviceRecord): Promise<void> {
    if (device.greeted) return;
    device.greeted = true;
    this.state.changed();
    for (const listener of this.firstOnline) {
      try {
        await listener(phone, device);
      } catch (err) {
        this.logger.warn({ err, phone: phone.phoneNumber, device: device.id }, "phone could not greet its new companion");
      }
    }
  }

  /**
   * Sends `protocolMessage` from the phone of `phoneNumber` to its companion `deviceJid`
   * (e.g. "15551234567:1@s.whatsapp.net"), Signal-encrypted; resolves with the message id.
   */
  sendProtocolMessage(phoneNumber: string, deviceJid: string, protocolMessage: proto.Message.IProtocolMessage): Promise<string> {
    return this.sendMessage(phoneNumber, deviceJid, { protocolMessage });
  }

  /** Sends any message from the phone to one of its companions (a peer message); resolves with its id. */
  sendMessage(phoneNumber: string, deviceJid: string, message: proto.IMessage): Promise<string> {
    const phone = this.state.findPhone(phoneNumber);
    const target = this.state.resolve(deviceJid);
    if (!phone || !target?.device || target.phone !== phone) {
      return Promise.reject(new Error(`${deviceJid} is not a companion of ${phoneNumber}`));
    }
    const device = target.device;
    const run = (this.queues.get(phoneNumber) ?? Promise.resolve()).then(() => this.encryptAndDeliver(phone, device, message));
    this.queues.set(phoneNumber, run.catch(() => undefined));
    return run;
  }

  private async encryptAndDeliver(phone: PhoneRecord, device: DeviceRecord, message: proto.IMessage): Promise<string> {
    const repository = this.repository(phone);
    const address = pnJid(phone, device.id);
    if (!(await repository.validateSession(address)).exists) {
      // what a phone does too: fetch the companion's bundle (one one-time pre-key) and start a session
      const list: BinaryNode = { tag: "list", attrs: {}, content: [this.keys.bundle(address, device)] };
      await parseAndInjectE2ESessions({ tag: "iq", attrs: {}, content: [list] }, repository);
    }
    const plaintext = writeRandomPadMax16(proto.Message.encode(message).finish());
    const { type, ciphertext } = await repository.encryptMessage({ jid: address, data: plaintext });
    const id = randomBytes(10).toString("hex").toUpperCase();
    this.deliver(phone, device, {
      tag: "message",
      attrs: { from: pnJid(phone), id, t: now(), type: "text", category: "peer", sender_lid: lidJid(phone) },
      content: [{ tag: "enc", attrs: { v: "2", type }, content: ciphertext }],
    });
    this.logger.debug({ phone: phone.phoneNumber, device: device.id, id, type }, "phone sent a peer message");
    return id;
  }

  /**
   * Decrypts a peer message a companion sent to its phone (`<enc>` of a `category="peer"` stanza,
   * e.g. a history request). The companion answers on the session the phone started, so this is a
   * `msg` the phone's own session state opens; after a simulator restart (sessions are in memory)
   * it cannot, and the caller logs that.
   */
  async decryptFromCompanion(phone: PhoneRecord, device: DeviceRecord, enc: BinaryNode): Promise<proto.IMessage> {
    const run = (this.queues.get(phone.phoneNumber) ?? Promise.resolve()).then(async () => {
      const type = enc.attrs.type as "pkmsg" | "msg";
      const plaintext = await this.repository(phone).decryptMessage({ jid: pnJid(phone, device.id), type, ciphertext: enc.content as Uint8Array });
      // the sender padded with 1–16 bytes, each holding the pad length (writeRandomPadMax16)
      const bytes = new Uint8Array(plaintext);
      return proto.Message.decode(bytes.subarray(0, bytes.length - bytes[bytes.length - 1]));
    });
    this.queues.set(phone.phoneNumber, run.catch(() => undefined));
    return run;
  }

  /**
   * The app-state sync key the phone encrypts its own patches with and shares with every
   * companion; created on first use and kept with the simulator's state.
   */
  appStateKey(phone: PhoneRecord): AppStateKey {
    if (!phone.appStateKey) {
      phone.appStateKey = { keyId: randomBytes(6), keyData: randomBytes(32), timestamp: Date.now() };
      this.state.changed();
    }
    return phone.appStateKey;
  }

  /** The app-state sync key of the phone `phoneNumber` (made on first use). */
  appStateKeyOf(phoneNumber: string): AppStateKey {
    return this.appStateKey(this.state.phone(phoneNumber));
  }

  /** `protocolMessage.appStateSyncKeyShare`: without it a companion can neither read nor write app state. */
  async shareAppStateKey(phone: PhoneRecord, device: DeviceRecord): Promise<string> {
    const key = this.appStateKey(phone);
    return this.sendProtocolMessage(phone.phoneNumber, pnJid(phone, device.id), {
      type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE,
      appStateSyncKeyShare: {
        keys: [
          {
            keyId: { keyId: key.keyId },
            keyData: {
              keyData: key.keyData,
              fingerprint: { rawId: phone.primary.registrationId, currentIndex: 0, deviceIndexes: [0, ...phone.devices.keys()] },
              timestamp: key.timestamp,
            },
          },
        ],
      },
    });
  }

  /** The phone's own Signal state: the account key as identity, the primary's registration id. */
  private repository(phone: PhoneRecord): SignalRepositoryWithLIDStore {
    let repository = this.repositories.get(phone.phoneNumber);
    if (!repository) {
      const creds = {
        ...initAuthCreds(),
        signedIdentityKey: { public: Buffer.from(phone.accountKey.public), private: Buffer.from(phone.accountKey.private) },
        registrationId: phone.primary.registrationId,
      };
      const keys = addTransactionCapability(memoryKeyStore(), this.logger, { maxCommitRetries: 1, delayBetweenTriesMs: 0 });
      repository = DEFAULT_CONNECTION_CONFIG.makeSignalRepository({ creds, keys }, this.logger);
      this.repositories.set(phone.phoneNumber, repository);
    }
    return repository;
  }
}
