import { join } from "node:path";
import type { Logger } from "pino";
import { type ContactMessage, SimulatedContact } from "./contact.js";
import type { Simulator } from "./simulator.js";

/**
 * The simulated contacts of one simulator, by phone number, opened (and linked) on first use.
 * This is what a sandbox service calls: send from a contact, list what a contact received.
 */
export class ContactBook {
  private readonly contacts = new Map<string, Promise<SimulatedContact>>();

  constructor(
    private readonly sim: Simulator,
    private readonly opts: { dataDir?: string; logger?: Logger } = {},
  ) {}

  /** The contact for `phoneNumber`, linking a new device for it the first time. */
  contact(phoneNumber: string): Promise<SimulatedContact> {
    let contact = this.contacts.get(phoneNumber);
    if (!contact) {
      contact = SimulatedContact.open(this.sim, phoneNumber, {
        authDir: this.opts.dataDir ? join(this.opts.dataDir, "contacts", phoneNumber) : undefined,
        logger: this.opts.logger,
      });
      // a failed open must not poison later attempts
      contact.catch(() => this.contacts.delete(phoneNumber));
      this.contacts.set(phoneNumber, contact);
    }
    return contact;
  }

  /** Sends a text from the contact `fromPhoneNumber` to `toJid`; resolves with the message id. */
  async sendText(fromPhoneNumber: string, toJid: string, text: string): Promise<string> {
    return (await this.contact(fromPhoneNumber)).sendText(toJid, text);
  }

  /** What the contact `phoneNumber` received so far. */
  async messages(phoneNumber: string): Promise<ContactMessage[]> {
    return (await this.contact(phoneNumber)).messages();
  }

  async close(): Promise<void> {
    const contacts = await Promise.allSettled(this.contacts.values());
    for (const c of contacts) if (c.status === "fulfilled") c.value.close();
    this.contacts.clear();
  }
}
