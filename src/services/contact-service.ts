import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { USyncQuery, USyncUser, jidDecode, type WASocket } from "@whiskeysockets/baileys";
import type {
  BlockContactRequest,
  CheckNumbersRequest,
  ContactService,
  GetContactProfileRequest,
  GetContactRequest,
  ListContactsRequest,
  SubscribePresenceRequest,
  ListBlockedContactsRequest,
  UnblockContactRequest,
} from "../../gen/wildcat/v1/contact_service_pb.js";
import { toContactDetails } from "../contacts/contact-mapping.js";
import type { ContactTracker } from "../contacts/contact-tracker.js";
import type { ContactStore } from "../store/contacts.js";
import type { AccountStore } from "../store/store.js";
import { jidForms } from "../whatsapp/jid-forms.js";
import type { SocketManager } from "../whatsapp/socket-manager.js";
import { mapErrors, whatsappError } from "./domain-errors.js";
import { pageSize } from "./page-token.js";

export interface ContactServiceDeps {
  sockets: SocketManager;
  contacts: ContactStore;
  accounts: Pick<AccountStore, "get">;
  /** Stores what GetContactProfile reads (the picture into the media store). */
  tracker: Pick<ContactTracker, "storeProfile">;
}

/** The digits of a phone number or of a phone-number JID's user part. */
const digitsOf = (numberOrJid: string) => (jidDecode(numberOrJid)?.user ?? numberOrJid).replace(/\D/g, "");

/**
 * ContactService: questions answered by WhatsApp over the account's Baileys socket, and the
 * contact store (kept by ContactTracker) for ListContacts / GetContact.
 */
export class ContactServiceImpl implements ServiceImpl<typeof ContactService> {
  constructor(private readonly deps: ContactServiceDeps) {}

  async listContacts(req: ListContactsRequest) {
    if (!(await this.deps.accounts.get(req.accountId))) throw new ConnectError(`no account "${req.accountId}"`, Code.NotFound);
    let page;
    try {
      page = await this.deps.contacts.list({ accountId: req.accountId, pageSize: pageSize(req.pageSize, 50), pageToken: req.pageToken || undefined, text: req.query || undefined });
    } catch (e) {
      // the store rejects a token it did not issue
      if (req.pageToken && e instanceof RangeError) throw new ConnectError("page_token is not one this list issued", Code.InvalidArgument, undefined, undefined, e);
      throw e;
    }
    return { contacts: page.contacts.map(toContactDetails), nextPageToken: page.nextPageToken ?? "" };
  }

  async getContact(req: GetContactRequest) {
    const jid = req.contact.includes("@") ? req.contact : `${digitsOf(req.contact)}@s.whatsapp.net`;
    const contact = await this.deps.contacts.get(req.accountId, jid);
    if (!contact) throw new ConnectError(`account "${req.accountId}" has no contact ${req.contact}`, Code.NotFound);
    return { contact: toContactDetails(contact) };
  }

  async checkNumbers(req: CheckNumbersRequest) {
    const found = await this.lookUp(await this.socket(req.accountId), req.numbers);
    return {
      results: req.numbers.map((number) => {
        const hit = found.get(digitsOf(number));
        return hit ? { number, exists: true, jid: { jid: hit.jid, pnJid: hit.jid, lidJid: hit.lid } } : { number, exists: false };
      }),
    };
  }

  async getContactProfile(req: GetContactProfileRequest) {
    const sock = await this.socket(req.accountId);
    const contact = await this.resolve(sock, req.contact);
    let statuses: Awaited<ReturnType<WASocket["fetchStatus"]>>;
    let pictureUrl: string | undefined;
    try {
      [statuses, pictureUrl] = await Promise.all([sock.fetchStatus(contact.jid), sock.profilePictureUrl(contact.jid, "image")]);
    } catch (e) {
      throw whatsappError(e, `reading the profile of ${req.contact}`, { 404: [Code.NotFound, "no such contact"] });
    }
    const status = statuses?.[0]?.status as { status?: string | null; setAt?: Date } | undefined;
    const about = status?.status ?? "";
    const ids = { pnJid: contact.pnJid, lidJid: contact.lidJid || undefined };
    const stored = await this.deps.tracker.storeProfile(req.accountId, sock, ids, about, status?.setAt, pictureUrl);
    return {
      profile: {
        contact,
        about,
        aboutUpdateTime: about && status?.setAt?.getTime() ? timestampFromMs(status.setAt.getTime()) : undefined,
        pictureUrl: pictureUrl ?? "",
        pictureMediaId: stored.pictureMediaId ?? "",
      },
    };
  }

