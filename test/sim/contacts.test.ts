import { randomBytes } from "node:crypto";
import { proto } from "@whiskeysockets/baileys";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ContactBook } from "../../src/sim/contact-book.js";
import { Simulator } from "../../src/sim/simulator.js";
import { trustSimulatorRoot } from "../../src/sim/trust-root.js";
import { BaileysClient, type LogLine } from "./baileys-client.js";

const { Status } = proto.WebMessageInfo;
const ACCOUNT = "15550004001";
const CONTACT = "15550004002";

let sim: Simulator;
let account: BaileysClient;
let contacts: ContactBook;
const contactLogs: LogLine[] = [];

beforeAll(async () => {
  sim = await Simulator.start();
  trustSimulatorRoot(sim.rootPublicKey);
  account = new BaileysClient(sim, "account");
  await account.linkByQr(ACCOUNT);
  const logger = pino({ level: "debug" }, { write: (line: string) => void contactLogs.push(JSON.parse(line) as LogLine) });
  contacts = new ContactBook(sim, { logger });
});

afterEach(() => {
  expect(account.problems()).toEqual([]);
  // the contact's own restart after linking is the one error Baileys always logs
  const contactProblems = contactLogs.filter(
    (l) => l.level >= 40 && !(l.msg === "stream errored out" && JSON.stringify(l.fullErrorNode).includes('"515"')),
  );
  expect(contactProblems).toEqual([]);
  expect(sim.unknownIqs).toEqual([]);
});

afterAll(async () => {
  await contacts?.close();
  account?.dispose();
  await sim?.close();
});

describe("simulated contacts", () => {
  it("when a contact sends text, then the account decrypts it as coming from the contact's number", async () => {
    const id = await contacts.sendText(CONTACT, `${ACCOUNT}@s.whatsapp.net`, "hello from a contact");
    const msg = await account.waitForText("hello from a contact");
    expect(msg.key.id).toBe(id);
    expect(msg.key.remoteJid).toBe(`${CONTACT}@s.whatsapp.net`);
  });

  it("when the account writes to a contact, then the contact lists it, reads it and reacts", async () => {
    const contact = await contacts.contact(CONTACT);
    const sent = await account.sock.sendMessage(contact.jid, { text: "how are you?" });
    const id = sent!.key.id!;
    const received = await contact.waitForMessage((m) => m.messageId === id);
    expect(received).toMatchObject({ fromJid: `${ACCOUNT}@s.whatsapp.net`, text: "how are you?", kind: "text" });
    expect(await contacts.messages(CONTACT)).toContainEqual(received);
    await account.waitForStatus(id, Status.DELIVERY_ACK);
    await contact.read(id);
    await account.waitForStatus(id, Status.READ);
    await contact.react(id, "👍");
    const reaction = await account.waitForMessage((m) => m.message?.reactionMessage?.key?.id === id);
    expect(reaction.message?.reactionMessage?.text).toBe("👍");
  });

  it("when images go both ways, then each side downloads the exact bytes", async () => {
    const contact = await contacts.contact(CONTACT);
    const fromContact = randomBytes(20_000);
    const id = await contact.sendImage(`${ACCOUNT}@s.whatsapp.net`, fromContact, { caption: "from contact" });
    const atAccount = await account.waitForMessage((m) => m.key.id === id);
    expect(Buffer.compare(await account.download(atAccount), fromContact)).toBe(0);

    const fromAccount = randomBytes(30_000);
    const sent = await account.sock.sendMessage(contact.jid, { image: fromAccount, caption: "from account", jpegThumbnail: "" });
    const atContact = await contact.waitForMessage((m) => m.messageId === sent!.key.id);
    expect(atContact).toMatchObject({ kind: "image", text: "from account" });
    expect(Buffer.compare(await contact.download(atContact.messageId), fromAccount)).toBe(0);
  });
});
