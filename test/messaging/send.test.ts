import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { getContentType, normalizeMessageContent, proto, type WAMessage } from "@whiskeysockets/baileys";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import { MessageStatus, MessageType } from "../../gen/wildcat/v1/message_pb.js";
import { MessageService, Presence } from "../../gen/wildcat/v1/message_service_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { SendMessageRequestSchema } from "../../gen/wildcat/v1/message_service_pb.js";
import { Simulator } from "../../src/sim/simulator.js";
import { BaileysClient } from "../sim/baileys-client.js";
import { GrpcJsClient } from "../support/clients.js";
import type { TestGateway } from "../support/gateway.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";
import { EventSubscriber } from "./event-subscriber.js";
import { RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { durationMs } from "@bufbuild/protobuf/wkt";

const ACCOUNT = "sender";
const ACCOUNT_PHONE = "15558200001";
const BOB_PHONE = "15558200002";
const BOB_JID = `${BOB_PHONE}@s.whatsapp.net`;

let sim: Simulator;
let gw: TestGateway;
let accounts: Client<typeof AccountService>;
let messages: Client<typeof MessageService>;
let grpcClient: GrpcJsClient;
let bob: BaileysClient;
let events: EventSubscriber;

beforeAll(async () => {
  sim = await startTrustedSimulator();
  gw = await startSimGateway(sim);
  ({ accounts, messages } = apiClients(gw));
  grpcClient = new GrpcJsClient(`127.0.0.1:${gw.gateway.server.port}`);
  await linkAccount(gw, sim, ACCOUNT, ACCOUNT_PHONE);
  bob = new BaileysClient(sim, "bob");
  await bob.linkByQr(BOB_PHONE);
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

/** Puts a file in the gateway's media store, as MediaService does for an upload. */
async function stored(mimeType: string, bytes: Buffer, fileName?: string): Promise<string> {
  const mediaId = `m${randomBytes(8).toString("hex")}`;
  await gw.gateway.store.media.put({ mediaId, accountId: ACCOUNT, mimeType, fileName, source: "upload", createTime: new Date() }, Readable.from([bytes]));
  return mediaId;
}

type SendInit = MessageInitShape<typeof SendMessageRequestSchema>;

async function send(content: SendInit["content"], extra: { to?: string; requestId?: string; replyToMessageId?: string; mentions?: string[] } = {}) {
  const { message } = await messages.sendMessage({ accountId: ACCOUNT, to: `+${BOB_PHONE}`, content, ...extra });
  return message!;
}

/** What bob's Baileys received for the id: the message content, unwrapped. */
async function bobGets(messageId: string): Promise<{ msg: WAMessage; content: proto.IMessage; kind: string }> {
  const msg = await bob.waitForMessage((m) => m.key.id === messageId && !m.key.fromMe);
  const content = normalizeMessageContent(msg.message)!;
  return { msg, content, kind: getContentType(content)! };
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("SendMessage: every kind reaches the contact's client", () => {
  it("when the account sends a text with a mention, then the contact decrypts it with the mention", async () => {
    const sent = await send({ case: "text", value: { body: `hi @${BOB_PHONE} see https://example.com/x` } }, { mentions: [`+${BOB_PHONE}`] });
    const { content } = await bobGets(sent.messageId);
    expect(content.extendedTextMessage?.text ?? content.conversation).toBe(`hi @${BOB_PHONE} see https://example.com/x`);
    expect(content.extendedTextMessage?.contextInfo?.mentionedJid).toEqual([BOB_JID]);
    expect(sent).toMatchObject({ type: MessageType.TEXT, fromMe: true, status: MessageStatus.PENDING });
    expect(sent.mentions.map((m) => m.jid)).toEqual([BOB_JID]);
  });

  for (const [name, mime, build, kind, type] of [
    ["image", "image/png", (id: string) => ({ case: "image" as const, value: { mediaId: id, caption: "a picture" } }), "imageMessage", MessageType.IMAGE],
    ["video", "video/mp4", (id: string) => ({ case: "video" as const, value: { mediaId: id, caption: "a clip" } }), "videoMessage", MessageType.VIDEO],
    ["audio", "audio/mpeg", (id: string) => ({ case: "audio" as const, value: { mediaId: id } }), "audioMessage", MessageType.AUDIO],
    ["voice note", "audio/ogg; codecs=opus", (id: string) => ({ case: "audio" as const, value: { mediaId: id, voiceNote: true } }), "audioMessage", MessageType.VOICE_NOTE],
    ["document", "application/pdf", (id: string) => ({ case: "document" as const, value: { mediaId: id, fileName: "invoice.pdf", caption: "your invoice" } }), "documentMessage", MessageType.DOCUMENT],
    ["sticker", "image/webp", (id: string) => ({ case: "sticker" as const, value: { mediaId: id } }), "stickerMessage", MessageType.STICKER],
  ] as const) {
    it(`when the account sends a ${name} from a stored media id, then the contact downloads identical bytes`, async () => {
      const bytes = randomBytes(50_000 + Math.floor(Math.random() * 1000));
      const mediaId = await stored(mime, bytes, "file.bin");
      const sent = await send(build(mediaId));
      expect(sent).toMatchObject({ type, hasMedia: true, media: { mediaId, sha256: sha(bytes), downloadPath: `/media/${mediaId}` } });
      const { msg, kind: got } = await bobGets(sent.messageId);
      expect(got).toBe(kind);
      expect(sha(await bob.download(msg))).toBe(sha(bytes));
    });
  }

  it("when the account sends a location, contacts and a poll, then the contact gets each", async () => {
    const loc = await send({ case: "location", value: { latitude: 52.52, longitude: 13.405, name: "Shop", address: "Main St 1" } });
    expect((await bobGets(loc.messageId)).content.locationMessage).toMatchObject({ degreesLatitude: 52.52, degreesLongitude: 13.405, name: "Shop" });
    const vcard = "BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nTEL;type=CELL:+15550000000\nEND:VCARD";
    const one = await send({ case: "contacts", value: { contacts: [{ displayName: "Ann", vcard }] } });
    expect((await bobGets(one.messageId)).content.contactMessage).toMatchObject({ displayName: "Ann", vcard });
    const two = await send({ case: "contacts", value: { contacts: [{ displayName: "Ann", vcard }, { displayName: "Ben", vcard: vcard.replace("Ann", "Ben") }] } });
    expect((await bobGets(two.messageId)).content.contactsArrayMessage?.contacts).toHaveLength(2);
    const poll = await send({ case: "poll", value: { name: "Delivery day?", options: ["Mon", "Tue"], selectableCount: 1 } });
    const { content } = await bobGets(poll.messageId);
    const created = content.pollCreationMessage ?? content.pollCreationMessageV3;
    expect(created?.options?.map((o) => o.optionName)).toEqual(["Mon", "Tue"]);
    expect(poll).toMatchObject({ type: MessageType.POLL, content: { content: { case: "poll", value: { name: "Delivery day?", options: ["Mon", "Tue"] } } } });
  });

  it("when the account replies to and reacts to the contact's message, then the contact sees the quote and the reaction", async () => {
    const incoming = await bob.sock.sendMessage(`${ACCOUNT_PHONE}@s.whatsapp.net`, { text: "is it in stock?" });
    const id = incoming!.key.id!;
    await events.until((e) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message" && e.payload.value.messageId === id);
    const reply = await send({ case: "text", value: { body: "yes" } }, { replyToMessageId: id });
    expect(reply.replyToMessageId).toBe(id);
    expect((await bobGets(reply.messageId)).content.extendedTextMessage?.contextInfo?.stanzaId).toBe(id);
    const reaction = await send({ case: "reaction", value: { messageId: id, emoji: "👍" } });
    expect((await bobGets(reaction.messageId)).content.reactionMessage).toMatchObject({ text: "👍", key: { id } });
    const { message } = await messages.getMessage({ accountId: ACCOUNT, chatJid: BOB_JID, messageId: id });
    expect(message?.reactions.map((r) => r.emoji)).toEqual(["👍"]);
  });
});

describe("statuses of sent messages", () => {
  it("when the contact plays a voice note, then its status goes to PLAYED, each step with its time and event", async () => {
    const sent = await send({ case: "audio", value: { mediaId: await stored("audio/ogg; codecs=opus", randomBytes(4000)), voiceNote: true } });
    const { msg } = await bobGets(sent.messageId);
    await bob.sock.sendReceipt(msg.key.remoteJid!, undefined, [sent.messageId], "played");
    const played = (s: MessageStatus) => (e: Event) =>
      e.type === EventType.MESSAGE_STATUS_CHANGED && e.payload.case === "statusUpdate" && e.payload.value.messageId === sent.messageId && e.payload.value.status === s;
    await events.until(played(MessageStatus.PLAYED));
    await events.until(played(MessageStatus.SERVER_ACK));
    const { message } = await messages.getMessage({ accountId: ACCOUNT, chatJid: BOB_JID, messageId: sent.messageId, fromMe: true });
    expect(message?.status).toBe(MessageStatus.PLAYED);
    expect(message?.statusHistory.map((h) => h.status)).toEqual(expect.arrayContaining([MessageStatus.PENDING, MessageStatus.SERVER_ACK, MessageStatus.PLAYED]));
    expect(message?.statusHistory.every((h) => h.time !== undefined)).toBe(true);
  });
});

describe("SendMessage: errors and idempotency", () => {
  it("when the number is not on WhatsApp, then not_found says so", async () => {
    const err = await send({ case: "text", value: { body: "hello?" } }, { to: "+15559999999" }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.NotFound });
    expect((err as ConnectError).rawMessage).toMatch(/\+15559999999 is not on WhatsApp/);
  });

  it("when texts go to a phone number, then WhatsApp is asked once whether it is on WhatsApp, and a number that is not is asked about every time", async () => {
    const asked = () => sim.contactQueries(ACCOUNT_PHONE);
    const before = asked();
    for (let i = 0; i < 3; i++) await send({ case: "text", value: { body: `by number ${i}` } });
    expect(asked() - before).toBeLessThanOrEqual(1);
    const again = asked();
    for (let i = 0; i < 2; i++) await send({ case: "text", value: { body: "x" } }, { to: "+15559999998" }).catch(() => undefined);
    expect(asked() - again).toBe(2);
  });

  it("when the recipient is neither a phone number nor a JID, then invalid_argument", async () => {
    const err = await send({ case: "text", value: { body: "x" } }, { to: "bob" }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.InvalidArgument });
  });

  it("when the media id is unknown, then not_found names the field", async () => {
    const err = await send({ case: "image", value: { mediaId: "nope" } }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.NotFound });
    expect((err as ConnectError).rawMessage).toMatch(/image\.media_id/);
  });

  it("when the account is not connected, then failed_precondition", async () => {
    await accounts.createAccount({ accountId: "idle" });
    const err = await messages
      .sendMessage({ accountId: "idle", to: `+${BOB_PHONE}`, content: { case: "text", value: { body: "x" } } })
      .catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.FailedPrecondition });
    const missing = await messages
      .sendMessage({ accountId: "ghost", to: `+${BOB_PHONE}`, content: { case: "text", value: { body: "x" } } })
      .catch((e: unknown) => ConnectError.from(e));
    expect(missing).toMatchObject({ code: Code.NotFound });
  });

  it("when the same request_id is sent five times (three at once), then the contact gets one message and every call the same result", async () => {
    const req = { case: "text" as const, value: { body: "charged $10" } };
    const results = await Promise.all([1, 2, 3].map(() => send(req, { requestId: "order-42" })));
    results.push(await send(req, { requestId: "order-42" }), await send(req, { requestId: "order-42" }));
    const ids = new Set(results.map((r) => r.messageId));
    expect(ids.size).toBe(1);
    const [id] = ids;
    await bobGets(id);
    // A later, different message proves the earlier ones had time to arrive: count after it.
    const marker = await send({ case: "text", value: { body: "marker" } });
    await bobGets(marker.messageId);
    expect(bob.messages.filter((m) => !m.key.fromMe && (m.message?.conversation ?? m.message?.extendedTextMessage?.text) === "charged $10")).toHaveLength(1);
  });
});

