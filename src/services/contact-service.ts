import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { USyncQuery, USyncUser, isLidUser, jidDecode, jidNormalizedUser, type WASocket } from "@whiskeysockets/baileys";
import type {
  BlockContactRequest,
  CheckNumbersRequest,
  ContactService,
  GetContactProfileRequest,
  SubscribePresenceRequest,
  ListBlockedContactsRequest,
  UnblockContactRequest,
} from "../../gen/wildcat/v1/contact_service_pb.js";
import type { SocketManager } from "../whatsapp/socket-manager.js";
import { mapErrors, whatsappError } from "./domain-errors.js";

export interface ContactServiceDeps {
  sockets: SocketManager;
}

/** The digits of a phone number or of a phone-number JID's user part. */
const digitsOf = (numberOrJid: string) => (jidDecode(numberOrJid)?.user ?? numberOrJid).replace(/\D/g, "");

/** ContactService over the account's Baileys socket: questions answered by WhatsApp, nothing stored. */
export class ContactServiceImpl implements ServiceImpl<typeof ContactService> {
  constructor(private readonly deps: ContactServiceDeps) {}

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
    return {
      profile: {
        contact,
        about,
        aboutUpdateTime: about && status?.setAt?.getTime() ? timestampFromMs(status.setAt.getTime()) : undefined,
        pictureUrl: pictureUrl ?? "",
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
      const mapping = sock.signalRepository.lidMapping;
      if (isLidUser(jid)) {
        const pn = await mapping.getPNForLID(jid);
        contacts.push({ jid, lidJid: jid, pnJid: pn ? jidNormalizedUser(pn) : "" });
      } else {
        const lid = await mapping.getLIDForPN(jid);
        contacts.push({ jid, pnJid: jid, lidJid: lid ? jidNormalizedUser(lid) : "" });
      }
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
