import type { WACallEvent } from "@whiskeysockets/baileys";
import { describe, expect, it } from "vitest";
import { simulatorWithAccount } from "./sim-fixture.js";

const ACCOUNT = "15550007001";
const CONTACT = "15550007002";
const fixture = simulatorWithAccount(ACCOUNT);

/** The next `call` event of `status` a client's Baileys emits for `callId` (or any call, without one). */
const callEvent = (client: { waitFor: typeof fixture.account.waitFor }, status: WACallEvent["status"], callId?: string) =>
  client.waitFor("call", (calls) => calls.some((c) => c.status === status && (!callId || c.id === callId))).then((calls) => calls.find((c) => c.status === status)!);

describe("calls on the simulator, unmodified Baileys on every device", () => {
  it("when a contact calls, then every device of the callee rings; when one rejects, the others and the caller hear it and the server records who", async () => {
    const phone2 = await fixture.linkClient("phone2", ACCOUNT);
    const caller = await fixture.contacts.contact(CONTACT);
    const offers = [callEvent(fixture.account, "offer"), callEvent(phone2, "offer")];
    const call = fixture.sim.call(CONTACT, `+${ACCOUNT}`, { video: true });
    const [first, second] = await Promise.all(offers);
    for (const offer of [first, second]) {
      expect(offer).toMatchObject({ id: call.callId, from: caller.lid, callerPn: `${CONTACT}@s.whatsapp.net`, isVideo: true, isGroup: false, offline: false });
    }

    const heard = [callEvent(phone2, "reject", call.callId), caller.waitForCallEvent(call.callId, "reject")];
    // Baileys sends its reject as a query: it resolves only once the server answered
    await fixture.account.sock.rejectCall(call.callId, first!.from);
    await Promise.all(heard);
    const ended = await fixture.sim.callEnded(call.callId);
    expect(ended).toMatchObject({ state: "ended", outcome: "rejected", from: CONTACT, to: ACCOUNT, video: true });
    expect(ended.endedBy).toMatch(new RegExp(`^${ACCOUNT}:\\d+@s\\.whatsapp\\.net$`));

    // a reject for a call that is over is answered (Baileys would hang otherwise) and changes nothing
    await phone2.sock.rejectCall(call.callId, first!.from);
    expect(fixture.sim.getCall(call.callId)).toMatchObject({ outcome: "rejected", endedBy: ended.endedBy });
  });

  it("when nobody answers, then after the ring timeout every device and the caller get a timeout, in phone-number addressing too", async () => {
    const caller = await fixture.contacts.contact(CONTACT);
    const offered = callEvent(fixture.account, "offer");
    const call = fixture.sim.call(CONTACT, `${ACCOUNT}@s.whatsapp.net`, { addressing: "pn", ringTimeoutMs: 300 });
    expect((await offered).from).toBe(`${CONTACT}@s.whatsapp.net`);
    await Promise.all([callEvent(fixture.account, "timeout", call.callId), caller.waitForCallEvent(call.callId, "timeout")]);
    expect(await fixture.sim.callEnded(call.callId)).toMatchObject({ outcome: "timeout" });
  });

  it("when the callee's phone answers and the caller later hangs up, then linked devices see accept, then terminate", async () => {
    await fixture.contacts.contact(CONTACT);
    const offered = callEvent(fixture.account, "offer");
    const call = fixture.sim.call(CONTACT, ACCOUNT);
    await offered;
    const accepted = callEvent(fixture.account, "accept", call.callId);
    expect(fixture.sim.answerCallOnPhone(call.callId)).toMatchObject({ state: "answered", answeredBy: `${ACCOUNT}@s.whatsapp.net` });
    await accepted;
    expect(() => fixture.sim.answerCallOnPhone(call.callId)).toThrow(/not ringing/);
    const terminated = callEvent(fixture.account, "terminate", call.callId);
    expect(fixture.sim.hangUp(call.callId)).toMatchObject({ state: "ended", outcome: "hung_up", endedBy: `${CONTACT}@s.whatsapp.net` });
    await terminated;
    expect(() => fixture.sim.hangUp(call.callId)).toThrow(/over/);
    expect(() => fixture.sim.getCall("NOSUCHCALL")).toThrow(/no call/);
  });
});
