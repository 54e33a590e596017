import { randomBytes } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { createValidateInterceptor } from "@connectrpc/validate";
import { pino } from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ContactMediaKind,
  ContactMessageKind,
  SandboxService,
  type SendFromContactRequestSchema,
} from "../../gen/wildcat/v1/sandbox_service_pb.js";
import { loggingInterceptor } from "../../src/server/interceptors.js";
import { SandboxServiceImpl } from "../../src/services/sandbox-service.js";
import { simulatorWithAccount } from "./sim-fixture.js";

const ACCOUNT = "15550006001";
const CONTACT = "+15550006002";
const CONTACT_JID = "15550006002@s.whatsapp.net";

const fixture = simulatorWithAccount(ACCOUNT);
const ACCOUNT_JID = fixture.accountJid;
let sandbox: Client<typeof SandboxService>;

beforeAll(async () => {
  await fixture.contacts.contact("15550006002");
  // The router in memory, with the production interceptors.
  const transport = createRouterTransport((router) => router.service(SandboxService, new SandboxServiceImpl(fixture.sim, fixture.contacts)), {
    router: { interceptors: [loggingInterceptor(pino({ level: "silent" })), createValidateInterceptor()] },
  });
  sandbox = createClient(SandboxService, transport);
});

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => ConnectError.from(e));
const atAccount = (id: string) => fixture.account.waitForMessage((m) => m.key.id === id);
const send = (req: Omit<MessageInitShape<typeof SendFromContactRequestSchema>, "fromPhoneNumber" | "toJid" | "$typeName">) =>
  sandbox.sendFromContact({ fromPhoneNumber: CONTACT, toJid: ACCOUNT_JID, ...req }).then((r) => r.messageId);

