import { MongoNetworkError } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountState } from "../../gen/wildcat/v1/account_pb.js";
import { EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import { SimulatedContact } from "../../src/sim/contact.js";
import type { Simulator } from "../../src/sim/simulator.js";
import type { NewMessage } from "../../src/store/messages.js";
import { AccountWatcher } from "../support/account-watcher.js";
import { GrpcJsClient } from "../support/clients.js";
import type { TestGateway } from "../support/gateway.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";
import { EventSubscriber } from "../messaging/event-subscriber.js";

/**
 * The narrow case of a store outage (README, "The database goes away"): Baileys has already
 * sent the receipt of a message when storing it fails for want of the store. The message is
 * held in memory and stored once the store answers again, and the account's connection is
 * paused meanwhile and resumed after. The store's failure is injected for exactly that write.
 */
const ACCOUNT = "blip";
const ACCOUNT_PHONE = "15558100001";
const ACCOUNT_JID = `${ACCOUNT_PHONE}@s.whatsapp.net`;
const CONTACT_PHONE = "15558100002";

let sim: Simulator;
let gw: TestGateway;
let grpcClient: GrpcJsClient;
let contact: SimulatedContact;
let subscriber: EventSubscriber;

beforeAll(async () => {
  sim = await startTrustedSimulator();
  gw = await startSimGateway(sim, { STORE_CHECK_MS: "200" });
  grpcClient = new GrpcJsClient(`127.0.0.1:${gw.gateway.server.port}`);
  await linkAccount(gw, sim, ACCOUNT, ACCOUNT_PHONE);
  contact = await SimulatedContact.open(sim, CONTACT_PHONE);
  subscriber = new EventSubscriber(grpcClient, { accountIds: [ACCOUNT], eventTypes: [EventType.MESSAGE_RECEIVED] });
}, 60_000);

afterAll(async () => {
  subscriber?.cancel();
  grpcClient?.close();
  contact?.close();
  await gw?.cleanup();
  await sim?.close();
});

const received = (messageId: string) => (e: Event) => e.payload.case === "message" && e.payload.value.messageId === messageId;

describe("when the store vanishes between a message's receipt and its storing", () => {
  it("then the message is held, stored once the store answers, announced once, and the account reconnects", async () => {
    const store = gw.gateway.store.messages;
    const upsert = store.upsert.bind(store);
    let injected = 0;
    store.upsert = async (message: NewMessage) => {
      if (message.text === "held in memory" && injected++ === 0) throw new MongoNetworkError("connection reset (injected)");
      return upsert(message);
    };
    const health: boolean[] = [];
    const stopHealth = new AbortController();
    gw.gateway.server.health.onChange(() => health.push(gw.gateway.server.health.isServing()), stopHealth.signal);
    const watcher = new AccountWatcher(apiClients(gw).accounts, ACCOUNT);
    try {
      await watcher.until((s) => s.account!.state === AccountState.CONNECTED);
      const from = watcher.snapshots.length;
      const held = await contact.sendText(ACCOUNT_JID, "held in memory");
      await subscriber.until(received(held), "the held message");
      // the connection was paused while the store was gone, and came back by itself
      await watcher.until((s) => s.account!.state === AccountState.CONNECTING, from);
      await watcher.until((s) => s.account!.state === AccountState.CONNECTED, from + 1);
      const after = await contact.sendText(ACCOUNT_JID, "after the blip");
      await subscriber.until(received(after), "the message after");

      expect(injected).toBeGreaterThanOrEqual(2); // failed once, then stored on the retry
      expect(health.slice(0, 2)).toEqual([false, true]);
      expect(subscriber.events.filter(received(held))).toHaveLength(1);
      expect(subscriber.events.filter(received(after))).toHaveLength(1);
      const { messages } = await apiClients(gw).messages.listMessages({ accountId: ACCOUNT, chatJid: `${CONTACT_PHONE}@s.whatsapp.net` });
      expect(messages.filter((m) => m.messageId === held)).toHaveLength(1);
      expect(messages.filter((m) => m.messageId === after)).toHaveLength(1);
    } finally {
      watcher.close();
      stopHealth.abort();
      store.upsert = upsert;
    }
  }, 90_000);
});