describe("after sending", () => {
  it("when the account edits and then deletes its message, then the contact gets both and the stored message follows", async () => {
    const sent = await send({ case: "text", value: { body: "Totl: $5" } });
    await bobGets(sent.messageId);
    const { message: edited } = await messages.editMessage({ accountId: ACCOUNT, chatJid: `+${BOB_PHONE}`, messageId: sent.messageId, text: "Total: $5" });
    expect(edited).toMatchObject({ edited: true, text: "Total: $5" });
    const edit = await bob.waitForMessage((m) => normalizeMessageContent(m.message)?.protocolMessage?.key?.id === sent.messageId);
    expect(normalizeMessageContent(edit.message)?.protocolMessage?.editedMessage?.conversation ?? normalizeMessageContent(edit.message)?.protocolMessage?.editedMessage?.extendedTextMessage?.text).toBe("Total: $5");
    await events.until((e) => e.type === EventType.MESSAGE_EDITED && e.payload.case === "message" && e.payload.value.messageId === sent.messageId);

    const { message: deleted } = await messages.deleteMessage({ accountId: ACCOUNT, chatJid: BOB_JID, messageId: sent.messageId });
    expect(deleted).toMatchObject({ deleted: true, text: "" });
    await bob.waitForMessage(
      (m) => normalizeMessageContent(m.message)?.protocolMessage?.type === proto.Message.ProtocolMessage.Type.REVOKE && normalizeMessageContent(m.message)?.protocolMessage?.key?.id === sent.messageId,
    );
    await events.until((e) => e.type === EventType.MESSAGE_DELETED && e.payload.case === "message" && e.payload.value.messageId === sent.messageId);
    const again = await messages.editMessage({ accountId: ACCOUNT, chatJid: BOB_JID, messageId: sent.messageId, text: "x" }).catch((e: unknown) => ConnectError.from(e));
    expect(again).toMatchObject({ code: Code.FailedPrecondition });
  });

  it("when the account marks a received message read, then the sender sees READ", async () => {
    const incoming = await bob.sock.sendMessage(`${ACCOUNT_PHONE}@s.whatsapp.net`, { text: "did you see this?" });
    const id = incoming!.key.id!;
    await events.until((e) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message" && e.payload.value.messageId === id);
    await messages.markRead({ accountId: ACCOUNT, chatJid: BOB_JID, messageIds: [id] });
    await bob.waitForStatus(id, proto.WebMessageInfo.Status.READ);
    const { message } = await messages.getMessage({ accountId: ACCOUNT, chatJid: BOB_JID, messageId: id });
    expect(message?.status).toBe(MessageStatus.READ);
    const unknown = await messages.markRead({ accountId: ACCOUNT, chatJid: BOB_JID, messageIds: ["NOPE"] }).catch((e: unknown) => ConnectError.from(e));
    expect(unknown).toMatchObject({ code: Code.NotFound });
  });

  it("when the account shows typing, recording, paused, online and offline, then the contact sees each", async () => {
    await bob.sock.presenceSubscribe(`${ACCOUNT_PHONE}@s.whatsapp.net`);
    const seen = (state: string) =>
      new Promise<void>((resolve) =>
        bob.sock.ev.on("presence.update", (u) => {
          if (Object.values(u.presences).some((p) => p.lastKnownPresence === state)) resolve();
        }),
      );
    const composing = seen("composing");
    await messages.sendPresence({ accountId: ACCOUNT, chatJid: BOB_JID, presence: Presence.COMPOSING });
    await composing;
    const recording = seen("recording");
    await messages.sendPresence({ accountId: ACCOUNT, chatJid: `+${BOB_PHONE}`, presence: Presence.RECORDING });
    await recording;
    // Baileys reports a pause as plain "available" in the chat.
    const paused = seen("available");
    await messages.sendPresence({ accountId: ACCOUNT, chatJid: BOB_JID, presence: Presence.PAUSED });
    await paused;
    const online = seen("available");
    await messages.sendPresence({ accountId: ACCOUNT, presence: Presence.AVAILABLE });
    await online;
    const offline = seen("unavailable");
    await messages.sendPresence({ accountId: ACCOUNT, presence: Presence.UNAVAILABLE });
    await offline;
    const err = await messages.sendPresence({ accountId: ACCOUNT, presence: Presence.RECORDING }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.InvalidArgument });
  });
});