describe("SandboxService.SendFromContact", () => {
  it("when text with a mention replies to the account's message, then the account decrypts the reply", async () => {
    const question = await fixture.account.sock.sendMessage(CONTACT_JID, { text: "ready?" });
    await (await fixture.contacts.contact("15550006002")).waitForMessage((m) => m.messageId === question!.key.id);
    const id = await send({ text: "yes @15550006003", mentions: ["15550006003@s.whatsapp.net"], replyToMessageId: question!.key.id! });
    const text = (await atAccount(id)).message?.extendedTextMessage;
    expect(text?.text).toBe("yes @15550006003");
    expect(text?.contextInfo).toMatchObject({ stanzaId: question!.key.id, mentionedJid: ["15550006003@s.whatsapp.net"] });
  });

  it("when each media kind is sent, then the account downloads the same bytes as that kind", async () => {
    const image = randomBytes(9_000);
    const video = randomBytes(20_000);
    const audio = randomBytes(7_000);
    const voice = randomBytes(6_000);
    const doc = randomBytes(11_000);
    const sticker = randomBytes(5_000);
    const ids = {
      image: await send({ media: image, mediaMimeType: "image/png", text: "inferred image" }),
      video: await send({ media: video, mediaMimeType: "video/mp4", mediaSeconds: 7 }),
      audio: await send({ media: audio, mediaMimeType: "audio/mpeg" }),
      voice: await send({ media: voice, mediaKind: ContactMediaKind.VOICE_NOTE, mediaSeconds: 3 }),
      doc: await send({ media: doc, mediaMimeType: "application/zip", fileName: "backup.zip", text: "the backup" }),
      sticker: await send({ media: sticker, mediaKind: ContactMediaKind.STICKER }),
    };
    const m = {
      image: await atAccount(ids.image),
      video: await atAccount(ids.video),
      audio: await atAccount(ids.audio),
      voice: await atAccount(ids.voice),
      doc: await atAccount(ids.doc),
      sticker: await atAccount(ids.sticker),
    };
    expect(m.image.message?.imageMessage).toMatchObject({ mimetype: "image/png", caption: "inferred image" });
    expect(m.video.message?.videoMessage).toMatchObject({ mimetype: "video/mp4", seconds: 7 });
    expect(m.audio.message?.audioMessage?.ptt).toBeFalsy();
    expect(m.voice.message?.audioMessage).toMatchObject({ ptt: true, seconds: 3, mimetype: "audio/ogg; codecs=opus" });
    expect(m.doc.message?.documentMessage).toMatchObject({ fileName: "backup.zip", mimetype: "application/zip", caption: "the backup" });
    expect(m.sticker.message?.stickerMessage?.mimetype).toBe("image/webp");
    const bytes = { image, video, audio, voice, doc, sticker };
    for (const kind of Object.keys(bytes) as (keyof typeof bytes)[]) {
      expect(Buffer.compare(await fixture.account.download(m[kind]), bytes[kind]), kind).toBe(0);
    }
  });

  it("when a location, contact cards and a poll are sent, then the account decrypts each", async () => {
    const locationId = await send({ location: { latitude: 48.85, longitude: 2.35, name: "Paris", address: "" } });
    expect((await atAccount(locationId)).message?.locationMessage).toMatchObject({ degreesLatitude: 48.85, degreesLongitude: 2.35, name: "Paris" });
    const vcard = "BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nEND:VCARD";
    const cardId = await send({ contacts: { contacts: [{ displayName: "Ann", vcard }] } });
    expect((await atAccount(cardId)).message?.contactMessage).toMatchObject({ displayName: "Ann", vcard });
    const pollId = await send({ poll: { name: "Tea or coffee?", options: ["tea", "coffee"], selectableCount: 1 } });
    expect((await atAccount(pollId)).message?.pollCreationMessageV3).toMatchObject({ name: "Tea or coffee?", selectableOptionsCount: 1 });
  });

  it("when the request is contradictory or names an unknown message, then it fails saying what to fix", async () => {
    const both = await failure(send({ media: randomBytes(10), mediaMimeType: "image/png", location: { latitude: 1, longitude: 2 } }));
    expect(both?.code).toBe(Code.InvalidArgument);
    expect(both?.rawMessage).toMatch(/one of media, location, contacts or poll/);
    const noMime = await failure(send({ media: randomBytes(10) }));
    expect(noMime?.code).toBe(Code.InvalidArgument);
    expect(noMime?.rawMessage).toMatch(/^media_mime_type:/);
    const captionedSticker = await failure(send({ media: randomBytes(10), mediaKind: ContactMediaKind.STICKER, text: "no" }));
    expect(captionedSticker?.code).toBe(Code.InvalidArgument);
    expect(captionedSticker?.rawMessage).toMatch(/^text: a sticker has no/);
    const nothing = await failure(send({}));
    expect(nothing?.rawMessage).toMatch(/^text: give a text/);
    const unknownReply = await failure(send({ text: "hm", replyToMessageId: "NOSUCHID" }));
    expect(unknownReply?.code).toBe(Code.NotFound);
    expect(unknownReply?.rawMessage).toMatch(/^reply_to_message_id: .*NOSUCHID/);
    // rules in the proto, enforced by the validation interceptor
    expect((await failure(send({ text: "x", mediaKind: 99 as ContactMediaKind })))?.code).toBe(Code.InvalidArgument);
    expect((await failure(send({ poll: { name: "one option", options: ["only"], selectableCount: 0 } })))?.code).toBe(Code.InvalidArgument);
  });
});

