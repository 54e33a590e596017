import { Code, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { jidNormalizedUser } from "@whiskeysockets/baileys";
import { fetch as undiciFetch } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { ContactPresence, EventType, type Event, type PresenceUpdate } from "../../gen/wildcat/v1/event_pb.js";
import { ContactService } from "../../gen/wildcat/v1/contact_service_pb.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { EventSubscriber } from "../messaging/event-subscriber.js";
import { BaileysClient } from "../sim/baileys-client.js";
import { failure, gatewayStores } from "../support/store-adapters.js";
import { image } from "./support.js";
import { bearer } from "../support/auth.js";
import { GrpcJsClient } from "../support/clients.js";
import { dropDatabase } from "../support/ferretdb.js";
import type { TestGateway } from "../support/gateway.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";

const mongodbUri = inject("mongodbUri");

/** The gateway's account under test: one per store, each on its own phone. */
let ACCOUNT: string;
let ACCOUNT_PHONE: string;
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

beforeAll(async () => {
  sim = await startTrustedSimulator();
  [bob, carol] = [new BaileysClient(sim, "bob"), new BaileysClient(sim, "carol")];
  const [b, c] = await Promise.all([bob.linkByQr(BOB), carol.linkByQr(CAROL)]);
  [bobLid, carolLid] = [jidNormalizedUser(b.lid), jidNormalizedUser(c.lid)];
}, 90_000);

/** Presence events land on the event log: each adapter is tested (the other calls store nothing). */
const stores = gatewayStores(mongodbUri, "contacts");

afterEach(() => {
  for (const c of [bob, carol]) expect(c.problems()).toEqual([]);
  expect(sim.unknownIqs).toEqual([]);
});

afterAll(async () => {
  for (const c of [bob, carol]) c?.dispose();
  await sim?.close();
});

/** Whether the account received the message with this id, as StreamMessages told it. */
const receivedIds = () => events.events.filter((e) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message").map((e) => (e.payload.value as { messageId: string }).messageId);
const received = (id: string) => events.until((e: Event) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message" && e.payload.value.messageId === id, `message ${id}`);

/** The picture behind a URL, fetched as anyone would (trusting only the simulator's media CA). */
async function pictureAt(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await undiciFetch(url, { dispatcher: sim.mediaAgents().dispatcher });
  return { status: res.status, type: res.headers.get("content-type"), bytes: Buffer.from(await res.arrayBuffer()) };
}

stores.forEach((store, i) => describe.skipIf(store.skip)(`ContactService on ${store.name}`, () => {
  const env = store.env();

  beforeAll(async () => {
    [ACCOUNT, ACCOUNT_PHONE] = [`contacts${i}`, `1555840001${i}`];
    gw = await startSimGateway(sim, env);
    contacts = createClient(ContactService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] }));
    await linkAccount(gw, sim, ACCOUNT, ACCOUNT_PHONE);
    grpcClient = new GrpcJsClient(`127.0.0.1:${gw.gateway.server.port}`);
    events = new EventSubscriber(grpcClient, { accountIds: [ACCOUNT] });
  }, 60_000);

  afterAll(async () => {
    events?.cancel();
    grpcClient?.close();
    await gw?.cleanup();
    if (env.MONGODB_URI) await dropDatabase(env.MONGODB_URI, env.MONGODB_DB!);
  });

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

  describe("ContactService.GetContactProfile through a Connect client, real Baileys on both ends", () => {
    it("when a contact has set nothing, then its profile has no about text and no picture", async () => {
      const { profile } = await contacts.getContactProfile({ accountId: ACCOUNT, contact: `+${BOB}` });
      expect({ about: profile!.about, aboutUpdateTime: profile!.aboutUpdateTime, pictureUrl: profile!.pictureUrl }).toEqual({ about: "", aboutUpdateTime: undefined, pictureUrl: "" });
      expect({ pnJid: profile!.contact!.pnJid, lidJid: profile!.contact!.lidJid }).toEqual({ pnJid: pn(BOB), lidJid: bobLid });
    });

    it("when a contact sets, then changes, its about text and picture, then the account reads the new ones each time", async () => {
      await carol.sock.updateProfileStatus("At the shop until 6");
      await carol.sock.updateProfilePicture(carol.sock.user!.id, image(255, 0, 0));
      const first = (await contacts.getContactProfile({ accountId: ACCOUNT, contact: pn(CAROL) })).profile!;
      expect(first.about).toBe("At the shop until 6");
      expect(first.aboutUpdateTime).toBeDefined();
      expect(first.pictureUrl).toMatch(/^https:\/\//);
      const firstPicture = await pictureAt(first.pictureUrl);
      expect(firstPicture.status).toBe(200);
      expect(firstPicture.bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff])); // JPEG, as Baileys made it

      await carol.sock.updateProfileStatus("On holiday");
      await carol.sock.updateProfilePicture(carol.sock.user!.id, image(0, 0, 255));
      const second = (await contacts.getContactProfile({ accountId: ACCOUNT, contact: `+${CAROL}` })).profile!;
      expect(second.about).toBe("On holiday");
      expect(second.pictureUrl).not.toBe(first.pictureUrl);
      const secondPicture = await pictureAt(second.pictureUrl);
      expect(secondPicture.status).toBe(200);
      expect(secondPicture.bytes.equals(firstPicture.bytes)).toBe(false);
    });

    it("when the contact is not on WhatsApp, then the call fails with not_found", async () => {
      const err = await failure(contacts.getContactProfile({ accountId: ACCOUNT, contact: NOBODY }));
      expect(err.code).toBe(Code.NotFound);
    });
  });

  describe("ContactService.SubscribePresence and presence events through StreamMessages, real Baileys on both ends", () => {
    /** The presence events about `who` seen so far, as (presence) in order. */
    const presences = (who: string) =>
      events.events.filter((e) => e.type === EventType.PRESENCE_UPDATED && e.payload.case === "presenceUpdate" && e.payload.value.participant?.pnJid === who);
    const presenceEvent = (who: string, presence: ContactPresence) =>
      events.until((e: Event) => e.type === EventType.PRESENCE_UPDATED && e.payload.case === "presenceUpdate" && e.payload.value.participant?.pnJid === who && e.payload.value.presence === presence, `${who} ${ContactPresence[presence]}`);

    it("when the account subscribes to a contact who comes online, then the subscriber sees it available in both JID forms", async () => {
      await bob.sock.sendPresenceUpdate("available");
      const { contact } = await contacts.subscribePresence({ accountId: ACCOUNT, contact: `+${BOB}` });
      expect(contact!.lidJid).toBe(bobLid);
      const online = await presenceEvent(pn(BOB), ContactPresence.AVAILABLE);
      const update = online.payload.value as PresenceUpdate;
      expect({ pnJid: update.participant!.pnJid, lidJid: update.participant!.lidJid }).toEqual({ pnJid: pn(BOB), lidJid: bobLid });
      expect(online.accountId).toBe(ACCOUNT);
    });

    it("when a contact types in a storm, then the subscriber sees composing once, then paused", async () => {
      const accountJid = pn(ACCOUNT_PHONE);
      for (let n = 0; n < 5; n++) await carol.sock.sendPresenceUpdate("composing", accountJid);
      await carol.sock.sendPresenceUpdate("paused", accountJid);
      await presenceEvent(pn(CAROL), ContactPresence.PAUSED);
      // the chat states arrive in order over one connection: every composing was seen before paused
      expect(presences(pn(CAROL)).map((e) => ContactPresence[(e.payload.value as PresenceUpdate).presence])).toEqual(["COMPOSING", "PAUSED"]);
      const chat = (presences(pn(CAROL))[0]!.payload.value as PresenceUpdate).chat!;
      expect({ pnJid: chat.pnJid, lidJid: chat.lidJid }).toEqual({ pnJid: pn(CAROL), lidJid: carolLid });
    });

    it("when the contact is not on WhatsApp, then subscribing fails with not_found", async () => {
      const err = await failure(contacts.subscribePresence({ accountId: ACCOUNT, contact: NOBODY }));
      expect(err.code).toBe(Code.NotFound);
    });
  });
}));