// Last in the file: it spends the account's send budget.
describe("the account's send rate", () => {
  it("when an account sends its send_rate_per_minute + 1 messages at once, then the last is resource_exhausted with RetryInfo, and after that delay it goes out", async () => {
    const RATE = 12; // a token every 5 s
    await accounts.updateAccount({ account: { accountId: ACCOUNT, sendRatePerMinute: RATE }, updateMask: { paths: ["send_rate_per_minute"] } });
    try {
      expect((await accounts.getAccount({ accountId: ACCOUNT })).account?.sendRatePerMinute).toBe(RATE);
      for (let i = 0; i < RATE; i++) await send({ case: "text", value: { body: `paced ${i}` } });
      const over = await send({ case: "text", value: { body: "one too many" } }).catch((e: unknown) => ConnectError.from(e));
      expect(over).toMatchObject({ code: Code.ResourceExhausted });
      const retry = (over as ConnectError).findDetails(RetryInfoSchema)[0];
      const waitMs = durationMs(retry.retryDelay!);
      expect(waitMs).toBeGreaterThan(0);
      expect(waitMs).toBeLessThanOrEqual(60_000 / RATE);
      await new Promise((r) => setTimeout(r, waitMs));
      const late = await send({ case: "text", value: { body: "sent after waiting" } });
      expect((await bobGets(late.messageId)).content.conversation ?? (await bobGets(late.messageId)).content.extendedTextMessage?.text).toBe("sent after waiting");
    } finally {
      await accounts.updateAccount({ account: { accountId: ACCOUNT, sendRatePerMinute: 0 }, updateMask: { paths: ["send_rate_per_minute"] } });
    }
  }, 30_000);
});
