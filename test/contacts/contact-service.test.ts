import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { jidNormalizedUser } from "@whiskeysockets/baileys";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import { ContactService } from "../../gen/wildcat/v1/contact_service_pb.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { EventSubscriber } from "../messaging/event-subscriber.js";
import { BaileysClient } from "../sim/baileys-client.js";
import { bearer } from "../support/auth.js";
import { GrpcJsClient } from "../support/clients.js";
import type { TestGateway } from "../support/gateway.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";

const ACCOUNT = "contacts0";
const ACCOUNT_PHONE = "15558400010";
const BOB = "15558400002";
const CAROL = "15558400003";
/** A number no simulated phone has: WhatsApp does not know it. */
const NOBODY = "15558400099";
const pn = (phone: string) => `${phone}@s.whatsapp.net`;

let sim: Simulator;
let gw: TestGateway;
let contacts: Client<typeof ContactService>;
let bob: BaileysClient;
let carol: BaileysClient;
let bobLid: string;
let carolLid: string;
let grpcClient: GrpcJsClient;
let events: EventSubscriber;

// CheckNumbers stores nothing (WhatsApp answers, the gateway relays), so one store is enough here.
beforeAll(async () => {
  sim = await startTrustedSimulator();
  [bob, carol] = [new BaileysClient(sim, "bob"), new BaileysClient(sim, "carol")];
  const [b, c] = await Promise.all([bob.linkByQr(BOB), carol.linkByQr(CAROL)]);
  [bobLid, carolLid] = [jidNormalizedUser(b.lid), jidNormalizedUser(c.lid)];
  gw = await startSimGateway(sim);
  contacts = createClient(ContactService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] }));
  await linkAccount(gw, sim, ACCOUNT, ACCOUNT_PHONE);
  grpcClient = new GrpcJsClient(`127.0.0.1:${gw.gateway.server.port}`);
  events = new EventSubscriber(grpcClient, { accountIds: [ACCOUNT] });
}, 90_000);

afterEach(() => {
  for (const c of [bob, carol]) expect(c.problems()).toEqual([]);
  expect(sim.unknownIqs).toEqual([]);
});

afterAll(async () => {
  events?.cancel();
  grpcClient?.close();
  await gw?.cleanup();
  for (const c of [bob, carol]) c?.dispose();
  await sim?.close();
});

/** The call's failure, for matching its code and message. */
async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("the call succeeded");
}

describe("ContactService.CheckNumbers through a Connect client, real Baileys on both ends", () => {
  it("when numbers are checked in one batch, then each answer says exists with both JID forms, or not, in the order asked", async () => {
    const { results } = await contacts.checkNumbers({ accountId: ACCOUNT, numbers: [`+${CAROL}`, NOBODY, BOB] });
    expect(results.map((r) => ({ number: r.number, exists: r.exists, jid: r.jid && { jid: r.jid.jid, pnJid: r.jid.pnJid, lidJid: r.jid.lidJid } }))).toEqual([
      { number: `+${CAROL}`, exists: true, jid: { jid: pn(CAROL), pnJid: pn(CAROL), lidJid: carolLid } },
      { number: NOBODY, exists: false, jid: undefined },
      { number: BOB, exists: true, jid: { jid: pn(BOB), pnJid: pn(BOB), lidJid: bobLid } },
    ]);
    expect(bobLid).toMatch(/^\d+@lid$/);
  });

  it("when a number is not in international digits, then the call fails with invalid_argument before WhatsApp is asked", async () => {
    const err = await failure(contacts.checkNumbers({ accountId: ACCOUNT, numbers: ["call-me"] }));
    expect(err.code).toBe(Code.InvalidArgument);
  });

  it("when the account is not connected, then the call fails with failed_precondition", async () => {
    await apiClients(gw).accounts.createAccount({ accountId: "contacts-idle" });
    const err = await failure(contacts.checkNumbers({ accountId: "contacts-idle", numbers: [BOB] }));
    expect(err.code).toBe(Code.FailedPrecondition);
  });
});

/** Whether the account received the message with this id, as StreamMessages told it. */
const receivedIds = () => events.events.filter((e) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message").map((e) => (e.payload.value as { messageId: string }).messageId);
const received = (id: string) => events.until((e: Event) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message" && e.payload.value.messageId === id, `message ${id}`);

describe("ContactService block list through a Connect client, real Baileys on both ends", () => {
  it("when the account blocks a contact, then the block list shows it in both JID forms and its messages stop; after unblocking they arrive again", async () => {
    const before = await bob.sock.sendMessage(pn(ACCOUNT_PHONE), { text: "before the block" });
    await received(before!.key.id!);

    const { contact } = await contacts.blockContact({ accountId: ACCOUNT, contact: `+${BOB}` });
    expect({ jid: contact!.jid, pnJid: contact!.pnJid, lidJid: contact!.lidJid }).toEqual({ jid: pn(BOB), pnJid: pn(BOB), lidJid: bobLid });
    const listed = await contacts.listBlockedContacts({ accountId: ACCOUNT });
    expect(listed.contacts.map((c) => ({ jid: c.jid, pnJid: c.pnJid, lidJid: c.lidJid }))).toEqual([{ jid: bobLid, pnJid: pn(BOB), lidJid: bobLid }]);

    // WhatsApp acks the blocked contact's message (it stays at one tick) but delivers nothing
    const blocked = await bob.sock.sendMessage(pn(ACCOUNT_PHONE), { text: "while blocked" });
    await bob.waitForServerAck(blocked!.key.id!);

    await contacts.unblockContact({ accountId: ACCOUNT, contact: pn(BOB) });
    expect((await contacts.listBlockedContacts({ accountId: ACCOUNT })).contacts).toEqual([]);
    const after = await bob.sock.sendMessage(pn(ACCOUNT_PHONE), { text: "after the block" });
    await received(after!.key.id!);
    // sent in order over one connection: had the blocked one been delivered, it would be here by now
    expect(receivedIds()).not.toContain(blocked!.key.id!);
  });

  it("when the account blocks a number that is not on WhatsApp, then the call fails with not_found", async () => {
    const err = await failure(contacts.blockContact({ accountId: ACCOUNT, contact: NOBODY }));
    expect(err.code).toBe(Code.NotFound);
  });
});
