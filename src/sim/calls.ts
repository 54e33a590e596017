import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { type BinaryNode, getAllBinaryNodeChildren } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import type { DeviceConnection } from "./device-connection.js";
import type { ExceptDevice } from "./groups.js";
import { lidJid, type PhoneRecord, pnJid } from "./sim-state.js";
import { until } from "./until.js";

/** Where a simulated call is. */
export type SimCallState = "ringing" | "answered" | "ended";
/** How a simulated call ended. */
export type SimCallOutcome = "rejected" | "cancelled" | "timeout" | "hung_up";

/** A call as the server saw it: who called whom, and how it went. */
export interface SimCall {
  callId: string;
  /** The caller's phone number. */
  from: string;
  /** The callee's phone number. */
  to: string;
  video: boolean;
  /** How the stanzas name caller and callee. */
  addressing: "pn" | "lid";
  state: SimCallState;
  outcome?: SimCallOutcome;
  /** Who ended it, in phone-number form: the device that rejected it, or the caller (user JID) for a hang-up; absent for a timeout. */
  endedBy?: string;
  /** The device JID that answered it, once answered. */
  answeredBy?: string;
  startTime: Date;
  endTime?: Date;
}

export interface CallOptions {
  video?: boolean;
  /** How the offer names the caller: by LID (with `caller_pn`, the default) or by phone number. */
  addressing?: "pn" | "lid";
  /** How long the call rings before the server gives up; the simulator's default when absent. */
  ringTimeoutMs?: number;
}

/** A call id the server never issued. */
export class UnknownCallError extends Error {}
/** A call that is not in the state the request needs (e.g. already over). */
export class CallStateError extends Error {}

type Send = (phones: PhoneRecord[], node: BinaryNode, except?: ExceptDevice) => void;

const now = () => String(Math.floor(Date.now() / 1000));
const stanzaId = () => randomBytes(8).toString("hex").toUpperCase();

/**
 * The server's part in voice and video calls, signalling only (no media): offers a call from a
 * simulated phone to every device of the callee, as WhatsApp does, and ends it when a device
 * rejects it (the other devices and the caller are told), the caller hangs up, or nobody
 * answers in time. Calls are kept in memory, outcome included, so a test can ask how one ended.
 */
export class Calls {
  private readonly calls = new Map<string, { call: SimCall; caller: PhoneRecord; callee: PhoneRecord; timer?: NodeJS.Timeout }>();
  private readonly changes = new EventEmitter();

  constructor(
    private readonly send: Send,
    private readonly defaultRingMs: number,
    private readonly logger: Logger,
  ) {
    this.changes.setMaxListeners(0);
  }

  /** The caller's phone calls the callee: every device of the callee gets the offer. */
  offer(caller: PhoneRecord, callee: PhoneRecord, opts: CallOptions = {}): SimCall {
    const call: SimCall = {
      callId: randomBytes(16).toString("hex").toUpperCase(),
      from: caller.phoneNumber,
      to: callee.phoneNumber,
      video: opts.video ?? false,
      addressing: opts.addressing ?? "lid",
      state: "ringing",
      startTime: new Date(),
    };
    const entry: { call: SimCall; caller: PhoneRecord; callee: PhoneRecord; timer?: NodeJS.Timeout } = { call, caller, callee };
    this.calls.set(call.callId, entry);
    const creator = this.jid(caller, call);
    const offer: BinaryNode = {
      tag: "offer",
      attrs: { "call-id": call.callId, "call-creator": creator, ...(call.addressing === "lid" ? { caller_pn: pnJid(caller) } : {}) },
      content: [
        { tag: "audio", attrs: { enc: "opus", rate: "16000" } },
        { tag: "audio", attrs: { enc: "opus", rate: "8000" } },
        ...(call.video ? [{ tag: "video", attrs: { enc: "vp8", dec: "vp8", orientation: "0", screen_width: "1920", screen_height: "1080", device_orientation: "0" } }] : []),
        { tag: "net", attrs: { medium: "3" } },
        { tag: "encopt", attrs: { keygen: "2" } },
      ],
    };
    this.send([callee], this.stanza(creator, offer));
    entry.timer = setTimeout(() => this.timeOut(call.callId), opts.ringTimeoutMs || this.defaultRingMs);
    entry.timer.unref();
    this.logger.debug({ callId: call.callId, from: call.from, to: call.to }, "call offered");
    this.changed();
    return { ...call };
  }

  /** The caller hangs up: a ringing call is cancelled, an answered one ends. */
  hangUp(callId: string): SimCall {
    const entry = this.entry(callId);
    const { call, caller, callee } = entry;
    if (call.state === "ended") throw new CallStateError(`call ${callId} is over (${call.outcome})`);
    const terminate = this.child("terminate", call, caller);
    this.send([callee, caller], this.stanza(this.jid(caller, call), terminate));
    this.end(entry, call.state === "answered" ? "hung_up" : "cancelled", pnJid(caller));
    return { ...call };
  }

