import { createHmac, timingSafeEqual } from "node:crypto";

const TOKEN = /^([0-9a-f]{16})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/**
 * Signed download URLs: `/media/{id}?token=<key id>.<expiry, unix seconds>.<HMAC>`. The HMAC
 * binds the file, the key that asked and the expiry, so a token works for one file, until it
 * expires, and (checked by the caller) only while that key works and may see the file.
 */
export class DownloadUrls {
  constructor(private readonly secret: Buffer) {}

  create(mediaId: string, keyId: string, expireTime: Date): string {
    const exp = Math.floor(expireTime.getTime() / 1000);
    return `/media/${mediaId}?token=${keyId}.${exp}.${this.#sign(mediaId, keyId, exp)}`;
  }

  /** The key id a valid, unexpired token for this file was made for; undefined otherwise. */
  verify(mediaId: string, token: string, now: Date): string | undefined {
    const m = TOKEN.exec(token);
    if (!m) return undefined;
    const [, keyId, expRaw, mac] = m;
    const exp = Number(expRaw);
    const expected = Buffer.from(this.#sign(mediaId, keyId, exp));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return exp * 1000 > now.getTime() ? keyId : undefined;
  }

  #sign(mediaId: string, keyId: string, exp: number): string {
    return createHmac("sha256", this.secret).update(`wildcat download url\n${mediaId}\n${keyId}\n${exp}`).digest("base64url");
  }
}
