import { createHash, randomBytes } from "node:crypto";
import type { Client } from "@connectrpc/connect";
import type { AnyMessageContent } from "@whiskeysockets/baileys";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import { MessageType, type Message } from "../../gen/wildcat/v1/message_pb.js";
import { MessageService } from "../../gen/wildcat/v1/message_service_pb.js";
import { Simulator } from "../../src/sim/simulator.js";
import { BaileysClient } from "../sim/baileys-client.js";
import { GrpcJsClient } from "../support/clients.js";
import type { TestGateway } from "../support/gateway.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";
import { EventSubscriber } from "./event-subscriber.js";

const ACCOUNT = "inbox";
const ACCOUNT_JID = "15558300001@s.whatsapp.net";
const BOB_JID = "15558300002@s.whatsapp.net";

let sim: Simulator;
let gw: TestGateway;
let messages: Client<typeof MessageService>;
let grpcClient: GrpcJsClient;
let bob: BaileysClient;
let events: EventSubscriber;

beforeAll(async () => {
  sim = await startTrustedSimulator();
  gw = await startSimGateway(sim);
  ({ messages } = apiClients(gw));
  grpcClient = new GrpcJsClient(`127.0.0.1:${gw.gateway.server.port}`);
  await linkAccount(gw, sim, ACCOUNT, ACCOUNT_JID.split("@")[0]);
  bob = new BaileysClient(sim, "bob");
  await bob.linkByQr(BOB_JID.split("@")[0]);
  events = new EventSubscriber(grpcClient, { accountIds: [ACCOUNT] });
}, 60_000);

afterEach(() => {
  expect(bob.problems()).toEqual([]);
  expect(sim.unknownIqs).toEqual([]);
});

afterAll(async () => {
  events?.cancel();
  grpcClient?.close();
  bob?.dispose();
  await gw?.cleanup();
  await sim?.close();
});

const ofType = (type: EventType, messageId: string) => (e: Event) =>
  e.type === type && (e.payload.case === "message" || e.payload.case === "reaction") && e.payload.value.messageId === messageId;

