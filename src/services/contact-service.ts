import type { ServiceImpl } from "@connectrpc/connect";
import { USyncQuery, USyncUser, jidDecode, type WASocket } from "@whiskeysockets/baileys";
import type { CheckNumbersRequest, ContactService } from "../../gen/wildcat/v1/contact_service_pb.js";
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
    const sock: WASocket = await mapErrors(this.deps.sockets.connectedSocket(req.accountId));
    // One usync round trip asks both existence (contact protocol) and the LID, where Baileys'
    // onWhatsApp would give only the first and a second query the other.
    const query = new USyncQuery().withContext("interactive").withContactProtocol().withLIDProtocol();
    for (const n of req.numbers) query.withUser(new USyncUser().withPhone(`+${digitsOf(n)}`));
    let answer: Awaited<ReturnType<WASocket["executeUSyncQuery"]>>;
    try {
      answer = await sock.executeUSyncQuery(query);
    } catch (e) {
      throw whatsappError(e, `checking ${req.numbers.length} numbers`);
    }
    const found = new Map<string, { jid: string; lid: string }>();
    for (const user of answer?.list ?? []) {
      if (user.contact !== true) continue;
      found.set(digitsOf(user.id), { jid: user.id, lid: typeof user.lid === "string" ? user.lid : "" });
    }
    return {
      results: req.numbers.map((number) => {
        const hit = found.get(digitsOf(number));
        return hit ? { number, exists: true, jid: { jid: hit.jid, pnJid: hit.jid, lidJid: hit.lid } } : { number, exists: false };
      }),
    };
  }
}
