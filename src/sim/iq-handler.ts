import { randomBytes } from "node:crypto";
import {
  type BinaryNode,
  binaryNodeToString,
  getAllBinaryNodeChildren,
  getBinaryNodeChild,
  getBinaryNodeChildren,
  jidDecode,
  S_WHATSAPP_NET,
} from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import type { AppStateServer } from "./app-state.js";
import type { DeviceConnection } from "./device-connection.js";
import { type Groups, IqError } from "./groups.js";
import type { KeyStore } from "./key-store.js";
import { lidJid, pnJid, type PhoneRecord, type SimState } from "./sim-state.js";

/** Where the media host lives and the token Baileys must present (`iq w:m <media_conn/>`). */
export interface MediaConnInfo {
  hostname: string;
  auth: string;
  maxUploadBytes: number;
}

/**
 * Answers the iqs a logged-in Baileys client sends, with the shapes Baileys' parsers expect.
 * Unknown iqs get an empty `result` (and are logged), so the client never waits for a timeout.
 */
export class IqHandler {
  /** Every iq that had no specific handler, as XML, for tests and debugging. */
  readonly unknownIqs: string[] = [];
  /** usync queries with the `contact` protocol (is this number on WhatsApp?), by the asking phone's number. */
  readonly contactQueries = new Map<string, number>();

  constructor(
    private readonly state: SimState,
    private readonly keys: KeyStore,
    private readonly groups: Groups,
    private readonly media: () => MediaConnInfo | undefined,
    /** The client unlinks itself (`sock.logout()`): the simulator forgets the device. */
    private readonly removeDevice: (conn: DeviceConnection) => void,
    /** Stores a profile picture on the media host and returns its URL (undefined without a media host). */
    private readonly publishPicture: (bytes: Buffer) => string | undefined,
    /** Tells every other device that a user's profile changed (a `picture` or `status` notification). */
    private readonly announceProfile: (phone: PhoneRecord, except: DeviceConnection, type: "picture" | "status", change: BinaryNode) => void,
    private readonly appState: AppStateServer,
    private readonly logger: Logger,
  ) {}

  /** Handles a client iq (`get`/`set`) and sends the answer. */
  handle(conn: DeviceConnection, iq: BinaryNode): void {
    const from = iq.attrs.to && iq.attrs.to !== S_WHATSAPP_NET ? iq.attrs.to : S_WHATSAPP_NET;
    let content: BinaryNode[];
    try {
      content = this.answer(conn, iq);
    } catch (err) {
      if (!(err instanceof IqError)) throw err;
      conn.sendNode({
        tag: "iq",
        attrs: { from, type: "error", id: iq.attrs.id! },
        content: [{ tag: "error", attrs: { code: String(err.code), text: err.text } }],
      });
      return;
    }
    conn.sendNode({
      tag: "iq",
      attrs: { from, type: "result", id: iq.attrs.id! },
      content: content.length ? content : undefined,
    });
  }

  private answer(conn: DeviceConnection, iq: BinaryNode): BinaryNode[] {
    const [child] = getAllBinaryNodeChildren(iq);
    const xmlns = iq.attrs.xmlns;
    const owner = conn.owner;
    if (xmlns === "w:g2" && owner) {
      const answer = this.groups.answer({ phone: owner.phone, deviceId: owner.device.id }, iq);
      if (answer) return answer;
    }
    switch (`${xmlns}/${child?.tag ?? ""}`) {
      case "encrypt/count":
        return [{ tag: "count", attrs: { value: String(owner?.device.preKeys.size ?? 0) } }];
      case "encrypt/registration":
      case "encrypt/list":
      case "encrypt/identity":
        if (owner) this.keys.upload(owner.device, iq);
        return [];
      case "encrypt/rotate":
        if (owner) this.keys.rotate(owner.device, child!);
        return [];
      case "encrypt/digest":
        // Baileys only checks that a digest is present; a mismatch would make it re-upload
        return [{ tag: "digest", attrs: {} }];
      case "encrypt/key":
        return [this.keyBundles(child!)];
      case "usync/usync":
        return [this.usync(child!, owner?.phone)];
      case "passive/active":
      case "passive/passive":
      case "w:p/ping":
      case "w:stats/add":
      case "urn:xmpp:whatsapp:dirty/clean":
        return [];
      case "w:profile:picture/picture":
        if (iq.attrs.type === "set") {
          if (owner) this.setPicture(conn, owner.phone, child!);
          return [];
        }
        return this.picture(owner?.phone, iq.attrs.target, child!);
      case "w:profile:picture/":
        // a set without a picture removes it
        if (owner && iq.attrs.type === "set" && !iq.attrs.target && owner.phone.picture) {
          owner.phone.picture = undefined;
          this.state.changed();
          this.announceProfile(owner.phone, conn, "picture", { tag: "delete", attrs: { jid: pnJid(owner.phone) } });
        }
        return [];
      case "status/status":
        if (owner && iq.attrs.type === "set") {
          const text = Buffer.from((child!.content as Uint8Array | string | undefined) ?? "").toString("utf8");
          owner.phone.about = { text, t: Math.floor(Date.now() / 1000) };
          this.state.changed();
          this.announceProfile(owner.phone, conn, "status", { tag: "set", attrs: {}, content: Buffer.from(text, "utf8") });
        }
        return [];
      case "abt/props":
        return [{ tag: "props", attrs: { protocol: "1", hash: "sim-props-1" } }];
      case "blocklist/":
        return [this.blocklist(owner?.phone)];
      case "blocklist/item":
        if (owner) this.updateBlocklist(owner.phone, child!);
        return [];
      case "privacy/privacy":
        if (iq.attrs.type === "get") return [this.privacySettings(owner?.phone)];
        if (owner) this.setPrivacy(owner.phone, child!);
        return [];
      case "privacy/tokens":
        return [this.issueTokens(child!)];
      case "w:m/media_conn":
        return [this.mediaConn()];
      case "w:sync:app:state/sync":
        if (!owner) throw new IqError(401, "not logged in");
        return this.appState.answer(owner.phone, owner.device, iq);
      case "md/remove-companion-device":
        this.removeDevice(conn);
        return [];
      default:
        this.unknownIqs.push(binaryNodeToString(iq));
        this.logger.info({ xml: binaryNodeToString(iq) }, "unhandled iq answered with empty result");
        return [];
    }
  }