  /** The callee's phone (device 0) answers; its linked devices and the caller hear it was answered. */
  answerOnPhone(callId: string): SimCall {
    const entry = this.entry(callId);
    const { call, caller, callee } = entry;
    if (call.state !== "ringing") throw new CallStateError(`call ${callId} is not ringing (${call.outcome ?? call.state})`);
    clearTimeout(entry.timer);
    call.state = "answered";
    call.answeredBy = pnJid(callee, 0);
    const accept = this.child("accept", call, caller);
    this.send([callee], this.stanza(this.jid(caller, call), accept));
    this.send([caller], this.stanza(this.jid(callee, call), accept));
    this.changed();
    return { ...call };
  }

  /** A `<call>` stanza from a device: a callee's device rejecting is what the server acts on. */
  onStanza(conn: DeviceConnection, node: BinaryNode): void {
    const [child] = getAllBinaryNodeChildren(node);
    // Baileys sends its reject as a query: the answer is an ack with the stanza's id
    conn.sendNode({ tag: "ack", attrs: { id: node.attrs.id ?? "", class: "call", ...(child ? { type: child.tag } : {}), ...(node.attrs.to ? { from: node.attrs.to } : {}) } });
    const entry = child ? this.calls.get(child.attrs["call-id"] ?? "") : undefined;
    const owner = conn.owner!;
    if (child?.tag !== "reject" || !entry || entry.callee !== owner.phone || entry.call.state !== "ringing") {
      this.logger.debug({ tag: child?.tag, callId: child?.attrs["call-id"] }, "call stanza with nothing to do");
      return;
    }
    const { call, caller, callee } = entry;
    const reject: BinaryNode = { tag: "reject", attrs: { "call-id": call.callId, "call-creator": this.jid(caller, call), count: "0" } };
    // the callee's other devices stop ringing; the caller hears the call was declined
    this.send([callee], this.stanza(this.jid(caller, call), reject), { phone: owner.phone, deviceId: owner.device.id });
    this.send([caller], this.stanza(this.jid(callee, call), reject));
    this.end(entry, "rejected", pnJid(owner.phone, owner.device.id));
  }

  /** The call as it is now. */
  get(callId: string): SimCall {
    return { ...this.entry(callId).call };
  }

  /** Resolves with the call once it has ended. */
  ended(callId: string, timeoutMs = 30_000): Promise<SimCall> {
    this.entry(callId);
    return until(
      this.changes,
      () => {
        const call = this.calls.get(callId)!.call;
        return call.state === "ended" ? { ...call } : undefined;
      },
      timeoutMs,
      () => new Error(`call ${callId} did not end`),
    );
  }

  /** Stops the ring timers (the simulator is closing). */
  close(): void {
    for (const { timer } of this.calls.values()) clearTimeout(timer);
  }

  private timeOut(callId: string): void {
    const entry = this.calls.get(callId);
    if (!entry || entry.call.state !== "ringing") return;
    const { call, caller, callee } = entry;
    const terminate = this.child("terminate", call, caller, { reason: "timeout" });
    this.send([callee, caller], this.stanza(this.jid(caller, call), terminate));
    this.end(entry, "timeout");
  }

  private end(entry: { call: SimCall; timer?: NodeJS.Timeout }, outcome: SimCallOutcome, by?: string): void {
    clearTimeout(entry.timer);
    entry.call.state = "ended";
    entry.call.outcome = outcome;
    if (by) entry.call.endedBy = by;
    entry.call.endTime = new Date();
    this.logger.debug({ callId: entry.call.callId, outcome, by }, "call ended");
    this.changed();
  }

  private entry(callId: string) {
    const entry = this.calls.get(callId);
    if (!entry) throw new UnknownCallError(`no call ${callId} on the simulator`);
    return entry;
  }

  /** A phone's user JID in the call's addressing. */
  private jid(phone: PhoneRecord, call: SimCall): string {
    return call.addressing === "lid" ? lidJid(phone) : pnJid(phone);
  }

  private child(tag: string, call: SimCall, caller: PhoneRecord, extra: Record<string, string> = {}): BinaryNode {
    return { tag, attrs: { "call-id": call.callId, "call-creator": this.jid(caller, call), ...extra } };
  }

  private stanza(from: string, child: BinaryNode): BinaryNode {
    return { tag: "call", attrs: { from, id: stanzaId(), t: now() }, content: [child] };
  }

  private changed(): void {
    this.changes.emit("change");
  }
}
