import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import type { Media } from "../../gen/wildcat/v1/media_pb.js";
import { StreamStart } from "../../gen/wildcat/v1/message_service_pb.js";
import { SimulatedContact } from "../../src/sim/contact.js";
import { Simulator } from "../../src/sim/simulator.js";
import { GrpcJsClient } from "../support/clients.js";
import type { TestGateway } from "../support/gateway.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";
import { BaileysClient } from "../sim/baileys-client.js";
import { EventSubscriber } from "./event-subscriber.js";

const ACCOUNT = "desk";
const ACCOUNT_JID = "15558100001@s.whatsapp.net";
const CONTACT_JID = "15558100002@s.whatsapp.net";
const STREAM_BUFFER = 16;

let sim: Simulator;
let dataDir: string;
let gw: TestGateway;
let contact: SimulatedContact;
const clients: GrpcJsClient[] = [];

/** The gateway on the same data directory: a restart keeps the account linked and the log. */
async function startGateway(): Promise<TestGateway> {
  const started = await startSimGateway(sim, { DATA_DIR: dataDir, STREAM_BUFFER: String(STREAM_BUFFER), STREAM_STALL_MS: "1000", MEDIA_DOWNLOAD_ATTEMPTS: "1" });
  await started.gateway.restored;
  return started;
}

function subscribe(request: ConstructorParameters<typeof EventSubscriber>[1]): EventSubscriber {
  const client = new GrpcJsClient(`127.0.0.1:${gw.gateway.server.port}`);
  clients.push(client);
  return new EventSubscriber(client, { accountIds: [ACCOUNT], eventTypes: [EventType.MESSAGE_RECEIVED], ...request });
}

const textOf = (e: Event) => (e.payload.case === "message" ? e.payload.value.text : undefined);
const withPrefix = (prefix: string) => (e: Event) => textOf(e)?.startsWith(prefix) === true;

async function sendTexts(prefix: string, count: number): Promise<string[]> {
  const texts = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  for (const t of texts) await contact.sendText(ACCOUNT_JID, t);
  return texts;
}