  /** `encrypt get <key><user jid/>…</key>`: one bundle per known device (the phone included); unknown ones are left out. */
  private keyBundles(key: BinaryNode): BinaryNode {
    const users: BinaryNode[] = [];
    for (const user of getBinaryNodeChildren(key, "user")) {
      const jid = user.attrs.jid!;
      const resolved = this.state.resolve(jid);
      // device 0 is the phone itself: companions encrypt "peer" messages (e.g. placeholder resend requests) to it
      const device = resolved?.deviceId === 0 ? resolved.phone.primary : resolved?.device;
      if (device) users.push(this.keys.bundle(jid, device));
    }
    return { tag: "list", attrs: {}, content: users };
  }

  /**
   * A phone's own picture (groups have none on the simulator); the group target is only for its
   * members. Everyone else is told, as WhatsApp tells a user's contacts, with the new picture's id.
   */
  private setPicture(conn: DeviceConnection, phone: PhoneRecord, picture: BinaryNode): void {
    const bytes = picture.content instanceof Uint8Array ? Buffer.from(picture.content) : undefined;
    const url = bytes && this.publishPicture(bytes);
    if (!url) return;
    // ids only grow, also for two pictures set within one millisecond
    const id = String(Math.max(Date.now(), Number(phone.picture?.id ?? 0) + 1));
    phone.picture = { id, url };
    this.state.changed();
    this.announceProfile(phone, conn, "picture", { tag: "set", attrs: { jid: pnJid(phone), id } });
  }

  /**
   * `w:profile:picture get target=…`: the picture's id and URL, or no `<picture>` (Baileys: no URL)
   * when none is set or its owner shows it to nobody (the simulator keeps no address books, so
   * "contacts" audiences see it like everyone).
   */
  private picture(asker: PhoneRecord | undefined, target: string | undefined, query: BinaryNode): BinaryNode[] {
    const owner = target ? this.state.resolve(target)?.phone : undefined;
    const picture = owner?.picture;
    if (!picture || (owner !== asker && owner.privacy?.profile === "none")) return [];
    return [{ tag: "picture", attrs: { id: picture.id, type: query.attrs.type ?? "preview", url: picture.url } }];
  }

  /** The phone's block list, each blocked contact by LID (as WhatsApp names them now) with its phone-number JID. */
  private blocklist(phone: PhoneRecord | undefined): BinaryNode {
    const items = [...(phone?.blocked ?? [])].map((number): BinaryNode => {
      const blocked = this.state.findPhone(number);
      const attrs: Record<string, string> = blocked ? { jid: lidJid(blocked), pn_jid: pnJid(blocked) } : { jid: `${number}@s.whatsapp.net` };
      return { tag: "item", attrs };
    });
    return { tag: "list", attrs: {}, content: items };
  }

  /**
   * `blocklist set <item action="block|unblock" jid=LID pn_jid=…/>`: changes the phone's list. (WhatsApp
   * also tells the phone's other devices; the simulator does not yet.)
   */
  private updateBlocklist(phone: PhoneRecord, item: BinaryNode): void {
    const target = this.state.resolve(item.attrs.pn_jid ?? item.attrs.jid ?? "");
    const number = target?.phone.phoneNumber ?? jidDecode(item.attrs.pn_jid ?? item.attrs.jid ?? "")?.user;
    if (!number) return;
    if (item.attrs.action === "block") phone.blocked.add(number);
    else phone.blocked.delete(number);
    this.state.changed();
  }

