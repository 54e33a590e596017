import { Code, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { createValidateInterceptor } from "@connectrpc/validate";
import { createConnectTransport } from "@connectrpc/connect-node";
import { jidNormalizedUser } from "@whiskeysockets/baileys";
import { fetch as undiciFetch } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { ContactService } from "../../gen/wildcat/v1/contact_service_pb.js";
import type { ContactUpdate } from "../../gen/wildcat/v1/contact_pb.js";
import { EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import { CallPrivacy, OnlinePrivacy, PrivacyAudience, ReadReceiptsPrivacy } from "../../gen/wildcat/v1/profile_pb.js";
import { ProfileService } from "../../gen/wildcat/v1/profile_service_pb.js";
import { SandboxService } from "../../gen/wildcat/v1/sandbox_service_pb.js";
import { ContactBook } from "../../src/sim/contact-book.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { SandboxServiceImpl } from "../../src/services/sandbox-service.js";
import { EventSubscriber } from "../messaging/event-subscriber.js";
import { BaileysClient } from "../sim/baileys-client.js";
import { bearer, TEST_AUTH_HEADER } from "../support/auth.js";
import { GrpcJsClient } from "../support/clients.js";
import { dropDatabase } from "../support/ferretdb.js";
import type { TestGateway } from "../support/gateway.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";
import { failure, gatewayStores } from "../support/store-adapters.js";
import { image, noise } from "./support.js";

const mongodbUri = inject("mongodbUri");

/** The gateway's account under test: one per store, each on its own phone. */
let ACCOUNT: string;
let ACCOUNT_PHONE: string;
const DORA = "15558500002";
const EVE = "15558500003";
/** A contact driven through SandboxService, as in `npm run sandbox`. */
const FINN = "15558500004";
const pn = (phone: string) => `${phone}@s.whatsapp.net`;
/** PROFILE_PICTURE_MAX_BYTES of the gateway under test: small, so the limit is cheap to pass. */
const PICTURE_LIMIT = 30_000;

let sim: Simulator;
let gw: TestGateway;
let contacts: Client<typeof ContactService>;
let profile: Client<typeof ProfileService>;
let dora: BaileysClient;
let eve: BaileysClient;
let doraLid: string;
let eveLid: string;
let book: ContactBook;
let sandbox: Client<typeof SandboxService>;
let grpcClient: GrpcJsClient;
let events: EventSubscriber;

beforeAll(async () => {
  sim = await startTrustedSimulator();
  [dora, eve] = [new BaileysClient(sim, "dora"), new BaileysClient(sim, "eve")];
  const [d, e] = await Promise.all([dora.linkByQr(DORA), eve.linkByQr(EVE)]);
  [doraLid, eveLid] = [jidNormalizedUser(d.lid), jidNormalizedUser(e.lid)];
  // a push name, the way Baileys sets one (WhatsApp learns it from the presence stanza it sends)
  dora.sock.ev.emit("creds.update", { me: { ...dora.sock.authState.creds.me!, name: "Dora's Deli" } });
  book = new ContactBook(sim);
  const transport = createRouterTransport((router) => router.service(SandboxService, new SandboxServiceImpl(sim, book)), {
    router: { interceptors: [createValidateInterceptor()] },
  });
  sandbox = createClient(SandboxService, transport);
}, 90_000);

const stores = gatewayStores(mongodbUri, "profiles");

afterEach(() => {
  for (const c of [dora, eve]) expect(c.problems()).toEqual([]);
  expect(sim.unknownIqs).toEqual([]);
});

afterAll(async () => {
  for (const c of [dora, eve]) c?.dispose();
  await book?.close();
  await sim?.close();
});

/** The bytes behind a URL of the simulator's media host (trusting only its CA). */
async function fetchPicture(url: string): Promise<Buffer> {
  const res = await undiciFetch(url, { dispatcher: sim.mediaAgents().dispatcher });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** A stored file's bytes, through GET /media/{id}. */
async function mediaBytes(mediaId: string): Promise<{ type: string | null; bytes: Buffer }> {
  const res = await undiciFetch(`${gw.baseUrl}/media/${mediaId}`, { headers: { authorization: TEST_AUTH_HEADER } });
  expect(res.status).toBe(200);
  return { type: res.headers.get("content-type"), bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Uploads bytes to the media store as the account. */
async function upload(bytes: Buffer, mimeType: string): Promise<string> {
  const { media } = await apiClients(gw).media.uploadMedia(
    (async function* () {
      yield { part: { case: "metadata" as const, value: { accountId: ACCOUNT, mimeType } } };
      yield { part: { case: "chunk" as const, value: bytes } };
    })(),
  );
  return media!.mediaId;
}

/** The first CONTACT_UPDATED about `who` (phone-number JID) whose update matches, among the events from the `after`th on. */
const contactUpdate = (who: string, match: (u: ContactUpdate) => boolean, what: string, after = 0) =>
  events
    .until(
      (e: Event) =>
        e.type === EventType.CONTACT_UPDATED && e.payload.case === "contactUpdate" && e.payload.value.contact?.jid?.pnJid === who && match(e.payload.value) && events.events.indexOf(e) >= after,
      what,
    )
    .then((e) => e.payload.value as ContactUpdate);

stores.forEach((store, i) => describe.skipIf(store.skip)(`contacts and profiles on ${store.name}`, () => {
  const env: Record<string, string> = { ...store.env(), PROFILE_PICTURE_MAX_BYTES: String(PICTURE_LIMIT) };

  beforeAll(async () => {
    [ACCOUNT, ACCOUNT_PHONE] = [`profiles${i}`, `1555850001${i}`];
    gw = await startSimGateway(sim, env);
    const transport = createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] });
    contacts = createClient(ContactService, transport);
    profile = createClient(ProfileService, transport);
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

  describe("stored contacts (ListContacts, GetContact) through a Connect client, real Baileys on both ends", () => {
    it("when a contact writes, then ListContacts shows its push name and both JID forms, and GetContact finds it by number, JID or LID", async () => {
      const sent = await dora.sock.sendMessage(pn(ACCOUNT_PHONE), { text: "hello from the deli" });
      await events.until((e) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message" && e.payload.value.messageId === sent!.key.id, "dora's message");
      await contactUpdate(pn(DORA), (u) => u.contact!.pushName === "Dora's Deli", "dora's push name");

      const { contacts: listed } = await contacts.listContacts({ accountId: ACCOUNT });
      const doraListed = listed.find((c) => c.jid?.pnJid === pn(DORA));
      expect(doraListed && { jid: doraListed.jid!.jid, pnJid: doraListed.jid!.pnJid, lidJid: doraListed.jid!.lidJid, pushName: doraListed.pushName }).toEqual({
        jid: pn(DORA),
        pnJid: pn(DORA),
        lidJid: doraLid,
        pushName: "Dora's Deli",
      });
      for (const asked of [`+${DORA}`, pn(DORA), doraLid]) {
        const { contact } = await contacts.getContact({ accountId: ACCOUNT, contact: asked });
        expect(contact!.jid!.pnJid).toBe(pn(DORA));
      }
      const found = await contacts.listContacts({ accountId: ACCOUNT, query: "deli" });
      expect(found.contacts.map((c) => c.jid!.pnJid)).toEqual([pn(DORA)]);
      expect((await contacts.listContacts({ accountId: ACCOUNT, query: "nobody-has-this" })).contacts).toEqual([]);
    });

    it("when a contact the account never met is asked for, then GetContact fails with not_found", async () => {
      const err = await failure(contacts.getContact({ accountId: ACCOUNT, contact: "+15558500099" }));
      expect(err.code).toBe(Code.NotFound);
    });

    it("when a page size is one over 500 or a page token is foreign, then ListContacts fails with invalid_argument naming the field", async () => {
      const tooMany = await failure(contacts.listContacts({ accountId: ACCOUNT, pageSize: 501 }));
      expect(tooMany.code).toBe(Code.InvalidArgument);
      expect(tooMany.message).toContain("page_size");
      expect((await contacts.listContacts({ accountId: ACCOUNT, pageSize: 500 })).contacts.length).toBeGreaterThan(0);
      const badToken = await failure(contacts.listContacts({ accountId: ACCOUNT, pageToken: "bm90LW91cnM" }));
      expect(badToken.code).toBe(Code.InvalidArgument);
      expect(badToken.message).toContain("page_token");
    });
  });

  describe("a contact's picture and about text: WhatsApp's notifications, the media store, CONTACT_UPDATED", () => {
    it("when a contact changes its picture and about text, then the account stores the new ones (picture bytes as WhatsApp serves them) and says so on the event log", async () => {
      await eve.sock.updateProfileStatus("Gone fishing");
      await eve.sock.updateProfilePicture(eve.sock.user!.id, image(255, 128, 0));
      const about = await contactUpdate(pn(EVE), (u) => u.changedFields.includes("about") && u.contact!.about === "Gone fishing", "eve's about");
      expect(about.contact!.aboutUpdateTime).toBeDefined();
      expect(about.contact!.jid!.lidJid).toBe(eveLid);
      const first = await contactUpdate(pn(EVE), (u) => u.changedFields.includes("picture_media_id") && u.contact!.pictureMediaId !== "", "eve's first picture");
      const served = await fetchPicture((await eve.sock.profilePictureUrl(eve.sock.user!.id, "image"))!);
      const stored = await mediaBytes(first.contact!.pictureMediaId);
      expect(stored.bytes.equals(served)).toBe(true);
      expect(stored.type).toBe("image/jpeg");
      expect(first.contact!.pictureId).not.toBe("");

      await eve.sock.updateProfileStatus("Back at work");
      await eve.sock.updateProfilePicture(eve.sock.user!.id, image(0, 128, 255));
      await contactUpdate(pn(EVE), (u) => u.contact!.about === "Back at work", "eve's new about");
      const second = await contactUpdate(pn(EVE), (u) => u.contact!.pictureMediaId !== "" && u.contact!.pictureMediaId !== first.contact!.pictureMediaId, "eve's second picture");
      const servedNow = await fetchPicture((await eve.sock.profilePictureUrl(eve.sock.user!.id, "image"))!);
      expect((await mediaBytes(second.contact!.pictureMediaId)).bytes.equals(servedNow)).toBe(true);
      expect(servedNow.equals(served)).toBe(false);

      const { contact } = await contacts.getContact({ accountId: ACCOUNT, contact: `+${EVE}` });
      expect({ about: contact!.about, pictureMediaId: contact!.pictureMediaId, pictureId: contact!.pictureId }).toEqual({
        about: "Back at work",
        pictureMediaId: second.contact!.pictureMediaId,
        pictureId: second.contact!.pictureId,
      });
      // the live read agrees and keeps the stored copy (same bytes, same media id)
      const live = await contacts.getContactProfile({ accountId: ACCOUNT, contact: `+${EVE}` });
      expect({ about: live.profile!.about, pictureMediaId: live.profile!.pictureMediaId }).toEqual({ about: "Back at work", pictureMediaId: second.contact!.pictureMediaId });
      const downloadUrl = await apiClients(gw).media.createDownloadUrl({ mediaId: second.contact!.pictureMediaId });
      expect(downloadUrl.urlPath).toMatch(/^\/media\//);
    });

    it("when a contact's picture is one byte or more over PROFILE_PICTURE_MAX_BYTES, then it is not stored, and the live read still answers its URL", async () => {
      await eve.sock.updateProfilePicture(eve.sock.user!.id, noise(640));
      const url = (await eve.sock.profilePictureUrl(eve.sock.user!.id, "image"))!;
      expect((await fetchPicture(url)).length).toBeGreaterThan(PICTURE_LIMIT);
      const { profile: live } = await contacts.getContactProfile({ accountId: ACCOUNT, contact: pn(EVE) });
      expect(live!.pictureUrl).toBe(url);
      expect(live!.pictureMediaId).toBe("");
    });

    it("when a contact removes its picture, then the stored contact has none", async () => {
      const beforeSet = events.events.length;
      await eve.sock.updateProfilePicture(eve.sock.user!.id, image(9, 9, 9));
      await contactUpdate(pn(EVE), (u) => u.contact!.pictureMediaId !== "", "eve's picture before removing it", beforeSet);
      const before = events.events.length;
      await eve.sock.removeProfilePicture(eve.sock.user!.id);
      await contactUpdate(pn(EVE), (u) => u.changedFields.includes("picture_media_id") && u.contact!.pictureMediaId === "", "eve's picture removed", before);
      expect((await contacts.getContact({ accountId: ACCOUNT, contact: pn(EVE) })).contact!.pictureMediaId).toBe("");
    });
  });

  describe("SandboxService.UpdateContactProfile: a sandbox contact changes its profile, the account stores it", () => {
    it("when a sandbox contact sets its name, about text and picture, then the account's stored contact shows them", async () => {
      await sandbox.updateContactProfile({ phoneNumber: `+${FINN}`, name: "Finn's Fish", about: "Fresh today", picture: image(0, 200, 200) });
      await contactUpdate(pn(FINN), (u) => u.contact!.about === "Fresh today", "finn's about");
      const pictured = await contactUpdate(pn(FINN), (u) => u.contact!.pictureMediaId !== "", "finn's picture");
      expect((await mediaBytes(pictured.contact!.pictureMediaId)).bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
      const finn = await book.contact(FINN);
      const sent = await finn.sendText(pn(ACCOUNT_PHONE), "catch of the day");
      await events.until((e) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message" && e.payload.value.messageId === sent, "finn's message");
      await contactUpdate(pn(FINN), (u) => u.contact!.pushName === "Finn's Fish", "finn's push name");

      const before = events.events.length;
      await sandbox.updateContactProfile({ phoneNumber: FINN, removePicture: true });
      await contactUpdate(pn(FINN), (u) => u.changedFields.includes("picture_media_id") && u.contact!.pictureMediaId === "", "finn's picture removed", before);
    });

    it("when the picture is not an image, or comes with remove_picture, then it fails with invalid_argument naming picture", async () => {
      const notImage = await failure(sandbox.updateContactProfile({ phoneNumber: FINN, picture: Buffer.from("no image here") }));
      expect(notImage.code).toBe(Code.InvalidArgument);
      expect(notImage.message).toContain("picture");
      const both = await failure(sandbox.updateContactProfile({ phoneNumber: FINN, picture: image(1, 1, 1), removePicture: true }));
      expect(both.code).toBe(Code.InvalidArgument);
      expect(both.message).toContain("picture");
    });
  });

  describe("ProfileService: the account's own profile, as a contact's Baileys client sees it", () => {
    it("when the account sets its name and about text, then a contact sees the name on its messages and reads the about text", async () => {
      await profile.setProfileName({ accountId: ACCOUNT, name: `Wildcat Shop ${i}` });
      await profile.setProfileAbout({ accountId: ACCOUNT, about: "Open 9 to 5" });
      const { message } = await apiClients(gw).messages.sendMessage({ accountId: ACCOUNT, to: pn(DORA), content: { case: "text", value: { body: "named now" } } });
      const got = await dora.waitForMessage((m) => m.key.id === message!.messageId);
      expect(got.pushName).toBe(`Wildcat Shop ${i}`);
      const [status] = (await dora.sock.fetchStatus(pn(ACCOUNT_PHONE)))!;
      expect((status!.status as { status: string }).status).toBe("Open 9 to 5");
    });

    it("when the account sets then removes its picture from the media store, then a contact sees it, then none", async () => {
      const mediaId = await upload(image(10, 200, 10), "image/png");
      const notified = dora.waitFor("contacts.update", (updates) => updates.some((u) => u.id === pn(ACCOUNT_PHONE) && u.imgUrl === "changed"));
      await profile.setProfilePicture({ accountId: ACCOUNT, mediaId });
      await notified;
      const url = await dora.sock.profilePictureUrl(pn(ACCOUNT_PHONE), "image");
      const bytes = await fetchPicture(url!);
      expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff])); // WhatsApp keeps a JPEG

      await profile.removeProfilePicture({ accountId: ACCOUNT });
      expect(await dora.sock.profilePictureUrl(pn(ACCOUNT_PHONE), "image")).toBeUndefined();
    });

    it("when the picture's media id is unknown, of the wrong type, or one byte over the limit, then not_found / invalid_argument / resource_exhausted naming media_id", async () => {
      const unknown = await failure(profile.setProfilePicture({ accountId: ACCOUNT, mediaId: "no-such-file" }));
      expect(unknown.code).toBe(Code.NotFound);
      expect(unknown.message).toContain("media_id");
      const text = await failure(profile.setProfilePicture({ accountId: ACCOUNT, mediaId: await upload(Buffer.from("not a picture"), "text/plain") }));
      expect(text.code).toBe(Code.InvalidArgument);
      expect(text.message).toContain("media_id");
      const png = image(1, 2, 3);
      const tooBig = Buffer.concat([png, Buffer.alloc(PICTURE_LIMIT + 1 - png.length)]);
      const over = await failure(profile.setProfilePicture({ accountId: ACCOUNT, mediaId: await upload(tooBig, "image/png") }));
      expect(over.code).toBe(Code.ResourceExhausted);
      expect(over.message).toContain("media_id");
      const badName = await failure(profile.setProfileName({ accountId: ACCOUNT, name: "x".repeat(26) }));
      expect(badName.code).toBe(Code.InvalidArgument);
      expect(badName.message).toContain("name");
    });
  });

  describe("ProfileService privacy settings, round trip through WhatsApp", () => {
    it("when settings are changed, then WhatsApp keeps them, and a picture shown to nobody is hidden from a contact", async () => {
      const before = (await profile.getPrivacySettings({ accountId: ACCOUNT })).settings!;
      expect({ lastSeen: before.lastSeen, profilePicture: before.profilePicture, readReceipts: before.readReceipts, calls: before.calls }).toEqual({
        lastSeen: PrivacyAudience.EVERYONE,
        profilePicture: PrivacyAudience.EVERYONE,
        readReceipts: ReadReceiptsPrivacy.ON,
        calls: CallPrivacy.EVERYONE,
      });
      await profile.setProfilePicture({ accountId: ACCOUNT, mediaId: await upload(image(200, 10, 10), "image/png") });
      expect(await dora.sock.profilePictureUrl(pn(ACCOUNT_PHONE), "image")).toBeDefined();

      const { settings } = await profile.updatePrivacySettings({
        accountId: ACCOUNT,
        settings: { profilePicture: PrivacyAudience.NOBODY, lastSeen: PrivacyAudience.CONTACTS, online: OnlinePrivacy.SAME_AS_LAST_SEEN, readReceipts: ReadReceiptsPrivacy.OFF, calls: CallPrivacy.KNOWN },
      });
      const expected = {
        lastSeen: PrivacyAudience.CONTACTS,
        online: OnlinePrivacy.SAME_AS_LAST_SEEN,
        profilePicture: PrivacyAudience.NOBODY,
        about: PrivacyAudience.EVERYONE,
        groupsAdd: PrivacyAudience.EVERYONE,
        readReceipts: ReadReceiptsPrivacy.OFF,
        calls: CallPrivacy.KNOWN,
      };
      const pick = (s: typeof settings) => ({ lastSeen: s!.lastSeen, online: s!.online, profilePicture: s!.profilePicture, about: s!.about, groupsAdd: s!.groupsAdd, readReceipts: s!.readReceipts, calls: s!.calls });
      expect(pick(settings)).toEqual(expected);
      expect(pick((await profile.getPrivacySettings({ accountId: ACCOUNT })).settings)).toEqual(expected);
      expect(await dora.sock.profilePictureUrl(pn(ACCOUNT_PHONE), "image")).toBeUndefined();

      await profile.updatePrivacySettings({ accountId: ACCOUNT, settings: { profilePicture: PrivacyAudience.EVERYONE } });
      expect(await dora.sock.profilePictureUrl(pn(ACCOUNT_PHONE), "image")).toBeDefined();
    });

    it("when an update sets nothing, or groups_add to nobody, then it fails with invalid_argument naming the field", async () => {
      const empty = await failure(profile.updatePrivacySettings({ accountId: ACCOUNT, settings: {} }));
      expect(empty.code).toBe(Code.InvalidArgument);
      expect(empty.message).toContain("settings");
      const nobody = await failure(profile.updatePrivacySettings({ accountId: ACCOUNT, settings: { groupsAdd: PrivacyAudience.NOBODY } }));
      expect(nobody.code).toBe(Code.InvalidArgument);
      expect(nobody.message).toContain("groups_add");
    });
  });
}));