beforeAll(async () => {
  sim = await startTrustedSimulator();
  dataDir = mkdtempSync(join(tmpdir(), "wildcat-resume-"));
  gw = await startGateway();
  await linkAccount(gw, sim, ACCOUNT, ACCOUNT_JID.split("@")[0]);
  contact = await SimulatedContact.open(sim, CONTACT_JID.split("@")[0]);
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  contact?.close();
  await gw?.cleanup();
  await sim?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * A subscriber that has seen `marker` and stopped: its last cursor is where it left. It reads from
 * the oldest event: a live subscription could start after the marker was stored (a call is not
 * registered on the server when `subscribe` returns, and a contact's send takes milliseconds).
 */
async function subscriberThatLeavesAfter(marker: string): Promise<string> {
  const first = subscribe({ start: StreamStart.OLDEST });
  await contact.sendText(ACCOUNT_JID, marker);
  const last = await first.until((e) => textOf(e) === marker);
  first.cancel();
  return last.cursor;
}

describe("resuming StreamMessages with the last cursor", () => {
  it("when 100 messages arrive while a subscriber is away, then it gets exactly those 100 in order, then live ones", async () => {
    const cursor = await subscriberThatLeavesAfter("before-gap");
    const witness = subscribe({ afterCursor: cursor });
    const missed = await sendTexts("gap-", 100);
    await witness.count(withPrefix("gap-"), 100);

    const resumed = subscribe({ afterCursor: cursor });
    await resumed.count(() => true, 100);
    await contact.sendText(ACCOUNT_JID, "live-after-gap");
    await resumed.until((e) => textOf(e) === "live-after-gap");
    expect(resumed.events.map(textOf)).toEqual([...missed, "live-after-gap"]);
    const cursors = resumed.events.map((e) => BigInt(e.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => (a < b ? -1 : 1)));
    resumed.cancel();
    witness.cancel();
  });

  it("when the gateway restarts while messages arrive, then the subscriber resumes with its cursor and misses none", async () => {
    const cursor = await subscriberThatLeavesAfter("before-restart");
    await gw.stop();
    // Sent while the gateway is down: the simulator queues them for the account's device.
    const missed = await sendTexts("restart-", 100);
    gw = await startGateway();

    const resumed = subscribe({ afterCursor: cursor });
    await resumed.count(withPrefix("restart-"), 100);
    await contact.sendText(ACCOUNT_JID, "live-after-restart");
    await resumed.until((e) => textOf(e) === "live-after-restart");
    expect(resumed.events.map(textOf)).toEqual([...missed, "live-after-restart"]);
    resumed.cancel();
  });
});

describe("WhatsApp asking for a message again after a restart", () => {
  it("when the contact asks again for a message sent before the restart, then it is re-sent from the store (and a request_id repeat sends nothing)", async () => {
    const bob = new BaileysClient(sim, "bob");
    try {
      const bobPhone = "15558100003";
      await bob.linkByQr(bobPhone);
      const { messages } = apiClients(gw);
      const { message } = await messages.sendMessage({ accountId: ACCOUNT, to: `+${bobPhone}`, content: { case: "text", value: { body: "your code is 1234" } } });
      const first = await bob.waitForMessage((m) => m.key.id === message!.messageId);
      expect(first.message?.conversation ?? first.message?.extendedTextMessage?.text).toBe("your code is 1234");

      const once = { accountId: ACCOUNT, to: `+${bobPhone}`, requestId: "otp-2", content: { case: "text" as const, value: { body: "sent once" } } };
      const { message: first2 } = await messages.sendMessage(once);

      await gw.stop();
      gw = await startGateway();
      const { messages: after } = apiClients(gw);
      const { message: repeated } = await after.sendMessage(once);
      expect(repeated?.messageId).toBe(first2!.messageId);
      // Baileys' memory of recent sends died with the old process: only the store has the message.
      const device = (await gw.gateway.sockets.connectedSocket(ACCOUNT)).user!.id;
      const count = () => bob.messages.filter((m) => m.key.id === message!.messageId && m.message).length;
      const before = count();
      await bob.sock.sendRetryRequest({ tag: "message", attrs: { id: message!.messageId, from: device, t: String(Math.floor(Date.now() / 1000)), type: "text" } }, true);
      await bob.waitForMessage(() => count() > before);
      const again = bob.messages.filter((m) => m.key.id === message!.messageId && m.message).at(-1)!;
      expect(again.message?.conversation ?? again.message?.extendedTextMessage?.text).toBe("your code is 1234");
      expect(bob.messages.filter((m) => m.key.id === first2!.messageId && m.message)).toHaveLength(1);
    } finally {
      bob.dispose();
    }
  });
});

describe("received files across a restart", () => {
  it("when a file could not be fetched before the gateway stopped, then it is fetched when the account connects again", async () => {
    const mediaReady = (messageId: string) => (e: Event) => e.type === EventType.MEDIA_READY && e.payload.case === "media" && e.payload.value.messageId === messageId;
    const bytes = randomBytes(50_000);
    sim.mediaDownloadsFailing = true;
    let id: string;
    try {
      const before = subscribe({ eventTypes: [], start: StreamStart.OLDEST });
      id = await contact.sendMedia(ACCOUNT_JID, "image", bytes, {});
      await before.until((e) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message" && e.payload.value.messageId === id);
      await gw.gateway.messaging.inboundMedia.idle(); // its only attempt (MEDIA_DOWNLOAD_ATTEMPTS=1) failed
      before.cancel();
      expect(before.events.filter(mediaReady(id))).toEqual([]);
      await gw.stop();
    } finally {
      sim.mediaDownloadsFailing = false;
    }
    gw = await startGateway();

    const after = subscribe({ eventTypes: [EventType.MEDIA_READY], start: StreamStart.OLDEST });
    const ready = await after.until(mediaReady(id));
    after.cancel();
    const { message } = await apiClients(gw).messages.getMessage({ accountId: ACCOUNT, chatJid: CONTACT_JID, messageId: id });
    expect(message?.media).toMatchObject({ mediaId: (ready.payload.value as Media).mediaId, sha256: createHash("sha256").update(bytes).digest("hex") });
  });
});

describe("a stalled subscriber", () => {
  it("when one of 101 live subscribers stops reading, then it alone ends with resource_exhausted and can resume", async () => {
    // Everyone starts after a marker, so the stalled subscriber's last cursor is known even
    // if it never gets an event.
    const marker = await subscriberThatLeavesAfter("before-stall");
    const live = Array.from({ length: 100 }, () => subscribe({ afterCursor: marker }));
    const stalled = subscribe({ afterCursor: marker });
    stalled.pause();
    const body = "x".repeat(16 * 1024);
    const sent: string[] = [];
    // Big events fill the stalled stream's HTTP/2 window, then its queue of STREAM_BUFFER; then it
    // takes nothing for STREAM_STALL_MS.
    while (stalled.ended === undefined && sent.length < 1000) {
      const text = `stall-${sent.length}-${body}`;
      await contact.sendText(ACCOUNT_JID, text);
      sent.push(text);
      await live[0].until((e) => textOf(e) === text);
    }
    // The stream is reset with ENHANCE_YOUR_CALM (nothing can be written behind unread data),
    // which grpc-js reports as RESOURCE_EXHAUSTED.
    expect(stalled.ended?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);

    for (const s of live) await s.count(withPrefix("stall-"), sent.length);
    // grpc-js accepts gzip, yet 16 KiB events come uncompressed (STREAM_COMPRESSION is off).
    expect(live[0].headers?.get("grpc-encoding") ?? []).not.toContain("gzip");
    for (const s of live) {
      expect(s.ended).toBeUndefined();
      expect(s.events.filter(withPrefix("stall-")).map(textOf)).toEqual(sent);
      s.cancel();
    }
    // It resumes from the last cursor it received and gets the rest.
    const got = stalled.events.filter(withPrefix("stall-"));
    const resumed = subscribe({ afterCursor: got.at(-1)?.cursor ?? marker });
    await resumed.count(withPrefix("stall-"), sent.length - got.length);
    expect([...got, ...resumed.events].map(textOf)).toEqual(sent);
    resumed.cancel();
  }, 120_000);
});
