import { randomInt } from "node:crypto";
import { Curve, hmacSign, proto, WA_ADV_ACCOUNT_SIG_PREFIX } from "@whiskeysockets/baileys";
import type { PhoneRecord } from "./sim-state.js";

/** What a phone reads from a linking QR code (see Baileys' `buildPairingQRData`). */
export interface ScannedQr {
  ref: string;
  noiseKey: Buffer;
  identityKey: Buffer;
  advSecret: Buffer;
}

/**
 * The simulated primary phone's side of linking: it reads the QR exactly as a phone would and
 * vouches for the new companion with its account key, as WhatsApp's ADV protocol requires.
 */
export class SimulatedPhone {
  constructor(readonly record: PhoneRecord) {}

  /**
   * Parses the QR string. Baileys 7 emits `https://wa.me/settings/linked_devices#ref,noise,identity,adv[,platform]`;
   * older clients emit the bare comma list, so both are accepted.
   */
  static scanQr(qr: string): ScannedQr {
    const data = qr.includes("#") ? qr.slice(qr.indexOf("#") + 1) : qr;
    const [ref, noise, identity, adv] = data.split(",");
    if (!ref || !noise || !identity || !adv) throw new Error("not a WhatsApp linking QR code");
    const noiseKey = Buffer.from(noise, "base64");
    const identityKey = Buffer.from(identity, "base64");
    const advSecret = Buffer.from(adv, "base64");
    if (noiseKey.length !== 32 || identityKey.length !== 32 || advSecret.length !== 32) {
      throw new Error("QR code keys have the wrong length");
    }
    return { ref, noiseKey, identityKey, advSecret };
  }

  /**
   * Builds the `ADVSignedDeviceIdentityHMAC` for a new companion: device details signed by the
   * account key over (prefix ‖ details ‖ companion identity), HMAC'd with the companion's ADV secret.
   */
  signCompanion(keyIndex: number, companionIdentity: Uint8Array, advSecret: Uint8Array): Uint8Array {
    const details = proto.ADVDeviceIdentity.encode({
      rawId: randomInt(1, 2 ** 31),
      timestamp: Math.floor(Date.now() / 1000),
      keyIndex,
    }).finish();
    const accountSignature = Curve.sign(
      this.record.accountKey.private,
      Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, details, companionIdentity]),
    );
    const signed = proto.ADVSignedDeviceIdentity.encode({
      details,
      accountSignatureKey: this.record.accountKey.public,
      accountSignature,
    }).finish();
    return proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac: hmacSign(signed, Buffer.from(advSecret)) }).finish();
  }
}