describe("SandboxService.ListContactMessages and DownloadContactMedia", () => {
  it("when the account sends media, edits and reacts, then the contact's list shows each kind and the media downloads", async () => {
    const file = randomBytes(33_000);
    const doc = await fixture.account.sock.sendMessage(CONTACT_JID, { document: file, mimetype: "application/pdf", fileName: "a.pdf" });
    const text = await fixture.account.sock.sendMessage(CONTACT_JID, { text: "draft" });
    const edit = await fixture.account.sock.sendMessage(CONTACT_JID, { text: "final", edit: text!.key });
    const react = await fixture.account.sock.sendMessage(CONTACT_JID, { react: { text: "👍", key: doc!.key } });
    const contact = await fixture.contacts.contact("15550006002");
    await contact.waitForMessage((m) => m.messageId === react!.key.id);
    await contact.waitForMessage((m) => m.messageId === edit!.key.id);

    const { messages } = await sandbox.listContactMessages({ phoneNumber: CONTACT });
    const byId = (id: string) => messages.find((m) => m.messageId === id);
    expect(byId(doc!.key.id!)).toMatchObject({
      fromJid: ACCOUNT_JID,
      kind: ContactMessageKind.DOCUMENT,
      type: "documentMessage",
      mimeType: "application/pdf",
      fileName: "a.pdf",
      sizeBytes: 33_000n,
    });
    expect(byId(text!.key.id!)).toMatchObject({ kind: ContactMessageKind.TEXT, text: "draft" });
    expect(byId(edit!.key.id!)).toMatchObject({ kind: ContactMessageKind.EDIT, text: "final", targetMessageId: text!.key.id });
    expect(byId(react!.key.id!)).toMatchObject({ kind: ContactMessageKind.REACTION, text: "👍", targetMessageId: doc!.key.id });

    const downloaded = await sandbox.downloadContactMedia({ phoneNumber: CONTACT, messageId: doc!.key.id! });
    expect(Buffer.compare(Buffer.from(downloaded.data), file)).toBe(0);
    expect(downloaded).toMatchObject({ mimeType: "application/pdf", fileName: "a.pdf" });
    expect((await failure(sandbox.downloadContactMedia({ phoneNumber: CONTACT, messageId: text!.key.id! })))?.code).toBe(Code.FailedPrecondition);
    expect((await failure(sandbox.downloadContactMedia({ phoneNumber: CONTACT, messageId: "NOSUCHID" })))?.code).toBe(Code.NotFound);
  });
});

describe("SandboxService.CreateGroup", () => {
  it("when a contact creates a group with the account, then both write to it and the contact's list names the group", async () => {
    const announced = fixture.account.waitFor("groups.upsert", (groups) => groups.some((g) => g.subject === "Shop"));
    const { groupJid } = await sandbox.createGroup({ creatorPhoneNumber: CONTACT, subject: "Shop", participants: [`+${ACCOUNT}`] });
    expect(groupJid).toMatch(/@g\.us$/);
    expect((await announced)[0]).toMatchObject({ id: groupJid, size: 2 });

    const fromContact = await sandbox.sendFromContact({ fromPhoneNumber: CONTACT, toJid: groupJid, text: "hello group" });
    const atAccount = await fixture.account.waitForMessage((m) => m.key.id === fromContact.messageId);
    expect(atAccount.key.remoteJid).toBe(groupJid);
    const fromAccount = await fixture.account.sock.sendMessage(groupJid, { text: "hello back" });
    const contact = await fixture.contacts.contact("15550006002");
    await contact.waitForMessage((m) => m.messageId === fromAccount!.key.id);
    const { messages } = await sandbox.listContactMessages({ phoneNumber: CONTACT });
    expect(messages.find((m) => m.messageId === fromAccount!.key.id)).toMatchObject({
      chatJid: groupJid,
      fromJid: fixture.sim.lidOf(ACCOUNT),
      kind: ContactMessageKind.TEXT,
      text: "hello back",
    });
  });

  it("when a participant is not on the simulator, then nothing is created and the error names it", async () => {
    const unknown = await failure(sandbox.createGroup({ creatorPhoneNumber: CONTACT, subject: "Nobody", participants: ["+19995550000"] }));
    expect(unknown?.code).toBe(Code.FailedPrecondition);
    expect(unknown?.rawMessage).toMatch(/^participants: not on the simulator: 19995550000@s\.whatsapp\.net/);
  });
});
