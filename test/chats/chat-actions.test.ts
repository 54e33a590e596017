import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { createRouterTransport } from "@connectrpc/connect";
import { createValidateInterceptor } from "@connectrpc/validate";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Chat } from "../../gen/wildcat/v1/chat_pb.js";
import { ChatService } from "../../gen/wildcat/v1/chat_service_pb.js";
import { type ChatChange, EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import { SandboxService, type PhoneChangeChatRequestSchema } from "../../gen/wildcat/v1/sandbox_service_pb.js";
import { ContactBook } from "../../src/sim/contact-book.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { loggingInterceptor } from "../../src/server/interceptors.js";
import { SandboxServiceImpl } from "../../src/services/sandbox-service.js";
import { EventSubscriber } from "../messaging/event-subscriber.js";
import { BaileysClient } from "../sim/baileys-client.js";
import { bearer } from "../support/auth.js";
import { GrpcJsClient } from "../support/clients.js";
import { dropDatabase } from "../support/ferretdb.js";
import { failure, gatewayStores } from "../support/store-adapters.js";
import type { TestGateway } from "../support/gateway.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";

const mongodbUri = inject("mongodbUri");

const BOB = "15558600002";
const CAROL = "15558600003";
const pn = (phone: string) => `${phone}@s.whatsapp.net`;

/** The gateway's account under test: one per store, each on its own phone. */
let ACCOUNT: string;
let ACCOUNT_PHONE: string;

let sim: Simulator;
let gw: TestGateway;
let chats: Client<typeof ChatService>;
let grpcClient: GrpcJsClient;
let events: EventSubscriber;
let bob: BaileysClient;
let carol: BaileysClient;
/** The phone's side, through SandboxService (the router in memory, with the production interceptors). */
let sandbox: Client<typeof SandboxService>;
let book: ContactBook;

beforeAll(async () => {
  sim = await startTrustedSimulator();
  book = new ContactBook(sim, { logger: pino({ level: "silent" }) });
  const transport = createRouterTransport((router) => router.service(SandboxService, new SandboxServiceImpl(sim, book)), {
    router: { interceptors: [loggingInterceptor(pino({ level: "silent" })), createValidateInterceptor()] },
  });
  sandbox = createClient(SandboxService, transport);
  [bob, carol] = [new BaileysClient(sim, "bob"), new BaileysClient(sim, "carol")];
  await Promise.all([bob.linkByQr(BOB), carol.linkByQr(CAROL)]);
}, 90_000);

afterEach(() => {
  for (const c of [bob, carol]) expect(c.problems()).toEqual([]);
  expect(sim.unknownIqs).toEqual([]);
});

afterAll(async () => {
  for (const c of [bob, carol]) c?.dispose();
  await book?.close();
  await sim?.close();
});

/** Chat actions are stored: each adapter is tested. */
const stores = gatewayStores(mongodbUri, "chatactions");

/** Sends a text from a contact to the account and waits until the account stored it. */
const send = (from: BaileysClient, text: string) => events.textFrom(from, pn(ACCOUNT_PHONE), text);

const change = (e: Event): ChatChange | undefined => (e.payload.case === "chatChange" ? e.payload.value : undefined);

/** Waits for a chat event of `type` about `chatJid` matching `check`, made through the API or from WhatsApp. */
function chatEvent(type: EventType, chatJid: string, fromWhatsapp: boolean, check: (c: ChatChange) => boolean = () => true): Promise<Event> {
  return events.until(
    (e) => e.type === type && change(e)?.chat?.jid?.jid === chatJid && change(e)!.fromWhatsapp === fromWhatsapp && check(change(e)!),
    `${EventType[type]} of ${chatJid}`,
  );
}

async function listed(chatJid: string): Promise<Chat | undefined> {
  const { chats: all } = await chats.listChats({ accountId: ACCOUNT });
  return all.find((c) => c.jid!.jid === chatJid);
}

/** What the account's phone shows for a chat (decoded from the app state the simulator stores). */
const phoneView = async (chatJid: string) => (await sandbox.getPhoneChat({ phoneNumber: `+${ACCOUNT_PHONE}`, chatJid })).chat!;
/** The owner changes the chat on the phone. */
const onPhone = (chatJid: string, change: MessageInitShape<typeof PhoneChangeChatRequestSchema>["change"]) => sandbox.phoneChangeChat({ phoneNumber: ACCOUNT_PHONE, chatJid, change });

stores.forEach((store, i) => describe.skipIf(store.skip)(`chat actions on ${store.name}: through WhatsApp's app state, real Baileys against the simulator`, () => {
  const env = store.env();

  beforeAll(async () => {
    [ACCOUNT, ACCOUNT_PHONE] = [`chatact${i}`, `1555860001${i}`];
    gw = await startSimGateway(sim, env);
    chats = createClient(ChatService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] }));
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

  it("when the API archives, pins, mutes until a time and marks a chat unread, then the phone shows each and so does ListChats", async () => {
    await send(bob, "hello");

    const archived = await chats.archiveChat({ accountId: ACCOUNT, chatJid: pn(BOB), archived: true });
    expect(archived.chat!.archived).toBe(true);
    expect((await phoneView(pn(BOB))).archived).toBe(true);
    expect((await listed(pn(BOB)))!.archived).toBe(true);
    await chatEvent(EventType.CHAT_UPDATED, pn(BOB), false, (c) => c.changedFields.join() === "archived" && c.chat!.archived);

    const pinned = await chats.pinChat({ accountId: ACCOUNT, chatJid: pn(BOB), pinned: true });
    expect(pinned.chat!.pinTime).toBeDefined();
    expect((await phoneView(pn(BOB))).pinTime).toBeDefined();
    expect((await listed(pn(BOB)))!.pinTime).toBeDefined();

    const until = Date.now() + 8 * 3_600_000;
    const muted = await chats.muteChat({ accountId: ACCOUNT, chatJid: pn(BOB), until: { case: "muteEndTime", value: timestampFromMs(until) } });
    expect(timestampMs(muted.chat!.muteEndTime!)).toBe(until);
    expect(timestampMs((await phoneView(pn(BOB))).muteEndTime!)).toBe(until);
    expect(timestampMs((await listed(pn(BOB)))!.muteEndTime!)).toBe(until);

    const unread = await chats.markChatUnread({ accountId: ACCOUNT, chatJid: pn(BOB), unread: true });
    expect(unread.chat!.markedUnread).toBe(true);
    expect((await phoneView(pn(BOB))).markedUnread).toBe(true);
    expect((await listed(pn(BOB)))!.markedUnread).toBe(true);
    await chatEvent(EventType.CHAT_UPDATED, pn(BOB), false, (c) => c.changedFields.join() === "marked_unread");

    // muting for a duration, then unmuting: both reach the phone
    const forAnHour = await chats.muteChat({ accountId: ACCOUNT, chatJid: pn(BOB), until: { case: "duration", value: { seconds: 3600n } } });
    expect(timestampMs((await phoneView(pn(BOB))).muteEndTime!)).toBe(timestampMs(forAnHour.chat!.muteEndTime!));
    const unmuted = await chats.unmuteChat({ accountId: ACCOUNT, chatJid: pn(BOB) });
    expect(unmuted.chat!.muteEndTime).toBeUndefined();
    expect((await phoneView(pn(BOB))).muteEndTime).toBeUndefined();
  });

  it("when the phone unarchives, unpins, mutes and marks a chat read, then Baileys syncs it, ListChats shows it and events say it came from WhatsApp", async () => {
    const unarchived = chatEvent(EventType.CHAT_UPDATED, pn(BOB), true, (c) => c.changedFields.includes("archived") && !c.chat!.archived);
    expect((await onPhone(pn(BOB), { case: "archived", value: false })).chat!.archived).toBe(false);
    await unarchived;
    expect((await listed(pn(BOB)))!.archived).toBe(false);

    const unpinned = chatEvent(EventType.CHAT_UPDATED, pn(BOB), true, (c) => c.changedFields.includes("pin_time"));
    await onPhone(pn(BOB), { case: "pinned", value: false });
    await unpinned;
    expect((await listed(pn(BOB)))!.pinTime).toBeUndefined();

    const until = Date.now() + 7 * 24 * 3_600_000;
    const muted = chatEvent(EventType.CHAT_UPDATED, pn(BOB), true, (c) => c.chat!.muteEndTime !== undefined && timestampMs(c.chat!.muteEndTime) === until);
    await onPhone(pn(BOB), { case: "muteEndTime", value: timestampFromMs(until) });
    await muted;
    expect(timestampMs((await listed(pn(BOB)))!.muteEndTime!)).toBe(until);

    const read = chatEvent(EventType.CHAT_UPDATED, pn(BOB), true, (c) => c.changedFields.includes("marked_unread") && !c.chat!.markedUnread);
    await onPhone(pn(BOB), { case: "unread", value: false });
    await read;
    expect(await listed(pn(BOB))).toMatchObject({ markedUnread: false, unreadCount: 0 });
  });

  it("when a message is starred through the API and unstarred on the phone, then both show it and each is an event", async () => {
    const id = await send(carol, "remember this");
    const { messages } = apiClients(gw);
    const starred = await chats.starMessage({ accountId: ACCOUNT, chatJid: pn(CAROL), messageId: id, starred: true });
    expect(starred.message!.starred).toBe(true);
    expect((await phoneView(pn(CAROL))).starredMessageIds).toEqual([id]);
    expect((await messages.getMessage({ accountId: ACCOUNT, chatJid: pn(CAROL), messageId: id })).message!.starred).toBe(true);
    await chatEvent(EventType.MESSAGE_STARRED, pn(CAROL), false, (c) => c.messageId === id && c.starred);

    const unstarred = chatEvent(EventType.MESSAGE_STARRED, pn(CAROL), true, (c) => c.messageId === id && !c.starred);
    expect((await onPhone(pn(CAROL), { case: "star", value: { messageId: id, fromMe: false, starred: false } })).chat!.starredMessageIds).toEqual([]);
    await unstarred;
    expect((await messages.getMessage({ accountId: ACCOUNT, chatJid: pn(CAROL), messageId: id })).message!.starred).toBe(false);
  });

  it("when the API deletes one chat and the phone another, then both leave ListChats, the phone shows the first deleted, and each is an event", async () => {
    await chats.deleteChat({ accountId: ACCOUNT, chatJid: pn(BOB) });
    expect((await phoneView(pn(BOB))).deleted).toBe(true);
    expect(await listed(pn(BOB))).toBeUndefined();
    await chatEvent(EventType.CHAT_DELETED, pn(BOB), false);

    const deleted = chatEvent(EventType.CHAT_DELETED, pn(CAROL), true);
    await onPhone(pn(CAROL), { case: "delete", value: true });
    await deleted;
    expect(await listed(pn(CAROL))).toBeUndefined();
  });

  it("when the chat is unknown or the mute time is past, then the calls fail with not_found or invalid_argument naming the field", async () => {
    const unknown = await failure(chats.archiveChat({ accountId: ACCOUNT, chatJid: "15558600099@s.whatsapp.net", archived: true }));
    expect(unknown.code).toBe(Code.NotFound);
    expect((await failure(chats.pinChat({ accountId: "nobody-here", chatJid: pn(BOB), pinned: true }))).code).toBe(Code.NotFound);
    await send(bob, "back again");
    const past = await failure(chats.muteChat({ accountId: ACCOUNT, chatJid: pn(BOB), until: { case: "muteEndTime", value: timestampFromMs(Date.now() - 60_000) } }));
    expect(past.code).toBe(Code.InvalidArgument);
    expect(past.message).toContain("mute_end_time");
    const noUntil = await failure(chats.muteChat({ accountId: ACCOUNT, chatJid: pn(BOB) }));
    expect(noUntil.code).toBe(Code.InvalidArgument);
    // the phone's side checks its input too
    expect((await failure(sandbox.phoneChangeChat({ phoneNumber: ACCOUNT_PHONE, chatJid: pn(BOB) }))).code).toBe(Code.InvalidArgument);
    const noMessage = await failure(chats.starMessage({ accountId: ACCOUNT, chatJid: pn(BOB), messageId: "NOSUCHMESSAGE", starred: true }));
    expect(noMessage.code).toBe(Code.NotFound);
  });
}));
