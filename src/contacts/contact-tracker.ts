import { KeyedMutex } from "../store/keyed-mutex.js";
import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type BinaryNode,
  type Contact,
  getAllBinaryNodeChildren,
  isJidGroup,
  isLidUser,
  isPnUser,
  jidNormalizedUser,
  type WASocket,
} from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import { EventSchema } from "../../gen/wildcat/v1/event_pb.js";
import type { Clock } from "../clock.js";
import { WIRE_EVENT_TYPES } from "../events/event-types.js";
import type { ContactIds, ContactPatch, ContactRecord, ContactStore, ContactUpsert } from "../store/contacts.js";
import type { EventLog } from "../store/events.js";
import { MediaTooLargeError, type MediaStore } from "../store/media.js";
import { AlreadyExistsError } from "../store/store.js";
import { selfOf } from "../groups/group-tracker.js";
import { toContactDetails } from "./contact-mapping.js";
import { jidForms } from "../whatsapp/jid-forms.js";

export interface ContactTrackerDeps {
  contacts: ContactStore;
  media: MediaStore;
  events: EventLog;
  clock: Clock;
  logger: Logger;
  /** Largest profile picture fetched into the media store (PROFILE_PICTURE_MAX_BYTES). */
  maxPictureBytes: number;
  /** Options for fetching picture URLs (the simulator's CA in sandbox and tests). */
  fetchOptions?: RequestInit;
}

/**
 * Keeps the contact store current from what WhatsApp tells an account about people, and puts
 * each change on the event log (CONTACT_UPDATED): push names (Baileys' `contacts.update` from
 * received messages), address-book names (`contacts.upsert` from contact sync), and the
 * `picture` / `status` notifications a contact's profile change sends, on which the new picture
 * is fetched into the media store and the new about text read. Each account's updates are
 * handled one at a time, in the order they came.
 */
export class ContactTracker {
  private readonly queue = new KeyedMutex();

  constructor(private readonly deps: ContactTrackerDeps) {}

  /** Wires a new socket of the account. */
  attach(accountId: string, sock: WASocket): void {
    sock.ev.on("contacts.upsert", (contacts) => this.serial(accountId, () => this.onContacts(accountId, sock, contacts, true)));
    sock.ev.on("contacts.update", (updates) => this.serial(accountId, () => this.onContacts(accountId, sock, updates, false)));
    // The stanza, not Baileys' contacts.update: that one drops the picture's id, and Baileys does
    // not report about-text changes at all.
    sock.ws.on("CB:notification", (node: BinaryNode) => {
      const type = node.attrs.type;
      const from = node.attrs.from;
      if ((type !== "picture" && type !== "status") || !from || isJidGroup(from) || !(isPnUser(from) || isLidUser(from))) return;
      const jid = jidNormalizedUser(from);
      // the account's own profile (changed on its phone) is no contact
      if (selfOf(sock).includes(jid)) return;
      this.serial(accountId, async () => {
        if (type === "status") {
          await this.refreshAbout(accountId, sock, jid);
          return;
        }
        const [change] = getAllBinaryNodeChildren(node);
        if (change?.tag === "delete") await this.announce(await this.save(accountId, await jidForms(sock, jid), noPicture(this.deps.clock.now())));
        else if (change?.tag === "set") await this.refreshPicture(accountId, sock, jid, change.attrs.id);
      });
    });
  }

  /**
   * Reads the contact's current picture from WhatsApp and stores it: the bytes into the media
   * store (one file per content: the same picture keeps its media id), the record updated, an
   * event when something changed. No picture (or one hidden from the account) clears it.
   */
  async refreshPicture(accountId: string, sock: WASocket, jid: string, pictureId?: string, knownUrl?: string | null): Promise<ContactRecord> {
    const ids = await jidForms(sock, jid);
    const url = knownUrl === undefined ? await pictureUrl(sock, ids.pnJid ?? ids.lidJid!) : knownUrl;
    const now = this.deps.clock.now();
    if (!url) return this.announce(await this.save(accountId, ids, noPicture(now)));
    let bytes: Buffer;
    try {
      bytes = await this.download(url);
    } catch (e) {
      if (!(e instanceof MediaTooLargeError)) throw e;
      // the contact has a picture the gateway will not keep: the record must not name the old one
      this.deps.logger.warn({ accountId, contact: jid, maxBytes: e.maxBytes }, "a contact's profile picture is over PROFILE_PICTURE_MAX_BYTES: not stored");
      return this.announce(await this.save(accountId, ids, { ...noPicture(now), ...(pictureId ? { pictureId } : {}) }));
    }
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const stored = await this.deps.contacts.get(accountId, ids.pnJid ?? ids.lidJid!);
    // stored again even when the record names it: someone may have deleted the file
    const mediaId = await this.storePicture(accountId, bytes, sha256, now);
    const patch: ContactPatch = stored?.pictureMediaId === mediaId ? {} : { pictureMediaId: mediaId, pictureTime: now };
    if (pictureId) patch.pictureId = pictureId;
    return this.announce(await this.save(accountId, ids, patch));
  }

  /**
   * Stores a profile just read from WhatsApp (GetContactProfile): the about text, and the picture
   * behind `pictureUrl` (none: no picture). A picture that cannot be fetched is logged and left as
   * stored, so the caller still gets its answer; returns the contact after it.
   */
  async storeProfile(accountId: string, sock: WASocket, ids: ContactIds, about: string, setAt: Date | undefined, pictureUrl: string | undefined): Promise<ContactRecord> {
    const stored = await this.storeAbout(accountId, ids, about, setAt);
    try {
      return await this.refreshPicture(accountId, sock, stored.jid, undefined, pictureUrl ?? null);
    } catch (e) {
      this.deps.logger.warn({ err: e, accountId, contact: stored.jid }, "a contact's profile picture could not be stored");
      return stored;
    }
  }

