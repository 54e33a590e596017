import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { fromJsonString } from "@bufbuild/protobuf";
import { afterAll, describe, expect, it } from "vitest";
import { EventSchema, EventType } from "../../gen/wildcat/v1/event_pb.js";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { BaileysClient } from "../sim/baileys-client.js";
import type { TestGateway } from "../support/gateway.js";
import { linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";
import { Receiver, verify } from "./receiver.js";
import { bearer } from "../support/auth.js";

const ACCOUNT = "hooked";
const ACCOUNT_JID = "15558400001@s.whatsapp.net";
const CAROL_JID = "15558400002@s.whatsapp.net";

let sim: Simulator | undefined;
let gw: TestGateway | undefined;
let carol: BaileysClient | undefined;
let receiver: Receiver | undefined;

afterAll(async () => {
  carol?.dispose();
  await gw?.cleanup();
  await sim?.close();
  await receiver?.close();
});

describe("webhooks end to end", () => {
  it("when a simulated contact sends a message, then it arrives at the webhook as a signed MESSAGE_RECEIVED event", async () => {
    receiver = await Receiver.start();
    sim = await startTrustedSimulator();
    gw = await startSimGateway(sim, { WEBHOOK_ALLOW_HOSTS: "127.0.0.1" });
    const webhooks = createClient(WebhookService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] }));
    const { secret } = await webhooks.createWebhook({ url: receiver.url(), eventTypes: [EventType.MESSAGE_RECEIVED], accountIds: [ACCOUNT] });
    await linkAccount(gw, sim, ACCOUNT, ACCOUNT_JID.split("@")[0]);
    carol = new BaileysClient(sim, "carol");
    await carol.linkByQr(CAROL_JID.split("@")[0]);

    const sent = await carol.sock.sendMessage(ACCOUNT_JID, { text: "hello webhook" });

    const [got] = await receiver.waitFor((r) => r.some((x) => x.body.includes(sent!.key.id!)), 30_000).then((r) => r.filter((x) => x.body.includes(sent!.key.id!)));
    verify(secret, got);
    const event = fromJsonString(EventSchema, got.body);
    expect(got.headers["webhook-id"]).toBe(event.eventId);
    expect([event.type, event.accountId, event.payload.case]).toEqual([EventType.MESSAGE_RECEIVED, ACCOUNT, "message"]);
    const message = event.payload.value as { messageId: string; content: { case?: string; value?: { body?: string } } };
    expect(message.messageId).toBe(sent!.key.id);
    expect(got.body).toContain("hello webhook");
    // Only the filtered type reached this webhook (account state changes did not).
    expect(receiver.received.every((r) => fromJsonString(EventSchema, r.body).type === EventType.MESSAGE_RECEIVED)).toBe(true);
    console.log(`webhook body example: ${got.body}`);
  }, 90_000);
});
