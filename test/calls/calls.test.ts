import { Code, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AccountState } from "../../gen/wildcat/v1/account_pb.js";
import { CallEndReason, type Call } from "../../gen/wildcat/v1/call_pb.js";
import { CallService } from "../../gen/wildcat/v1/call_service_pb.js";
import { EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import { StreamStart } from "../../gen/wildcat/v1/message_service_pb.js";
import { ContactCallOutcome, ContactCallState, SandboxService } from "../../gen/wildcat/v1/sandbox_service_pb.js";
import { SandboxServiceImpl } from "../../src/services/sandbox-service.js";
import { ContactBook } from "../../src/sim/contact-book.js";
import type { SimulatedContact } from "../../src/sim/contact.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { simulatorSocketOptions } from "../../src/sim/socket-options.js";
import { EventSubscriber } from "../messaging/event-subscriber.js";
import { BaileysClient } from "../sim/baileys-client.js";
import { bearer } from "../support/auth.js";
import { GrpcJsClient } from "../support/clients.js";
import { dropDatabase } from "../support/ferretdb.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { failure, gatewayStores } from "../support/store-adapters.js";
import { AccountWatcher } from "../support/account-watcher.js";
import { apiClients, linkAccount, startTrustedSimulator, type ApiClients } from "../support/sim-gateway.js";

const mongodbUri = inject("mongodbUri");

/** The simulated contact who calls: a phone with its own linked Baileys client. */
const CALLER = "15558500002";
const pn = (phone: string) => `${phone}@s.whatsapp.net`;

let sim: Simulator;
let book: ContactBook;
let caller: SimulatedContact;

beforeAll(async () => {
  sim = await startTrustedSimulator();
  book = new ContactBook(sim);
  caller = await book.contact(CALLER);
}, 90_000);

afterAll(async () => {
  await book?.close();
  await sim?.close();
});

/** Calls log CALL_* events and the auto-reply is a stored message: each adapter is tested. */
const stores = gatewayStores(mongodbUri, "calls");

stores.forEach((store, i) => describe.skipIf(store.skip)(`Calls on ${store.name}, real Baileys on both ends`, () => {
  const env = store.env();
  const ACCOUNT = `calls${i}`;
  const PHONE = `1555850001${i}`;
  let gw: TestGateway;
  let api: ApiClients;
  let calls: Client<typeof CallService>;
  let sandbox: Client<typeof SandboxService>;
  let grpcClient: GrpcJsClient;
  let events: EventSubscriber;

  /** The event of `type` about call `callId`, as StreamMessages delivered it. */
  const callEvent = (type: EventType, callId: string) =>
    events.until((e) => e.type === type && e.payload.case === "call" && e.payload.value.callId === callId, `${EventType[type]} of ${callId}`).then((e) => e.payload.value as Call);
  const callEvents = (callId: string) => events.events.filter((e: Event) => e.payload.case === "call" && e.payload.value.callId === callId).map((e) => EventType[e.type]);

  beforeAll(async () => {
    gw = await startTestGateway(env, {
      socketOptions: { ...simulatorSocketOptions(sim), logger: pino({ level: "silent" }) },
      mounts: [{ service: SandboxService, routes: (r) => r.service(SandboxService, new SandboxServiceImpl(sim, book)) }],
    });
    api = apiClients(gw);
    const transport = createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] });
    calls = createClient(CallService, transport);
    sandbox = createClient(SandboxService, transport);
    await linkAccount(gw, sim, ACCOUNT, PHONE);
    grpcClient = new GrpcJsClient(`127.0.0.1:${gw.gateway.server.port}`);
    // from the oldest event: the stream may open after the first call is offered
    events = new EventSubscriber(grpcClient, { accountIds: [ACCOUNT], start: StreamStart.OLDEST });
  }, 60_000);

  afterAll(async () => {
    events?.cancel();
    grpcClient?.close();
    await gw?.cleanup();
    if (env.MONGODB_URI) await dropDatabase(env.MONGODB_URI, env.MONGODB_DB!);
  });

  it("when a contact video-calls, then CALL_OFFERED names the caller in both forms; RejectCall declines it for the caller and logs CALL_REJECTED once", async () => {
    const { callId } = await sandbox.contactCall({ fromPhoneNumber: `+${CALLER}`, to: `+${PHONE}`, video: true });
    const offered = await callEvent(EventType.CALL_OFFERED, callId);
    expect(offered).toMatchObject({ callId, video: true, group: false, rejectedByUs: false, offline: false });
    expect(offered.from).toMatchObject({ jid: caller.lid, lidJid: caller.lid, pnJid: pn(CALLER) });
    expect(sim.getCall(callId).state).toBe("ringing");

    const { call } = await calls.rejectCall({ accountId: ACCOUNT, callId });
    expect(call).toMatchObject({ callId, video: true, rejectedByUs: true });

    // the server saw the account's device reject it, and told the caller's client
    await sim.callEnded(callId);
    const { call: simCall } = await sandbox.getContactCall({ callId });
    expect(simCall).toMatchObject({ state: ContactCallState.ENDED, outcome: ContactCallOutcome.REJECTED, fromPhoneNumber: CALLER, toPhoneNumber: PHONE, video: true });
    expect(simCall!.endedBy).toMatch(new RegExp(`^${PHONE}:\\d+@s\\.whatsapp\\.net$`));
    expect((await caller.waitForCallEvent(callId, "reject")).id).toBe(callId);
    expect(await callEvent(EventType.CALL_REJECTED, callId)).toMatchObject({ rejectedByUs: true, video: true });

    // a second rejection finds the call over
    const again = await failure(calls.rejectCall({ accountId: ACCOUNT, callId }));
    expect(again.code).toBe(Code.FailedPrecondition);
    expect(again.message).toContain("call_id");
    expect(again.message).toContain("rejected by this account");
    expect(callEvents(callId)).toEqual(["CALL_OFFERED", "CALL_REJECTED"]);
  });

  it("when the caller hangs up while it rings (phone-number addressing), then CALL_ENDED says terminated and RejectCall is refused", async () => {
    const { callId } = await sandbox.contactCall({ fromPhoneNumber: CALLER, to: pn(PHONE), phoneNumberAddressing: true });
    const offered = await callEvent(EventType.CALL_OFFERED, callId);
    expect(offered).toMatchObject({ video: false, from: { jid: pn(CALLER), pnJid: pn(CALLER) } });
    const { call: hungUp } = await sandbox.contactEndCall({ callId });
    expect(hungUp).toMatchObject({ state: ContactCallState.ENDED, outcome: ContactCallOutcome.CANCELLED, endedBy: pn(CALLER) });
    expect(await callEvent(EventType.CALL_ENDED, callId)).toMatchObject({ endReason: CallEndReason.TERMINATED, rejectedByUs: false });
    const late = await failure(calls.rejectCall({ accountId: ACCOUNT, callId }));
    expect(late.code).toBe(Code.FailedPrecondition);
    expect(late.message).toContain("the caller hung up");
    const twice = await failure(sandbox.contactEndCall({ callId }));
    expect(twice.code).toBe(Code.FailedPrecondition);
  });

  it("when nobody answers before the ring timeout, then CALL_ENDED says timeout (a missed call)", async () => {
    const { callId } = await sandbox.contactCall({ fromPhoneNumber: CALLER, to: PHONE, ringTimeout: { seconds: 1n } });
    await callEvent(EventType.CALL_OFFERED, callId);
    expect(await callEvent(EventType.CALL_ENDED, callId)).toMatchObject({ endReason: CallEndReason.TIMEOUT });
    expect(sim.getCall(callId)).toMatchObject({ state: "ended", outcome: "timeout" });
    expect(sim.getCall(callId).endedBy).toBeUndefined();
    await caller.waitForCallEvent(callId, "timeout");
  });

  it("when the account's phone answers, then CALL_ACCEPTED, and CALL_ENDED once the caller hangs up", async () => {
    const { callId } = await sandbox.contactCall({ fromPhoneNumber: CALLER, to: PHONE });
    await callEvent(EventType.CALL_OFFERED, callId);
    const { call: answered } = await sandbox.answerContactCall({ callId });
    expect(answered).toMatchObject({ state: ContactCallState.ANSWERED, endedBy: pn(PHONE) });
    await callEvent(EventType.CALL_ACCEPTED, callId);
    const refused = await failure(calls.rejectCall({ accountId: ACCOUNT, callId }));
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.message).toContain("answered on another device");
    const { call: ended } = await sandbox.contactEndCall({ callId });
    expect(ended).toMatchObject({ outcome: ContactCallOutcome.HUNG_UP, endedBy: pn(CALLER) });
    expect(await callEvent(EventType.CALL_ENDED, callId)).toMatchObject({ endReason: CallEndReason.TERMINATED });
    expect(callEvents(callId)).toEqual(["CALL_OFFERED", "CALL_ACCEPTED", "CALL_ENDED"]);
  });

  it("when the account's call policy auto-rejects with a reply, then a call is rejected without any RPC and the caller gets the text once, even if the offer comes again", async () => {
    const reply = `Sorry, calls are not answered here; write instead (${ACCOUNT})`;
    const { account } = await api.accounts.updateAccount({ account: { accountId: ACCOUNT, callPolicy: { autoReject: true, replyText: reply } }, updateMask: { paths: ["call_policy"] } });
    expect(account?.callPolicy).toMatchObject({ autoReject: true, replyText: reply });

    const { callId } = await sandbox.contactCall({ fromPhoneNumber: CALLER, to: PHONE });
    const ended = await sim.callEnded(callId);
    expect(ended).toMatchObject({ outcome: "rejected" });
    expect(ended.endedBy).toMatch(new RegExp(`^${PHONE}:\\d+@s\\.whatsapp\\.net$`));
    expect(await callEvent(EventType.CALL_REJECTED, callId)).toMatchObject({ rejectedByUs: true });
    const got = await caller.waitForMessage((m) => m.text === reply);
    const { messages } = await sandbox.listContactMessages({ phoneNumber: CALLER });
    expect(messages.filter((m) => m.text === reply).map((m) => m.messageId)).toEqual([got.messageId]);
    const sent = await events.until((e) => e.type === EventType.MESSAGE_SENT && e.payload.case === "message" && e.payload.value.messageId === got.messageId, "the reply's MESSAGE_SENT");
    expect(sent.payload.case === "message" && sent.payload.value.chat?.pnJid).toBe(pn(CALLER));

    // WhatsApp delivers the same offer again (as after a reconnect): Baileys emits it once more
    const sock = await gw.gateway.sockets.connectedSocket(ACCOUNT);
    sock.ev.emit("call", [{ id: callId, from: caller.lid!, callerPn: pn(CALLER), chatId: caller.lid!, date: new Date(), offline: true, status: "offer", isVideo: false, isGroup: false }]);
    // RejectCall queues behind the redelivered offer for the account, so it answers once that was handled
    const after = await failure(calls.rejectCall({ accountId: ACCOUNT, callId }));
    expect(after.code).toBe(Code.FailedPrecondition);

    // an unset policy stops it: calls ring again
    const cleared = await api.accounts.updateAccount({ account: { accountId: ACCOUNT }, updateMask: { paths: ["call_policy"] } });
    expect(cleared.account?.callPolicy).toBeUndefined();
    const { callId: next } = await sandbox.contactCall({ fromPhoneNumber: CALLER, to: PHONE });
    await callEvent(EventType.CALL_OFFERED, next);
    expect(sim.getCall(next).state).toBe("ringing");
    // the stream is in log order: whatever the redelivered offer logged came before this offer
    expect(callEvents(callId)).toEqual(["CALL_OFFERED", "CALL_REJECTED"]);
    const replies = events.events.filter((e) => e.type === EventType.MESSAGE_SENT && e.payload.case === "message" && e.payload.value.text === reply);
    expect(replies).toHaveLength(1);
    await calls.rejectCall({ accountId: ACCOUNT, callId: next });
    await sim.callEnded(next);
  });

  it("when a contact calls while the account is disconnected, then the offer arrives on reconnect marked offline, and the call can still be rejected", async () => {
    await api.accounts.disconnectAccount({ accountId: ACCOUNT });
    const notConnected = await failure(calls.rejectCall({ accountId: ACCOUNT, callId: "ANY" }));
    expect(notConnected.code).toBe(Code.FailedPrecondition);
    const { callId } = await sandbox.contactCall({ fromPhoneNumber: CALLER, to: PHONE, ringTimeout: { seconds: 300n } });
    const watcher = new AccountWatcher(api.accounts, ACCOUNT);
    try {
      await api.accounts.connectAccount({ accountId: ACCOUNT });
      await watcher.until((s) => s.account?.state === AccountState.CONNECTED);
    } finally {
      watcher.close();
    }
    expect(await callEvent(EventType.CALL_OFFERED, callId)).toMatchObject({ offline: true, from: { lidJid: caller.lid, pnJid: pn(CALLER) } });
    await calls.rejectCall({ accountId: ACCOUNT, callId });
    expect(await sim.callEnded(callId)).toMatchObject({ outcome: "rejected" });
  });

  it("when another device of the number rejects, then CALL_REJECTED says it was not this account, and RejectCall finds the call over", async () => {
    const other = new BaileysClient(sim, `second-device-${i}`);
    try {
      await other.linkByQr(PHONE);
      const offered = other.waitFor("call", (c) => c.some((x) => x.status === "offer"));
      const { callId } = await sandbox.contactCall({ fromPhoneNumber: CALLER, to: PHONE });
      const [offer] = await offered;
      await callEvent(EventType.CALL_OFFERED, callId);
      await other.sock.rejectCall(callId, offer!.from);
      expect(await callEvent(EventType.CALL_REJECTED, callId)).toMatchObject({ rejectedByUs: false });
      expect((await sim.callEnded(callId)).endedBy).toBe(other.sock.user!.id);
      const late = await failure(calls.rejectCall({ accountId: ACCOUNT, callId }));
      expect(late.code).toBe(Code.FailedPrecondition);
      expect(late.message).toContain("rejected on another device");
      expect(other.problems()).toEqual([]);
    } finally {
      other.dispose();
    }
  });

  it("when an account is created with a call policy, then it is stored and read back", async () => {
    const id = `callpolicy${i}`;
    await api.accounts.createAccount({ accountId: id, callPolicy: { autoReject: true } });
    const { account } = await api.accounts.getAccount({ accountId: id });
    expect(account?.callPolicy).toMatchObject({ autoReject: true, replyText: "" });
    const long = "x".repeat(1024);
    const updated = await api.accounts.updateAccount({ account: { accountId: id, callPolicy: { autoReject: true, replyText: long } }, updateMask: { paths: ["call_policy"] } });
    expect(updated.account?.callPolicy?.replyText).toBe(long);
    await api.accounts.deleteAccount({ accountId: id });
  });

  it("when a request is malformed or names an unknown call, then the error names the field", async () => {
    const tooLong = await failure(api.accounts.updateAccount({ account: { accountId: ACCOUNT, callPolicy: { autoReject: true, replyText: "x".repeat(1025) } }, updateMask: { paths: ["call_policy"] } }));
    expect(tooLong.code).toBe(Code.InvalidArgument);
    expect(tooLong.message).toContain("reply_text");
    const noReject = await failure(api.accounts.createAccount({ accountId: `nopolicy${i}`, callPolicy: { replyText: "hello" } }));
    expect(noReject.code).toBe(Code.InvalidArgument);
    expect(noReject.message).toContain("reply_text");
    const noId = await failure(calls.rejectCall({ accountId: ACCOUNT, callId: "" }));
    expect(noId.code).toBe(Code.InvalidArgument);
    expect(noId.message).toContain("call_id");
    const unknown = await failure(calls.rejectCall({ accountId: ACCOUNT, callId: "NOSUCHCALL" }));
    expect(unknown.code).toBe(Code.NotFound);
    expect(unknown.message).toContain("call_id");
    const notLinked = await failure(calls.rejectCall({ accountId: "nosuchaccount", callId: "X" }));
    expect([Code.NotFound, Code.FailedPrecondition]).toContain(notLinked.code);
    const unknownSim = await failure(sandbox.getContactCall({ callId: "NOSUCHCALL" }));
    expect(unknownSim.code).toBe(Code.NotFound);
    const nobody = await failure(sandbox.contactCall({ fromPhoneNumber: CALLER, to: "15558500099" }));
    expect(nobody.code).toBe(Code.FailedPrecondition);
    expect(nobody.message).toContain("to:");
  });
}));