  /** usync: devices (companions with key indexes), LID mapping and contact existence. */
  private usync(usync: BinaryNode, asker: PhoneRecord | undefined): BinaryNode {
    const protocols = getAllBinaryNodeChildren(getBinaryNodeChild(usync, "query") ?? { tag: "query", attrs: {} }).map((p) => p.tag);
    if (asker && protocols.includes("contact")) this.contactQueries.set(asker.phoneNumber, (this.contactQueries.get(asker.phoneNumber) ?? 0) + 1);
    const users: BinaryNode[] = [];
    for (const user of getBinaryNodeChildren(getBinaryNodeChild(usync, "list"), "user")) {
      const contact = getBinaryNodeChild(user, "contact");
      let jid = user.attrs.jid;
      let phone: PhoneRecord | undefined;
      if (jid) {
        phone = this.state.resolve(jid)?.phone;
      } else if (contact?.content) {
        const digits = Buffer.from(contact.content as Uint8Array).toString().replace(/\D/g, "");
        phone = this.state.findPhone(digits);
        jid = `${digits}@s.whatsapp.net`;
      }
      if (!jid) continue;
      const content: BinaryNode[] = [];
      for (const protocol of protocols) {
        if (protocol === "devices") content.push(this.deviceList(phone));
        else if (protocol === "lid" && phone && !jid.endsWith("@lid")) content.push({ tag: "lid", attrs: { val: lidJid(phone) } });
        else if (protocol === "contact") content.push({ tag: "contact", attrs: { type: phone ? "in" : "out" } });
        else if (protocol === "status") content.push(this.about(phone, asker));
      }
      users.push({ tag: "user", attrs: { jid: phone && !jid.endsWith("@lid") ? pnJid(phone) : jid }, content });
    }
    return {
      tag: "usync",
      attrs: { ...usync.attrs },
      content: [
        { tag: "result", attrs: {} },
        { tag: "list", attrs: {}, content: users },
      ],
    };
  }

  /** usync status protocol: the about text with the time it was set; an empty node when none is set or it is shown to nobody. */
  private about(phone: PhoneRecord | undefined, asker: PhoneRecord | undefined): BinaryNode {
    if (!phone?.about || (phone !== asker && phone.privacy?.status === "none")) return { tag: "status", attrs: {} };
    return { tag: "status", attrs: { t: String(phone.about.t) }, content: Buffer.from(phone.about.text, "utf8") };
  }

  /**
   * The phone's devices: the primary (device 0, the phone itself, listed first and without a key
   * index, as WhatsApp does) and its companions. Senders encrypt for the phone too; the relay
   * drops what is addressed to it, as for a phone that is off. Leaving it out made a companion's
   * own user look as if it had no other device: Baileys caches only non-empty device lists, so it
   * asked again before every send and renewed its session with its own phone each time.
   */
  private deviceList(phone: PhoneRecord | undefined): BinaryNode {
    const devices = phone ? [...phone.devices.values()] : [];
    return {
      tag: "devices",
      attrs: {},
      content: [
        {
          tag: "device-list",
          attrs: {},
          content: [
            ...(phone ? [{ tag: "device", attrs: { id: "0" } }] : []),
            ...devices.map((d) => ({ tag: "device", attrs: { id: String(d.id), "key-index": String(d.keyIndex) } })),
          ],
        },
      ],
    };
  }

  /**
   * Trusted-contact tokens (`tctoken`) a client issues after messaging a contact. The server
   * answers with the opaque token it minted; the simulator mints random ones and checks none.
   */
  private issueTokens(tokens: BinaryNode): BinaryNode {
    return {
      tag: "tokens",
      attrs: {},
      content: getBinaryNodeChildren(tokens, "token").map((token) => ({
        tag: "token",
        attrs: { jid: token.attrs.jid!, t: token.attrs.t ?? String(Math.floor(Date.now() / 1000)), type: "trusted_contact" },
        content: randomBytes(16),
      })),
    };
  }

  /** `privacy set <privacy><category name=… value=…/></privacy>`: the phone's setting changes. */
  private setPrivacy(phone: PhoneRecord, privacy: BinaryNode): void {
    const changes = getBinaryNodeChildren(privacy, "category").filter((c) => c.attrs.name && c.attrs.value);
    if (!changes.length) return;
    phone.privacy = { ...phone.privacy, ...Object.fromEntries(changes.map((c) => [c.attrs.name!, c.attrs.value!])) };
    this.state.changed();
  }

  /** The phone's privacy settings: WhatsApp's defaults, overridden by what the phone set. */
  private privacySettings(phone: PhoneRecord | undefined): BinaryNode {
    const settings: Record<string, string> = {
      readreceipts: "all",
      last: "all",
      online: "all",
      profile: "all",
      status: "all",
      groupadd: "all",
      calladd: "all",
      ...phone?.privacy,
    };
    return {
      tag: "privacy",
      attrs: {},
      content: Object.entries(settings).map(([name, value]) => ({ tag: "category", attrs: { name, value } })),
    };
  }

  private mediaConn(): BinaryNode {
    const media = this.media();
    return {
      tag: "media_conn",
      attrs: { auth: media?.auth ?? "", ttl: "300", auth_ttl: "3600", max_buckets: "12" },
      content: media ? [{ tag: "host", attrs: { hostname: media.hostname, maxContentLengthBytes: String(media.maxUploadBytes) } }] : [],
    };
  }
}