/** Bob sends `content`; resolves with the message as the account's subscriber got it. */
async function bobSends(content: AnyMessageContent, options: Parameters<BaileysClient["sock"]["sendMessage"]>[2] = {}): Promise<Message> {
  const sent = await bob.sock.sendMessage(ACCOUNT_JID, content, options);
  const event = await events.until(ofType(EventType.MESSAGE_RECEIVED, sent!.key.id!));
  return event.payload.value as Message;
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("every kind a contact sends arrives on StreamMessages and in the history", () => {
  it("when bob sends a text with a mention, then it arrives as TEXT with the mention and both forms of bob's JID", async () => {
    const m = await bobSends({ text: `hey @${ACCOUNT_JID.split("@")[0]}`, mentions: [ACCOUNT_JID] });
    expect(m).toMatchObject({ type: MessageType.TEXT, text: `hey @${ACCOUNT_JID.split("@")[0]}`, fromMe: false, chat: { jid: BOB_JID, pnJid: BOB_JID } });
    expect(m.chat?.lidJid).toMatch(/@lid$/);
    expect(m.mentions.map((j) => j.jid)).toEqual([ACCOUNT_JID]);
    expect(m.content?.content).toEqual(expect.objectContaining({ case: "text" }));
  });

  for (const [name, build, type, caseName] of [
    ["image", (b: Buffer) => ({ image: b, mimetype: "image/jpeg", caption: "photo", jpegThumbnail: "" }), MessageType.IMAGE, "image"],
    ["video", (b: Buffer) => ({ video: b, mimetype: "video/mp4", caption: "clip", jpegThumbnail: "" }), MessageType.VIDEO, "video"],
    ["audio", (b: Buffer) => ({ audio: b, mimetype: "audio/mpeg", seconds: 3 }), MessageType.AUDIO, "audio"],
    ["voice note", (b: Buffer) => ({ audio: b, mimetype: "audio/ogg; codecs=opus", ptt: true, seconds: 3, waveform: new Uint8Array(0) }), MessageType.VOICE_NOTE, "audio"],
    ["document", (b: Buffer) => ({ document: b, mimetype: "application/pdf", fileName: "menu.pdf", caption: "our menu" }), MessageType.DOCUMENT, "document"],
    ["sticker", (b: Buffer) => ({ sticker: b, mimetype: "image/webp" }), MessageType.STICKER, "sticker"],
  ] as const) {
    it(`when bob sends a ${name}, then it arrives as ${MessageType[type]} with the file described`, async () => {
      const bytes = randomBytes(30_000);
      const m = await bobSends(build(bytes) as AnyMessageContent);
      expect(m).toMatchObject({ type, hasMedia: true, media: { sizeBytes: 30_000n, sha256: sha(bytes) } });
      expect(m.content?.content.case).toBe(caseName);
    });
  }

  it("when bob sends a location, contacts and a poll, then each arrives with its content", async () => {
    const loc = await bobSends({ location: { degreesLatitude: 48.85, degreesLongitude: 2.35, name: "Café" } });
    expect(loc).toMatchObject({ type: MessageType.LOCATION, content: { content: { case: "location", value: { latitude: 48.85, longitude: 2.35, name: "Café" } } } });
    const vcard = "BEGIN:VCARD\nVERSION:3.0\nFN:Cy\nEND:VCARD";
    const card = await bobSends({ contacts: { contacts: [{ displayName: "Cy", vcard }] } });
    expect(card).toMatchObject({ type: MessageType.CONTACTS, content: { content: { case: "contacts", value: { contacts: [{ displayName: "Cy", vcard }] } } } });
    const poll = await bobSends({ poll: { name: "Pizza?", values: ["yes", "no"], selectableCount: 1 } });
    expect(poll).toMatchObject({ type: MessageType.POLL, content: { content: { case: "poll", value: { name: "Pizza?", options: ["yes", "no"], selectableCount: 1 } } } });
  });

  it("when bob replies, reacts, edits and deletes, then each change is stored and announced once", async () => {
    const original = await bobSends({ text: "I'd like 2 pizzas" });
    const reply = await bobSends({ text: "make it 3" }, { quoted: { key: { remoteJid: ACCOUNT_JID, fromMe: true, id: original.messageId }, message: { conversation: "I'd like 2 pizzas" } } });
    expect(reply.replyToMessageId).toBe(original.messageId);

    const { message: ours } = await messages.sendMessage({ accountId: ACCOUNT, to: BOB_JID, content: { case: "text", value: { body: "coming up" } } });
    const key = (await bob.waitForMessage((m) => m.key.id === ours!.messageId)).key;
    await bob.sock.sendMessage(ACCOUNT_JID, { react: { text: "❤️", key } });
    const reaction = await events.until(ofType(EventType.MESSAGE_REACTION, ours!.messageId));
    expect(reaction.payload.value).toMatchObject({ fromMe: true, reaction: { emoji: "❤️", from: { jid: BOB_JID } } });

    await bob.sock.sendMessage(ACCOUNT_JID, { text: "make it 4", edit: { remoteJid: ACCOUNT_JID, fromMe: true, id: reply.messageId } });
    const edited = await events.until(ofType(EventType.MESSAGE_EDITED, reply.messageId));
    expect(edited.payload.value).toMatchObject({ edited: true, text: "make it 4" });

    await bob.sock.sendMessage(ACCOUNT_JID, { delete: { remoteJid: ACCOUNT_JID, fromMe: true, id: original.messageId } });
    const deleted = await events.until(ofType(EventType.MESSAGE_DELETED, original.messageId));
    expect(deleted.payload.value).toMatchObject({ deleted: true, text: "" });

    const { message: stored } = await messages.getMessage({ accountId: ACCOUNT, chatJid: BOB_JID, messageId: ours!.messageId, fromMe: true });
    expect(stored?.reactions.map((r) => r.emoji)).toEqual(["❤️"]);
    for (const [type, id] of [[EventType.MESSAGE_EDITED, reply.messageId], [EventType.MESSAGE_DELETED, original.messageId], [EventType.MESSAGE_REACTION, ours!.messageId]] as const) {
      expect(events.events.filter(ofType(type, id))).toHaveLength(1);
    }
  });

  it("then ListMessages returns them newest first, filtered by type and direction, page by page", async () => {
    const all: Message[] = [];
    let pageToken = "";
    do {
      const page = await messages.listMessages({ accountId: ACCOUNT, chatJid: `+${BOB_JID.split("@")[0]}`, pageSize: 4, pageToken });
      all.push(...page.messages);
      pageToken = page.nextPageToken;
    } while (pageToken);
    const received = events.events.filter((e) => e.type === EventType.MESSAGE_RECEIVED).map((e) => (e.payload.value as Message).messageId);
    expect(all.filter((m) => !m.fromMe).map((m) => m.messageId).sort()).toEqual([...received].sort());
    const times = all.map((m) => Number(m.timestamp!.seconds));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const images = await messages.listMessages({ accountId: ACCOUNT, types: [MessageType.IMAGE] });
    expect(images.messages.map((m) => m.type)).toEqual([MessageType.IMAGE]);
    const outbound = await messages.listMessages({ accountId: ACCOUNT, direction: 2 });
    expect(outbound.messages.every((m) => m.fromMe)).toBe(true);
    expect(outbound.messages).toHaveLength(1);
  });

  it("when WhatsApp delivers the same message twice, then it is stored and announced once", async () => {
    const m = await bobSends({ text: "only once" });
    // Redelivery: Baileys hands the same upsert again (as after a reconnect before the ack).
    const sock = await gw.gateway.sockets.connectedSocket(ACCOUNT);
    const stored = await gw.gateway.store.messages.findById(ACCOUNT, m.messageId);
    const { proto } = await import("@whiskeysockets/baileys");
    const again = proto.WebMessageInfo.decode(stored[0].rawMessage!);
    sock.ev.emit("messages.upsert", { messages: [again as never], type: "notify" });
    const marker = await bobSends({ text: "after the redelivery" });
    expect(marker.text).toBe("after the redelivery");
    expect(events.events.filter(ofType(EventType.MESSAGE_RECEIVED, m.messageId))).toHaveLength(1);
    expect(await gw.gateway.store.messages.findById(ACCOUNT, m.messageId)).toHaveLength(1);
  });
});
