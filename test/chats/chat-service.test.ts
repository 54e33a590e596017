import { Code, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Chat } from "../../gen/wildcat/v1/chat_pb.js";
import { ChatService } from "../../gen/wildcat/v1/chat_service_pb.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { EventSubscriber } from "../messaging/event-subscriber.js";
import { BaileysClient } from "../sim/baileys-client.js";
import { bearer } from "../support/auth.js";
import { GrpcJsClient } from "../support/clients.js";
import { dropDatabase } from "../support/ferretdb.js";
import { failure, gatewayStores } from "../support/store-adapters.js";
import type { TestGateway } from "../support/gateway.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";

const mongodbUri = inject("mongodbUri");

const BOB = "15558500002";
const CAROL = "15558500003";
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

beforeAll(async () => {
  sim = await startTrustedSimulator();
  [bob, carol] = [new BaileysClient(sim, "bob"), new BaileysClient(sim, "carol")];
  await Promise.all([bob.linkByQr(BOB), carol.linkByQr(CAROL)]);
}, 90_000);

afterEach(() => {
  for (const c of [bob, carol]) expect(c.problems()).toEqual([]);
  expect(sim.unknownIqs).toEqual([]);
});

afterAll(async () => {
  for (const c of [bob, carol]) c?.dispose();
  await sim?.close();
});

/** The chat list is stored: each adapter is tested. */
const stores = gatewayStores(mongodbUri, "chats");

/** Sends a text from a contact to the account and waits until the account stored it. */
const send = (from: BaileysClient, text: string) => events.textFrom(from, pn(ACCOUNT_PHONE), text);

const summary = (c: Chat) => ({ jid: c.jid!.jid, pnJid: c.jid!.pnJid, lastMessageId: c.lastMessageId, unreadCount: c.unreadCount, archived: c.archived, pinned: c.pinTime !== undefined, muted: c.muteEndTime !== undefined });

stores.forEach((store, i) => describe.skipIf(store.skip)(`ChatService on ${store.name}: the chat list from stored messages, real Baileys on both ends`, () => {
  const env = store.env();

  beforeAll(async () => {
    [ACCOUNT, ACCOUNT_PHONE] = [`chats${i}`, `1555850001${i}`];
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

  it("when two contacts write, then ListChats shows each chat with its last message and unread count, newest first, page by page, and GetChat reads one", async () => {
    await send(bob, "hello");
    const bobLast = await send(bob, "are you open today?");
    const carolLast = await send(carol, "I need a refund");

    const { chats: all, nextPageToken } = await chats.listChats({ accountId: ACCOUNT });
    expect(nextPageToken).toBe("");
    expect(all.map(summary).sort((a, b) => a.jid.localeCompare(b.jid))).toEqual([
      { jid: pn(BOB), pnJid: pn(BOB), lastMessageId: bobLast, unreadCount: 2, archived: false, pinned: false, muted: false },
      { jid: pn(CAROL), pnJid: pn(CAROL), lastMessageId: carolLast, unreadCount: 1, archived: false, pinned: false, muted: false },
    ]);
    const times = all.map((c) => timestampMs(c.lastMessageTime!));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const first = await chats.listChats({ accountId: ACCOUNT, pageSize: 1 });
    expect(first.chats.map((c) => c.jid!.jid)).toEqual([all[0]!.jid!.jid]);
    expect(first.nextPageToken).not.toBe("");
    const second = await chats.listChats({ accountId: ACCOUNT, pageSize: 1, pageToken: first.nextPageToken });
    expect(second.chats.map((c) => c.jid!.jid)).toEqual([all[1]!.jid!.jid]);
    const rest = second.nextPageToken ? await chats.listChats({ accountId: ACCOUNT, pageSize: 1, pageToken: second.nextPageToken }) : undefined;
    expect(rest?.chats ?? []).toEqual([]);

    const { chat } = await chats.getChat({ accountId: ACCOUNT, chatJid: pn(CAROL) });
    expect(summary(chat!)).toEqual(summary(all.find((c) => c.jid!.jid === pn(CAROL))!));
  });

  it("when a chat, an account or a page token is unknown, then the calls fail with not_found or invalid_argument", async () => {
    expect((await failure(chats.getChat({ accountId: ACCOUNT, chatJid: "15558500099@s.whatsapp.net" }))).code).toBe(Code.NotFound);
    expect((await failure(chats.listChats({ accountId: "nobody-here" }))).code).toBe(Code.NotFound);
    expect((await failure(chats.listChats({ accountId: ACCOUNT, pageToken: "bm90LWEtdG9rZW4" }))).code).toBe(Code.InvalidArgument);
  });

  it("when the account is not connected, then its chat list is still readable from the store", async () => {
    const { accounts } = apiClients(gw);
    await accounts.disconnectAccount({ accountId: ACCOUNT });
    const { chats: all } = await chats.listChats({ accountId: ACCOUNT });
    expect(all.map((c) => c.jid!.jid).sort()).toEqual([pn(BOB), pn(CAROL)]);
  });
}));
