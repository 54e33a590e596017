import type { Client } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import { MessageService } from "../../gen/wildcat/v1/message_service_pb.js";
import { Simulator } from "../../src/sim/simulator.js";
import { BaileysClient } from "../sim/baileys-client.js";
import { GrpcJsClient } from "../support/clients.js";
import type { TestGateway } from "../support/gateway.js";
import { EventSubscriber } from "../messaging/event-subscriber.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";

const ACCOUNT = "chats";
const ACCOUNT_JID = "15558400001@s.whatsapp.net";
const CAROL_JID = "15558400002@s.whatsapp.net";

let sim: Simulator;
let gw: TestGateway;
let messages: Client<typeof MessageService>;
let grpcClient: GrpcJsClient;
let carol: BaileysClient;
let events: EventSubscriber;

beforeAll(async () => {
  sim = await startTrustedSimulator();
  gw = await startSimGateway(sim);
  ({ messages } = apiClients(gw));
  grpcClient = new GrpcJsClient(`127.0.0.1:${gw.gateway.server.port}`);
  await linkAccount(gw, sim, ACCOUNT, ACCOUNT_JID.split("@")[0]);
  carol = new BaileysClient(sim, "carol");
  await carol.linkByQr(CAROL_JID.split("@")[0]);
  events = new EventSubscriber(grpcClient, { accountIds: [ACCOUNT] });
}, 60_000);

afterAll(async () => {
  events?.cancel();
  grpcClient?.close();
  carol?.dispose();
  await gw?.cleanup();
  await sim?.close();
});

const received = (id: string) => (e: Event) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message" && e.payload.value.messageId === id;

describe("chats kept from messages (real Baileys through the simulator)", () => {
  it("when a contact writes twice and the account answers, then the chat counts two unread and ends on the answer", async () => {
    for (const text of ["hi", "anyone there?"]) {
      const sent = await carol.sock.sendMessage(ACCOUNT_JID, { text });
      await events.until(received(sent!.key.id!));
    }
    const afterReceived = await gw.gateway.store.chats.get(ACCOUNT, CAROL_JID);
    expect(afterReceived).toMatchObject({ chatJid: CAROL_JID, unreadCount: 2, archived: false });
    const { message } = await messages.sendMessage({ accountId: ACCOUNT, to: CAROL_JID, content: { case: "text", value: { body: "yes" } } });
    const chat = await gw.gateway.store.chats.get(ACCOUNT, CAROL_JID);
    expect(chat).toMatchObject({ unreadCount: 2, lastMessageId: message!.messageId });
    expect(chat!.lastMessageTime!.getTime()).toBeGreaterThanOrEqual(afterReceived!.lastMessageTime!.getTime());
  });
});
