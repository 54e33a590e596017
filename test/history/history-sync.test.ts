import { Code, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import { fromJsonString } from "@bufbuild/protobuf";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { HistorySyncMode, AccountState } from "../../gen/wildcat/v1/account_pb.js";
import { ChatService } from "../../gen/wildcat/v1/chat_service_pb.js";
import { ContactService } from "../../gen/wildcat/v1/contact_service_pb.js";
import { EventSchema, EventType, HistorySyncKind, type Event } from "../../gen/wildcat/v1/event_pb.js";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import { SandboxService, type HistoryChat } from "../../gen/wildcat/v1/sandbox_service_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { HistoryChatSchema } from "../../gen/wildcat/v1/sandbox_service_pb.js";
import { loadConfig } from "../../src/config.js";
import { SandboxServiceImpl } from "../../src/services/sandbox-service.js";
import { ContactBook } from "../../src/sim/contact-book.js";
import { simulatorSocketOptions } from "../../src/sim/socket-options.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { EventSubscriber } from "../messaging/event-subscriber.js";
import { BaileysClient } from "../sim/baileys-client.js";
import { AccountWatcher } from "../support/account-watcher.js";
import { Receiver } from "../webhooks/receiver.js";
import { bearer } from "../support/auth.js";
import { GrpcJsClient } from "../support/clients.js";
import { dropDatabase } from "../support/ferretdb.js";
import { failure, gatewayStores } from "../support/store-adapters.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { apiClients, startTrustedSimulator, type ApiClients } from "../support/sim-gateway.js";

const mongodbUri = inject("mongodbUri");

const BOB = "15558600002";
const CAROL = "15558600003";
const DAVE = "15558600004";
const pn = (phone: string) => `${phone}@s.whatsapp.net`;
const DAY = 86_400_000;
const ago = (days: number) => timestampFromMs(Date.now() - days * DAY);

let sim: Simulator;
let bob: BaileysClient;

beforeAll(async () => {
  sim = await startTrustedSimulator();
  bob = new BaileysClient(sim, "bob");
  await bob.linkByQr(BOB);
}, 90_000);

afterEach(() => {
  expect(bob.problems()).toEqual([]);
  expect(sim.unknownIqs).toEqual([]);
});

afterAll(async () => {
  bob?.dispose();
  await sim?.close();
});

const stores = gatewayStores(mongodbUri, "history");

/**
 * What the simulated phone "already had": three chats, one with unread messages. With a bootstrap
 * limit of 3 the phone sends Carol's two oldest only on request; Dave's 45-day-old one is sent.
 */
function priorChats(tag: string): MessageInitShape<typeof HistoryChatSchema>[] {
  return [
    {
      chat: `+${BOB}`,
      name: "Bob",
      unreadCount: 0,
      messages: [
        { messageId: `${tag}B1`, fromMe: false, text: "hi, is the shop open?", time: ago(3) },
        { messageId: `${tag}B2`, fromMe: true, text: "yes, until six", time: ago(2) },
      ],
    },
    {
      chat: `+${CAROL}`,
      unreadCount: 2,
      messages: [
        { messageId: `${tag}C0`, fromMe: false, text: "a year ago", time: ago(200) },
        { messageId: `${tag}C1`, fromMe: false, text: "last winter", time: ago(60) },
        { messageId: `${tag}C2`, fromMe: true, text: "I will check", time: ago(10) },
        { messageId: `${tag}C3`, fromMe: false, text: "any news?", time: ago(1) },
        { messageId: `${tag}C4`, fromMe: false, text: "hello?", time: ago(0.5) },
      ],
    },
    {
      chat: `+${DAVE}`,
      unreadCount: 0,
      messages: [
        { messageId: `${tag}D0`, fromMe: true, text: "long time no see", time: ago(45) },
        { messageId: `${tag}D1`, fromMe: true, text: "see you", time: ago(5) },
      ],
    },
  ];
}

stores.forEach((store, i) => describe.skipIf(store.skip)(`History on link on ${store.name}, real Baileys against the simulated phone`, () => {
  const env = store.env();
  let gw: TestGateway;
  let api: ApiClients;
  let chats: Client<typeof ChatService>;
  let sandbox: Client<typeof SandboxService>;
  let contactsApi: Client<typeof ContactService>;
  let grpcClient: GrpcJsClient;
  let webhooks: Client<typeof WebhookService>;
  let receiver: Receiver;
  const subscribers: EventSubscriber[] = [];

  beforeAll(async () => {
    gw = await startTestGateway(
      { ...env, HISTORY_SYNC: "recent", HISTORY_SYNC_RECENT_DAYS: "90", WEBHOOK_ALLOW_HOSTS: "127.0.0.1" },
      {
        socketOptions: { ...simulatorSocketOptions(sim), logger: pino({ level: "silent" }) },
        mounts: [{ service: SandboxService, routes: (r) => r.service(SandboxService, new SandboxServiceImpl(sim, new ContactBook(sim))) }],
      },
    );
    const transport = createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] });
    api = apiClients(gw);
    chats = createClient(ChatService, transport);
    sandbox = createClient(SandboxService, transport);
    contactsApi = createClient(ContactService, transport);
    grpcClient = new GrpcJsClient(`127.0.0.1:${gw.gateway.server.port}`);
    webhooks = createClient(WebhookService, transport);
    receiver = await Receiver.start();
  }, 60_000);

  afterAll(async () => {
    await receiver?.close();
    for (const s of subscribers) s.cancel();
    grpcClient?.close();
    await gw?.cleanup();
    if (env.MONGODB_URI) await dropDatabase(env.MONGODB_URI, env.MONGODB_DB!);
  });

  /** Links `accountId` to the phone `phone` (already created), with a subscriber on its events from the start. */
  async function link(accountId: string, phone: string): Promise<EventSubscriber> {
    const events = new EventSubscriber(grpcClient, { accountIds: [accountId] });
    subscribers.push(events);
    const w = new AccountWatcher(api.accounts, accountId);
    try {
      await api.accounts.connectAccount({ accountId });
      const { qrCode } = await w.until((s) => s.qrCode !== undefined);
      await sim.linkDevice(qrCode!.code, phone);
      await w.until((s) => s.account!.state === AccountState.CONNECTED);
    } finally {
      w.close();
    }
    return events;
  }

  const historySynced = (events: EventSubscriber, kind?: HistorySyncKind) =>
    events.until((e: Event) => e.type === EventType.HISTORY_SYNCED && (kind === undefined || (e.payload.case === "historySynced" && e.payload.value.kind === kind)), "HISTORY_SYNCED", 60_000);

  const messagesOf = async (accountId: string, chatJid: string) =>
    (await api.messages.listMessages({ accountId, chatJid, pageSize: 100 })).messages.map((m) => ({ id: m.messageId, fromMe: m.fromMe, text: m.text, fromHistory: m.fromHistory }));

  it("when a phone with three prior chats links, then its history is stored within the policy, ListChats shows it with unread counts, and no MESSAGE_RECEIVED reaches a stream or webhook", async () => {
    const [account, phone, tag] = [`hist${i}a`, `1555860010${i}`, `H${i}A`];
    await sandbox.setPhoneHistory({
      phoneNumber: `+${phone}`,
      chats: priorChats(tag) as HistoryChat[],
      contacts: [{ phoneNumber: `+${DAVE}`, name: "Dave D." }],
      bootstrapMessageLimit: 3,
    });
    await api.accounts.createAccount({ accountId: account, historySync: { mode: HistorySyncMode.RECENT, recentDays: 30 } });
    // a webhook for every event of the account: it must not get one MESSAGE_RECEIVED per history message
    await webhooks.createWebhook({ url: receiver.url(`/${account}`), accountIds: [account] });
    const events = await link(account, phone);
    const synced = await events.until((e) => e.type === EventType.HISTORY_SYNCED && e.payload.case === "historySynced" && e.payload.value.messagesStored > 0, "history with messages", 60_000);

    const { chats: list } = await chats.listChats({ accountId: account });
    const view = list.map((c) => ({ jid: c.jid!.jid, unread: c.unreadCount, fromHistory: c.fromHistory }));
    expect(view.sort((a, b) => a.jid.localeCompare(b.jid))).toEqual([
      { jid: pn(BOB), unread: 0, fromHistory: true },
      { jid: pn(CAROL), unread: 2, fromHistory: true },
      { jid: pn(DAVE), unread: 0, fromHistory: true },
    ]);
    // newest first: Carol's last message is the newest
    expect(list[0]!.jid!.jid).toBe(pn(CAROL));
    expect(list[0]!.lastMessageId).toBe(`${tag}C4`);
    expect(list.find((c) => c.jid!.jid === pn(BOB))!.name).toBe("Bob");
    // contact names come in a PUSH_NAME batch (Baileys may merge it with the bootstrap; it then carries that kind)
    await historySynced(events, HistorySyncKind.PUSH_NAME);
    expect((await chats.getChat({ accountId: account, chatJid: pn(DAVE) })).chat!.name).toBe("Dave D.");
    // and the contact list has them: the phone's name for Bob, Dave's push name
    const contact = async (phone: string) => (await contactsApi.getContact({ accountId: account, contact: `+${phone}` })).contact!;
    expect((await contact(BOB)).addressBookName).toBe("Bob");
    expect((await contact(DAVE)).pushName).toBe("Dave D.");

    // recent 30 days: Dave's message of 45 days ago is left out
    expect(await messagesOf(account, pn(DAVE))).toEqual([{ id: `${tag}D1`, fromMe: true, text: "see you", fromHistory: true }]);
    expect(await messagesOf(account, pn(CAROL))).toEqual([
      { id: `${tag}C4`, fromMe: false, text: "hello?", fromHistory: true },
      { id: `${tag}C3`, fromMe: false, text: "any news?", fromHistory: true },
      { id: `${tag}C2`, fromMe: true, text: "I will check", fromHistory: true },
    ]);
    expect(await messagesOf(account, pn(BOB))).toEqual([
      { id: `${tag}B2`, fromMe: true, text: "yes, until six", fromHistory: true },
      { id: `${tag}B1`, fromMe: false, text: "hi, is the shop open?", fromHistory: true },
    ]);
    const all = events.events.filter((e) => e.type === EventType.HISTORY_SYNCED).map((e) => (e.payload.case === "historySynced" ? e.payload.value : undefined)!);
    expect(all.reduce((n, s) => n + s.messagesStored, 0)).toBe(6);
    expect(synced.payload.case === "historySynced" && timestampMs(synced.payload.value.oldestMessageTime!)).toBeLessThan(Date.now() - 9 * DAY);
    // the whole history raised no MESSAGE_RECEIVED (the log is ordered: they would precede HISTORY_SYNCED)
    expect(events.events.filter((e) => e.type === EventType.MESSAGE_RECEIVED)).toEqual([]);

    // a live message after the history counts as unread on top of the phone's count
    const live = await bob.sock.sendMessage(pn(phone), { text: "one more thing" });
    await events.until((e) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message" && e.payload.value.messageId === live!.key.id, "the live message");
    const bobChat = (await chats.getChat({ accountId: account, chatJid: pn(BOB) })).chat!;
    expect([bobChat.unreadCount, bobChat.lastMessageId]).toEqual([1, live!.key.id]);
    const liveMessage = (await api.messages.getMessage({ accountId: account, chatJid: pn(BOB), messageId: live!.key.id! })).message!;
    expect(liveMessage.fromHistory).toBe(false);
    const historyEvents = events.events.filter((e) => e.type === EventType.HISTORY_SYNCED).map((e) => e.eventId);
    const delivered = () => receiver.received.filter((r) => r.path === `/${account}`).map((r) => fromJsonString(EventSchema, r.body));
    await receiver.waitFor(() => [...historyEvents, liveMessage.messageId].every((id) => delivered().some((e) => e.eventId === id || (e.payload.case === "message" && e.payload.value.messageId === id))), 60_000);
    expect(delivered().filter((e) => e.type === EventType.MESSAGE_RECEIVED).map((e) => e.payload.case === "message" && e.payload.value.messageId)).toEqual([liveMessage.messageId]);

    // on demand: with the policy widened to ALL, the phone sends Carol's older messages
    await api.accounts.updateAccount({ account: { accountId: account, historySync: { mode: HistorySyncMode.ALL } }, updateMask: { paths: ["history_sync"] } });
    expect((await api.accounts.getAccount({ accountId: account })).account!.historySync?.mode).toBe(HistorySyncMode.ALL);
    const { requestId } = await chats.requestHistory({ accountId: account, chatJid: pn(CAROL), count: 1 });
    expect(requestId).not.toBe("");
    const answer = await historySynced(events, HistorySyncKind.ON_DEMAND);
    expect(answer.payload.case === "historySynced" && [answer.payload.value.requestId, answer.payload.value.messagesStored]).toEqual([requestId, 1]);
    expect((await messagesOf(account, pn(CAROL))).map((m) => m.id)).toEqual([`${tag}C4`, `${tag}C3`, `${tag}C2`, `${tag}C1`]);
    // the page of old messages did not change the unread count
    expect((await chats.getChat({ accountId: account, chatJid: pn(CAROL) })).chat!.unreadCount).toBe(2);
    await chats.requestHistory({ accountId: account, chatJid: pn(CAROL), count: 5 });
    await events.until((e) => e.type === EventType.HISTORY_SYNCED && e.payload.case === "historySynced" && e.payload.value.kind === HistorySyncKind.ON_DEMAND && e.payload.value.requestId !== requestId, "the second answer", 60_000);
    expect((await messagesOf(account, pn(CAROL))).map((m) => m.id)).toEqual([`${tag}C4`, `${tag}C3`, `${tag}C2`, `${tag}C1`, `${tag}C0`]);
    expect(events.events.filter((e) => e.type === EventType.MESSAGE_RECEIVED)).toHaveLength(1);
  }, 180_000);

  it("when an account relinks and the phone's history holds messages already stored live, then each is stored once", async () => {
    const [account, phone, tag] = [`hist${i}b`, `1555860020${i}`, `H${i}B`];
    await sandbox.setPhoneHistory({ phoneNumber: `+${phone}`, chats: [priorChats(tag)[0]!] as HistoryChat[] });
    await api.accounts.createAccount({ accountId: account, historySync: { mode: HistorySyncMode.ALL } });
    const first = await link(account, phone);
    await historySynced(first);
    const live = await bob.sock.sendMessage(pn(phone), { text: "live, then in history" });
    await first.until((e) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message" && e.payload.value.messageId === live!.key.id, "the live message");
    // the phone now has the live message too
    const withLive = priorChats(tag)[0]!;
    withLive.messages = [...withLive.messages!, { messageId: live!.key.id!, fromMe: false, text: "live, then in history", time: timestampFromMs(Date.now()) }];
    await sandbox.setPhoneHistory({ phoneNumber: `+${phone}`, chats: [withLive] as HistoryChat[] });
    first.cancel();

    await api.accounts.logoutAccount({ accountId: account });
    const second = await link(account, phone);
    const again = await historySynced(second);
    expect(again.payload.case === "historySynced" && [again.payload.value.messagesStored, again.payload.value.messagesSkipped]).toEqual([0, 3]);
    const ids = (await messagesOf(account, pn(BOB))).map((m) => m.id);
    expect(ids.sort()).toEqual([`${tag}B1`, `${tag}B2`, live!.key.id!].sort());
    const stored = (await api.messages.getMessage({ accountId: account, chatJid: pn(BOB), messageId: live!.key.id! })).message!;
    expect(stored.fromHistory).toBe(false);
  }, 180_000);

  it("when the account's policy is NONE, then history stores nothing and the summary says what was left out", async () => {
    const [account, phone, tag] = [`hist${i}c`, `1555860030${i}`, `H${i}C`];
    await sandbox.setPhoneHistory({ phoneNumber: `+${phone}`, chats: priorChats(tag) as HistoryChat[] });
    await api.accounts.createAccount({ accountId: account, historySync: { mode: HistorySyncMode.NONE } });
    const events = await link(account, phone);
    const synced = await historySynced(events);
    expect(synced.payload.case === "historySynced" && [synced.payload.value.messagesStored, synced.payload.value.chatsStored, synced.payload.value.messagesSkipped]).toEqual([0, 0, 9]);
    expect((await chats.listChats({ accountId: account })).chats).toEqual([]);
    expect((await api.messages.listMessages({ accountId: account, pageSize: 100 })).messages).toEqual([]);
    const refused = await failure(chats.requestHistory({ accountId: account, chatJid: pn(BOB), count: 5 }));
    expect([refused.code, refused.rawMessage]).toEqual([Code.FailedPrecondition, expect.stringContaining("NONE")]);
  }, 180_000);

  it("when a request or policy is out of bounds, then the call fails naming the field", async () => {
    const tooMany = await failure(chats.requestHistory({ accountId: `hist${i}a`, chatJid: pn(CAROL), count: 51 }));
    expect([tooMany.code, tooMany.rawMessage]).toEqual([Code.InvalidArgument, expect.stringContaining("count")]);
    expect((await failure(chats.requestHistory({ accountId: `hist${i}a`, chatJid: pn(CAROL), count: 0 }))).code).toBe(Code.InvalidArgument);
    const noChat = await failure(chats.requestHistory({ accountId: `hist${i}a`, chatJid: "15558600099@s.whatsapp.net", count: 5 }));
    expect([noChat.code, noChat.rawMessage]).toEqual([Code.FailedPrecondition, expect.stringContaining("chat_jid")]);
    expect((await failure(chats.requestHistory({ accountId: "nobody-here", chatJid: pn(CAROL), count: 5 }))).code).toBe(Code.NotFound);
    const days = await failure(api.accounts.createAccount({ accountId: `hist${i}d`, historySync: { mode: HistorySyncMode.RECENT, recentDays: 3651 } }));
    expect([days.code, days.rawMessage]).toEqual([Code.InvalidArgument, expect.stringContaining("recent_days")]);
    const mixed = await failure(api.accounts.createAccount({ accountId: `hist${i}d`, historySync: { mode: HistorySyncMode.ALL, recentDays: 5 } }));
    expect([mixed.code, mixed.rawMessage]).toEqual([Code.InvalidArgument, expect.stringContaining("recent_days")]);
    await api.accounts.createAccount({ accountId: `hist${i}d`, historySync: { mode: HistorySyncMode.RECENT, recentDays: 3650 } });
    const dup = await failure(sandbox.setPhoneHistory({ phoneNumber: "+15558600999", chats: [{ chat: `+${BOB}`, messages: [{ messageId: "X1", text: "a", time: ago(1) }, { messageId: "X1", text: "b", time: ago(1) }] }] }));
    expect([dup.code, dup.rawMessage]).toEqual([Code.InvalidArgument, expect.stringContaining("chats[0].messages[1].message_id")]);
  });
}));

describe("history configuration", () => {
  it("when HISTORY_SYNC_RECENT_DAYS is above 3650 or HISTORY_SYNC is unknown, then the config is refused", () => {
    expect(loadConfig({ HISTORY_SYNC_RECENT_DAYS: "3650" }).historySyncRecentDays).toBe(3650);
    expect(() => loadConfig({ HISTORY_SYNC_RECENT_DAYS: "3651" })).toThrow(/HISTORY_SYNC_RECENT_DAYS/);
    expect(() => loadConfig({ HISTORY_SYNC: "some" })).toThrow(/HISTORY_SYNC/);
    expect(loadConfig({}).historySync).toBe("recent");
  });
});
