import {
  type BinaryNode,
  getBinaryNodeChild,
  getBinaryNodeChildBuffer,
  getBinaryNodeChildren,
  KEY_BUNDLE_TYPE,
} from "@whiskeysockets/baileys";
import { type DeviceRecord, type SimState, topUpPrimaryPreKeys } from "./sim-state.js";

const bigEndian = (value: number, bytes: number) => {
  const out = Buffer.alloc(bytes);
  out.writeUIntBE(value, 0, bytes);
  return out;
};

/**
 * Signal key material the server keeps per device: what `iq encrypt set` uploads, and the bundles
 * `iq encrypt get <key>` hands out (each one-time pre-key at most once, like the real server).
 */
export class KeyStore {
  constructor(private readonly state: SimState) {}

  /** Pre-key upload (`getNextPreKeysNode`): registration id, identity, `<list>` of keys and `<skey>`. */
  upload(device: DeviceRecord, iq: BinaryNode): void {
    const registration = getBinaryNodeChildBuffer(iq, "registration");
    if (registration) device.registrationId = Buffer.from(registration).readUInt32BE(0);
    const identity = getBinaryNodeChildBuffer(iq, "identity");
    if (identity) device.identityKey = Buffer.from(identity);
    for (const key of getBinaryNodeChildren(getBinaryNodeChild(iq, "list"), "key")) {
      const id = Buffer.from(getBinaryNodeChildBuffer(key, "id")!).readUIntBE(0, 3);
      device.preKeys.set(id, Buffer.from(getBinaryNodeChildBuffer(key, "value")!));
    }
    const skey = getBinaryNodeChild(iq, "skey");
    if (skey) this.setSignedPreKey(device, skey);
    this.state.changed();
  }

  /** Signed pre-key rotation (`<rotate><skey/></rotate>`). */
  rotate(device: DeviceRecord, rotate: BinaryNode): void {
    const skey = getBinaryNodeChild(rotate, "skey");
    if (skey) this.setSignedPreKey(device, skey);
    this.state.changed();
  }

  private setSignedPreKey(device: DeviceRecord, skey: BinaryNode): void {
    device.signedPreKey = {
      id: Buffer.from(getBinaryNodeChildBuffer(skey, "id")!).readUIntBE(0, 3),
      public: Buffer.from(getBinaryNodeChildBuffer(skey, "value")!),
      signature: Buffer.from(getBinaryNodeChildBuffer(skey, "signature")!),
    };
  }

  /** A device's key bundle as `parseAndInjectE2ESessions` reads it, consuming one one-time pre-key. */
  bundle(jid: string, device: DeviceRecord): BinaryNode {
    const content: BinaryNode[] = [
      { tag: "registration", attrs: {}, content: bigEndian(device.registrationId, 4) },
      { tag: "type", attrs: {}, content: KEY_BUNDLE_TYPE },
      { tag: "identity", attrs: {}, content: Buffer.from(device.identityKey) },
      {
        tag: "skey",
        attrs: {},
        content: [
          { tag: "id", attrs: {}, content: bigEndian(device.signedPreKey.id, 3) },
          { tag: "value", attrs: {}, content: Buffer.from(device.signedPreKey.public) },
          { tag: "signature", attrs: {}, content: Buffer.from(device.signedPreKey.signature) },
        ],
      },
    ];
    if (device.id === 0) topUpPrimaryPreKeys(device);
    const first = device.preKeys.entries().next();
    if (!first.done) {
      const [id, value] = first.value;
      device.preKeys.delete(id);
      this.state.changed();
      content.push({
        tag: "key",
        attrs: {},
        content: [
          { tag: "id", attrs: {}, content: bigEndian(id, 3) },
          { tag: "value", attrs: {}, content: Buffer.from(value) },
        ],
      });
    }
    return { tag: "user", attrs: { jid }, content };
  }
}
