import { randomBytes } from "node:crypto";
import type { Client } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import { MessageStatus, MessageType } from "../../gen/wildcat/v1/message_pb.js";
import { MediaDownloadMode } from "../../gen/wildcat/v1/account_pb.js";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { MessageService } from "../../gen/wildcat/v1/message_service_pb.js";
import { SimulatedContact } from "../../src/sim/contact.js";
import { Simulator } from "../../src/sim/simulator.js";
import { GrpcJsClient } from "../support/clients.js";
import type { TestGateway } from "../support/gateway.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";
import { EventSubscriber } from "./event-subscriber.js";

const ACCOUNT = "shop";
const ACCOUNT_PHONE = "15558000001";
const CONTACT_PHONE = "15558000002";
const CONTACT_JID = `${CONTACT_PHONE}@s.whatsapp.net`;

let sim: Simulator;
let gw: TestGateway;
let messages: Client<typeof MessageService>;
let accounts: Client<typeof AccountService>;
let grpcClient: GrpcJsClient;
let contact: SimulatedContact;
let subscriber: EventSubscriber;

beforeAll(async () => {
  sim = await startTrustedSimulator();
  // One download at a time, in arrival order: once a file is ready, every file queued before it is too.
  gw = await startSimGateway(sim, { MEDIA_DOWNLOAD_CONCURRENCY: "1" });
  ({ messages, accounts } = apiClients(gw));
  grpcClient = new GrpcJsClient(`127.0.0.1:${gw.gateway.server.port}`);
  await linkAccount(gw, sim, ACCOUNT, ACCOUNT_PHONE);
  contact = await SimulatedContact.open(sim, CONTACT_PHONE);
  subscriber = new EventSubscriber(grpcClient, { accountIds: [ACCOUNT] });
}, 60_000);

afterAll(async () => {
  subscriber?.cancel();
  grpcClient?.close();
  contact?.close();
  await gw?.cleanup();
  await sim?.close();
});

const received = (messageId: string) => (e: Event) =>
  e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message" && e.payload.value.messageId === messageId;
const statusOf = (messageId: string, status: MessageStatus) => (e: Event) =>
  e.type === EventType.MESSAGE_STATUS_CHANGED && e.payload.case === "statusUpdate" && e.payload.value.messageId === messageId && e.payload.value.status === status;

describe("a contact writes to the account", () => {
  it("when the contact sends a text, then the subscriber gets it and ListMessages returns it", async () => {
    const id = await contact.sendText(`${ACCOUNT_PHONE}@s.whatsapp.net`, "hello shop");
    const event = await subscriber.until(received(id));
    const message = event.payload.case === "message" ? event.payload.value : undefined;
    expect(message).toMatchObject({ type: MessageType.TEXT, text: "hello shop", fromMe: false, chat: { jid: CONTACT_JID } });
    const { messages: listed } = await messages.listMessages({ accountId: ACCOUNT, chatJid: CONTACT_JID });
    expect(listed.map((m) => m.messageId)).toContain(id);
  });

  it("when the contact sends an image, then its media is described", async () => {
    const bytes = randomBytes(20_000);
    const id = await contact.sendImage(`${ACCOUNT_PHONE}@s.whatsapp.net`, bytes, { caption: "look" });
    const event = await subscriber.until(received(id));
    const message = event.payload.case === "message" ? event.payload.value : undefined;
    expect(message).toMatchObject({ type: MessageType.IMAGE, text: "look", hasMedia: true, media: { mimeType: "image/jpeg", sizeBytes: 20_000n } });
  });
});

describe("the account writes to a contact", () => {
  it("when the account sends a text, then the contact decrypts it and the status goes to DELIVERED then READ", async () => {
    const { message } = await messages.sendMessage({ accountId: ACCOUNT, to: `+${CONTACT_PHONE}`, content: { case: "text", value: { body: "your order shipped" } } });
    expect(message?.status).toBe(MessageStatus.PENDING);
    const got = await contact.waitForMessage((m) => m.messageId === message!.messageId);
    expect(got.text).toBe("your order shipped");
    await subscriber.until(statusOf(message!.messageId, MessageStatus.DELIVERED));
    await contact.read(message!.messageId);
    await subscriber.until(statusOf(message!.messageId, MessageStatus.READ));
    const { message: stored } = await messages.getMessage({ accountId: ACCOUNT, chatJid: CONTACT_JID, messageId: message!.messageId, fromMe: true });
    expect(stored?.status).toBe(MessageStatus.READ);
    expect(stored?.statusHistory.map((s) => s.status)).toEqual(expect.arrayContaining([MessageStatus.PENDING, MessageStatus.SERVER_ACK, MessageStatus.DELIVERED, MessageStatus.READ]));
  });
});

