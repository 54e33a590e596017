import { Curve, proto } from "@whiskeysockets/baileys";

/** A Curve25519 key pair as Baileys' `Curve` produces it (32-byte public key, no version byte). */
export interface KeyPair {
  public: Uint8Array;
  private: Uint8Array;
}

/** Baileys rejects an intermediate whose issuer serial differs from `WA_CERT_DETAILS.SERIAL` (0). */
const ROOT_SERIAL = 0;
const INTERMEDIATE_SERIAL = 1;

/**
 * The simulator's Noise certificate chain: root → intermediate → leaf (the server's static key).
 * Baileys checks the intermediate against its trusted root and the leaf against the intermediate,
 * so clients trust the simulator once `trustSimulatorRoot(root.public)` ran in their process.
 */
export class CertChain {
  private constructor(
    readonly root: KeyPair,
    readonly serverStatic: KeyPair,
    /** Encoded `proto.CertChain`, sent (encrypted) in the server hello. */
    readonly encoded: Uint8Array,
  ) {}

  /** Issues a fresh intermediate and leaf under `root` (a new root when none is given). */
  static issue(root: KeyPair = Curve.generateKeyPair()): CertChain {
    const intermediate = Curve.generateKeyPair();
    const serverStatic = Curve.generateKeyPair();
    const now = Math.floor(Date.now() / 1000);
    const yearSeconds = 365 * 24 * 3600;
    const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
      serial: INTERMEDIATE_SERIAL,
      issuerSerial: ROOT_SERIAL,
      key: intermediate.public,
      notBefore: now - 60,
      notAfter: now + yearSeconds,
    }).finish();
    const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
      serial: 2,
      issuerSerial: INTERMEDIATE_SERIAL,
      key: serverStatic.public,
      notBefore: now - 60,
      notAfter: now + yearSeconds,
    }).finish();
    const encoded = proto.CertChain.encode({
      intermediate: { details: intermediateDetails, signature: Curve.sign(root.private, intermediateDetails) },
      leaf: { details: leafDetails, signature: Curve.sign(intermediate.private, leafDetails) },
    }).finish();
    return new CertChain(root, serverStatic, encoded);
  }
}