  /** Reads the contact's about text from WhatsApp and stores it (an event when it changed). */
  async refreshAbout(accountId: string, sock: WASocket, jid: string): Promise<ContactRecord> {
    const ids = await jidForms(sock, jid);
    const [entry] = (await sock.fetchStatus(ids.pnJid ?? ids.lidJid!)) ?? [];
    const status = entry?.status as { status?: string | null; setAt?: Date } | undefined;
    return this.storeAbout(accountId, ids, status?.status ?? "", status?.setAt);
  }

  /** Stores an about text already read from WhatsApp (empty: none). */
  async storeAbout(accountId: string, ids: ContactIds, about: string, setAt: Date | undefined): Promise<ContactRecord> {
    const patch: ContactPatch = about ? { about, aboutTime: setAt && setAt.getTime() > 0 ? setAt : undefined } : { about: undefined, aboutTime: undefined };
    return this.announce(await this.save(accountId, ids, patch));
  }

  /**
   * The people of a batch of WhatsApp's history: the phone's names for them (its address book,
   * as chat names) and their push names, stored like a contact sync; resolves when stored.
   */
  fromHistory(accountId: string, sock: WASocket, contacts: Partial<Contact>[]): Promise<void> {
    return new Promise((resolve) => this.serial(accountId, () => this.onContacts(accountId, sock, contacts, true).finally(resolve)));
  }

  /** Resolves once every update in hand is handled: the gateway waits for it before closing the store. */
  async idle(): Promise<void> {
    await this.queue.idle();
  }

  private async onContacts(accountId: string, sock: WASocket, contacts: Partial<Contact>[], fromSync: boolean): Promise<void> {
    for (const c of contacts) {
      const jid = c.id ? jidNormalizedUser(c.id) : "";
      if (!jid || !(isPnUser(jid) || isLidUser(jid)) || selfOf(sock).includes(jid)) continue;
      const ids = await jidForms(sock, jid);
      if (c.phoneNumber && isPnUser(c.phoneNumber)) ids.pnJid = jidNormalizedUser(c.phoneNumber);
      if (c.lid && isLidUser(c.lid)) ids.lidJid = jidNormalizedUser(c.lid);
      const patch: ContactPatch = {};
      if (c.notify) patch.pushName = c.notify;
      if (fromSync && c.name) patch.addressBookName = c.name;
      if (c.verifiedName) Object.assign(patch, { verifiedBusinessName: c.verifiedName, business: true });
      if (Object.keys(patch).length > 0 || fromSync) await this.announce(await this.save(accountId, ids, patch));
    }
  }

  private save(accountId: string, ids: ContactIds, patch: ContactPatch): Promise<ContactUpsert> {
    return this.deps.contacts.upsert(accountId, ids, patch, this.deps.clock.now());
  }

  /** Appends CONTACT_UPDATED when the upsert changed something; returns the contact. */
  private async announce({ contact, changed }: ContactUpsert): Promise<ContactRecord> {
    if (changed.length === 0) return contact;
    const eventId = randomUUID();
    const now = this.deps.clock.now();
    const event = create(EventSchema, {
      eventId,
      type: WIRE_EVENT_TYPES.contact_updated,
      accountId: contact.accountId,
      createTime: timestampFromDate(now),
      payload: { case: "contactUpdate", value: { contact: toContactDetails(contact), changedFields: changed } },
    });
    await this.deps.events.append({ eventId, accountId: contact.accountId, type: "contact_updated", chatJid: contact.jid, createTime: now, payload: toBinary(EventSchema, event) });
    return contact;
  }

  /** The picture's bytes, at most maxPictureBytes. */
  private async download(url: string): Promise<Buffer> {
    const res = await fetch(url, { ...this.deps.fetchOptions, signal: AbortSignal.timeout(60_000) });
    if (!res.ok || !res.body) throw new Error(`fetching a profile picture answered HTTP ${res.status}`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > this.deps.maxPictureBytes) {
        await res.body.cancel().catch(() => {});
        throw new MediaTooLargeError(this.deps.maxPictureBytes);
      }
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }

  /** Stores the picture under an id made from the account and the content, so the same bytes are stored once. */
  private async storePicture(accountId: string, bytes: Buffer, sha256: string, now: Date): Promise<string> {
    const mediaId = `pp-${createHash("sha256").update(`${accountId}\u0000${sha256}`).digest("base64url").slice(0, 32)}`;
    if (await this.deps.media.get(mediaId)) return mediaId;
    try {
      await this.deps.media.put({ mediaId, accountId, mimeType: "image/jpeg", source: "inbound", createTime: now }, Readable.from([bytes]), { maxBytes: this.deps.maxPictureBytes });
    } catch (e) {
      if (!(e instanceof AlreadyExistsError)) throw e;
    }
    return mediaId;
  }

  private serial(accountId: string, task: () => Promise<unknown>): void {
    this.queue.run(accountId, task).catch((e: unknown) => this.deps.logger.warn({ err: e, accountId }, "handling a contact update failed"));
  }
}

const noPicture = (now: Date): ContactPatch => ({ pictureMediaId: undefined, pictureId: undefined, pictureTime: now });

/** The URL of a user's picture; undefined when there is none or it is hidden (WhatsApp answers 404 / 401). */
async function pictureUrl(sock: WASocket, jid: string): Promise<string | undefined> {
  try {
    return await sock.profilePictureUrl(jid, "image");
  } catch (e) {
    const status = (e as { output?: { statusCode?: number } }).output?.statusCode;
    if (status === 404 || status === 401) return undefined;
    throw e;
  }
}