describe("polls and groups", () => {
  const message = (e: Event) => (e.payload.case === "message" ? e.payload.value : undefined);

  it("when the contact votes in the account's poll and in its own, then both votes arrive decrypted", async () => {
    const { message: poll } = await messages.sendMessage({
      accountId: ACCOUNT,
      to: CONTACT_JID,
      content: { case: "poll", value: { name: "Pickup or delivery?", options: ["pickup", "delivery"], selectableCount: 1 } },
    });
    await contact.waitForMessage((m) => m.messageId === poll!.messageId);
    const voteId = await contact.vote(poll!.messageId, ["delivery"]);
    const vote = message(await subscriber.until(received(voteId)));
    expect(vote).toMatchObject({ type: MessageType.POLL_VOTE, content: { content: { case: "pollVote", value: { pollMessageId: poll!.messageId, selectedOptions: ["delivery"] } } } });

    const own = await contact.sendPoll(`${ACCOUNT_PHONE}@s.whatsapp.net`, { name: "Rate us", options: ["good", "great", "superb"], selectableCount: 0 });
    await subscriber.until(received(own));
    const ownVote = await contact.vote(own, ["great", "superb"]);
    expect(message(await subscriber.until(received(ownVote)))?.content?.content.value).toMatchObject({ pollMessageId: own, selectedOptions: ["great", "superb"] });
  });

  it("when the contact creates a group with the account, then group messages flow both ways with the participant kept", async () => {
    const group = await contact.createGroup("Orders", [`${ACCOUNT_PHONE}@s.whatsapp.net`]);
    const id = await contact.sendText(group, "hello group");
    const got = message(await subscriber.until(received(id)));
    expect(got).toMatchObject({ text: "hello group", chat: { jid: group } });
    expect([got?.from?.pnJid, got?.from?.lidJid]).toContain(got?.from?.jid);
    expect(got?.from?.pnJid).toBe(CONTACT_JID);

    const { message: sent } = await messages.sendMessage({ accountId: ACCOUNT, to: group, content: { case: "text", value: { body: "hello from the shop" } } });
    const inGroup = await contact.waitForMessage((m) => m.messageId === sent!.messageId);
    expect(inGroup.text).toBe("hello from the shop");
    const { messages: history } = await messages.listMessages({ accountId: ACCOUNT, chatJid: group });
    expect(history.map((m) => m.messageId)).toEqual([sent!.messageId, id]);
  });
});

describe("files in received messages", () => {
  it("when the account's policy keeps only images up to 20 kB, then other files are described but not downloaded; NONE keeps none", async () => {
    const to = `${ACCOUNT_PHONE}@s.whatsapp.net`;
    const setPolicy = (mediaDownload?: { mode: MediaDownloadMode; types?: MessageType[]; maxBytes?: bigint }) =>
      accounts.updateAccount({ account: { accountId: ACCOUNT, mediaDownload }, updateMask: { paths: ["media_download"] } });
    const arrives = async (id: string) => (await subscriber.until(received(id), "MESSAGE_RECEIVED")).payload.value;
    const mediaReady = (id: string) => (e: Event) => e.type === EventType.MEDIA_READY && e.payload.case === "media" && e.payload.value.messageId === id;
    try {
      await setPolicy({ mode: MediaDownloadMode.ALL, types: [MessageType.IMAGE], maxBytes: 20_000n });
      const doc = await contact.sendMedia(to, "document", randomBytes(5_000), { fileName: "a.pdf", mimetype: "application/pdf" });
      await arrives(doc);
      const big = await contact.sendMedia(to, "image", randomBytes(30_000), {});
      await arrives(big);
      await setPolicy({ mode: MediaDownloadMode.NONE });
      const refused = await contact.sendMedia(to, "image", randomBytes(5_000), {});
      await arrives(refused);
      await setPolicy({ mode: MediaDownloadMode.ALL, types: [MessageType.IMAGE], maxBytes: 20_000n });
      const kept = await contact.sendMedia(to, "image", randomBytes(10_000), {});
      await subscriber.until(mediaReady(kept), "MEDIA_READY", 60_000);

      for (const [id, size] of [[doc, 5_000], [big, 30_000], [refused, 5_000]] as const) {
        const { message } = await messages.getMessage({ accountId: ACCOUNT, chatJid: CONTACT_JID, messageId: id });
        expect(message?.media).toMatchObject({ sizeBytes: BigInt(size), mediaId: "", downloadPath: "" });
        expect(subscriber.events.filter(mediaReady(id))).toEqual([]);
      }
    } finally {
      await setPolicy(undefined);
    }
  }, 120_000);
});
