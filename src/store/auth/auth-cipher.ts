import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { AuthStateKeyError } from "../auth-state.js";

/**
 * Sealed layout: format(1) | keyId(4) | iv(12) | tag(16) | ciphertext.
 * The key id is a fingerprint of the master key rather than a counter, so that rotation needs
 * no coordination: any process holding the old key as "previous" can read old rows, and a
 * missing key is named in the error.
 */
const FORMAT = 1;
const HEADER = 1 + 4 + 12 + 16;

interface MasterKey {
  id: Buffer;
  secret: Buffer;
}

/** AES-256-GCM with a per-account key derived (HKDF-SHA256) from a master key. */
export class AuthCipher {
  readonly #current: MasterKey;
  readonly #all: MasterKey[];
  // Derivation is cheap but not free; Baileys reads keys on every message.
  readonly #derived = new Map<string, Buffer>();

  /** `previous` keys are only used to read rows written before a rotation. */
  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new RangeError("auth state master keys must be 32 bytes");
    }
    this.#current = toMaster(current);
    this.#all = [this.#current, ...previous.map(toMaster)];
  }

  /** Hex fingerprint of the current master key (safe to log). */
  get keyId(): string {
    return this.#current.id.toString("hex");
  }

  /**
   * A key for another purpose (e.g. signing download URLs), derived from the current master
   * key: the same on every process given the same AUTH_STATE_KEY, useless for auth state.
   */
  purposeKey(purpose: string): Buffer {
    return Buffer.from(hkdfSync("sha256", this.#current.secret, "wildcat purpose key", purpose, 32));
  }

  seal(accountId: string, type: string, id: string, plaintext: Uint8Array): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key(this.#current, accountId), iv);
    cipher.setAAD(aad(accountId, type, id));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT), this.#current.id, iv, cipher.getAuthTag(), body]);
  }

  open(accountId: string, type: string, id: string, sealed: Uint8Array): Buffer {
    const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const where = `auth state ${type}/${id} of account ${accountId}`;
    if (buf.length < HEADER || buf[0] !== FORMAT) throw new AuthStateKeyError(`${where} is not in a known format`);
    const keyId = buf.subarray(1, 5);
    const master = this.#all.find((k) => k.id.equals(keyId));
    if (!master) {
      throw new AuthStateKeyError(
        `${where} was encrypted with master key ${keyId.toString("hex")}, but AUTH_STATE_KEY is ${this.keyId}` +
          ` (and no previous key matches): configure the key it was written with; the session was NOT reset`,
      );
    }
    const decipher = createDecipheriv("aes-256-gcm", this.#key(master, accountId), buf.subarray(5, 17));
    decipher.setAAD(aad(accountId, type, id));
    decipher.setAuthTag(buf.subarray(17, HEADER));
    try {
      return Buffer.concat([decipher.update(buf.subarray(HEADER)), decipher.final()]);
    } catch {
      throw new AuthStateKeyError(`${where} failed authentication: it was altered, or moved from another row or account`);
    }
  }

  /** Whether a sealed value was written with an older master key. */
  isStale(sealed: Uint8Array): boolean {
    return !Buffer.from(sealed.buffer, sealed.byteOffset + 1, 4).equals(this.#current.id);
  }

  #key(master: MasterKey, accountId: string): Buffer {
    const cacheKey = `${master.id.toString("hex")}:${accountId}`;
    let key = this.#derived.get(cacheKey);
    if (!key) {
      key = Buffer.from(hkdfSync("sha256", master.secret, "wildcat auth state", `account:${accountId}`, 32));
      this.#derived.set(cacheKey, key);
    }
    return key;
  }
}

function toMaster(secret: Buffer): MasterKey {
  return { secret, id: createHmac("sha256", secret).update("wildcat auth state key id").digest().subarray(0, 4) };
}

// Binds a ciphertext to its row, so a row copied onto another id or account does not decrypt.
function aad(accountId: string, type: string, id: string): Buffer {
  return Buffer.from(JSON.stringify(["wildcat-auth-v1", accountId, type, id]));
}