  async subscribePresence(req: SubscribePresenceRequest) {
    const sock = await this.socket(req.accountId);
    const contact = await this.resolve(sock, req.contact);
    try {
      await sock.presenceSubscribe(contact.jid);
    } catch (e) {
      throw whatsappError(e, `subscribing to the presence of ${req.contact}`);
    }
    return { contact };
  }

  async blockContact(req: BlockContactRequest) {
    return { contact: await this.setBlocked(req.accountId, req.contact, "block") };
  }

  async unblockContact(req: UnblockContactRequest) {
    return { contact: await this.setBlocked(req.accountId, req.contact, "unblock") };
  }

  async listBlockedContacts(req: ListBlockedContactsRequest) {
    const sock = await this.socket(req.accountId);
    let jids: (string | undefined)[];
    try {
      jids = await sock.fetchBlocklist();
    } catch (e) {
      throw whatsappError(e, "reading the block list");
    }
    const contacts = [];
    for (const jid of jids) {
      if (!jid) continue;
      const forms = await jidForms(sock, jid);
      contacts.push({ jid, pnJid: forms.pnJid ?? "", lidJid: forms.lidJid ?? "" });
    }
    return { contacts };
  }

  /**
   * Blocks or unblocks a contact named by phone number. WhatsApp blocks by LID, so the number is
   * resolved first (that also answers both JID forms, and NOT_FOUND for a number not on WhatsApp).
   */
  private async setBlocked(accountId: string, contact: string, action: "block" | "unblock") {
    const sock = await this.socket(accountId);
    const resolved = await this.resolve(sock, contact);
    try {
      await sock.updateBlockStatus(resolved.jid, action);
    } catch (e) {
      throw whatsappError(e, `${action === "block" ? "blocking" : "unblocking"} ${contact}`);
    }
    return resolved;
  }

  /** A contact named by phone number, in both JID forms; NOT_FOUND when the number is not on WhatsApp. */
  private async resolve(sock: WASocket, contact: string): Promise<{ jid: string; pnJid: string; lidJid: string }> {
    const hit = (await this.lookUp(sock, [contact])).get(digitsOf(contact));
    if (!hit) throw new ConnectError(`${contact} is not on WhatsApp`, Code.NotFound);
    return { jid: hit.jid, pnJid: hit.jid, lidJid: hit.lid };
  }

  private socket(accountId: string): Promise<WASocket> {
    return mapErrors(this.deps.sockets.connectedSocket(accountId));
  }

  /** The numbers on WhatsApp, by their digits, with their phone-number JID and LID. */
  private async lookUp(sock: WASocket, numbers: string[]): Promise<Map<string, { jid: string; lid: string }>> {
    // One usync round trip asks both existence (contact protocol) and the LID, where Baileys'
    // onWhatsApp would give only the first and a second query the other.
    const query = new USyncQuery().withContext("interactive").withContactProtocol().withLIDProtocol();
    for (const n of numbers) query.withUser(new USyncUser().withPhone(`+${digitsOf(n)}`));
    let answer: Awaited<ReturnType<WASocket["executeUSyncQuery"]>>;
    try {
      answer = await sock.executeUSyncQuery(query);
    } catch (e) {
      throw whatsappError(e, `checking ${numbers.length} numbers`);
    }
    const found = new Map<string, { jid: string; lid: string }>();
    for (const user of answer?.list ?? []) {
      if (user.contact !== true) continue;
      found.set(digitsOf(user.id), { jid: user.id, lid: typeof user.lid === "string" ? user.lid : "" });
    }
    return found;
  }
}
