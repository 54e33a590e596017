import { KeyedMutex } from "../store/keyed-mutex.js";
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { isLidUser, isPnUser, jidNormalizedUser, type WACallEvent, type WASocket } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import { type Call, CallEndReason, type CallSchema } from "../../gen/wildcat/v1/call_pb.js";
import { EventSchema } from "../../gen/wildcat/v1/event_pb.js";
import { SendMessageRequestSchema } from "../../gen/wildcat/v1/message_service_pb.js";
import type { Clock } from "../clock.js";
import { WIRE_EVENT_TYPES } from "../events/event-types.js";
import type { Messaging } from "../messaging/messaging.js";
import type { EventLog, EventType } from "../store/events.js";
import type { AccountStore } from "../store/store.js";

export interface CallTrackerDeps {
  events: EventLog;
  accounts: AccountStore;
  messaging: Messaging;
  clock: Clock;
  logger: Logger;
}

/** The stages of a call that become events; each is logged at most once per call. */
type Stage = "offered" | "accepted" | "rejected" | "ended";

const STAGE_TYPES: Record<Stage, EventType> = {
  offered: "call_offered",
  accepted: "call_accepted",
  rejected: "call_rejected",
  ended: "call_ended",
};

/** The stages after which a call no longer rings. */
const OVER: Stage[] = ["accepted", "rejected", "ended"];

/**
 * Puts the calls offered to accounts on the event log and rejects them, on request or by the
 * account's call policy. The log is the only record: each stage of a call has an event id made of
 * account, call and stage, so an offer WhatsApp delivers twice (a reconnect, offline delivery) is
 * logged and auto-rejected once, and RejectCall reads the log to know whether a call still rings,
 * from any process and after a restart.
 */
export class CallTracker {
  /** Per account: call work runs in arrival order, one item at a time. */
  private readonly queue = new KeyedMutex();

  constructor(private readonly deps: CallTrackerDeps) {}

  /** Resolves once the call work queued so far is done (before the store closes). */
  async idle(): Promise<void> {
    await this.queue.idle();
  }

  /** Follows a connected socket's call stanzas. */
  attach(accountId: string, sock: WASocket): void {
    sock.ev.on("call", (calls) => {
      for (const call of calls) {
        this.serial(accountId, () => this.onCall(accountId, sock, call)).catch((e: unknown) =>
          this.deps.logger.error({ err: e, accountId, callId: call.id, status: call.status }, "handling a call failed"),
        );
      }
    });
  }

  /**
   * Rejects a ringing call through `sock` (CallService.RejectCall). NOT_FOUND for a call the
   * account was never offered, FAILED_PRECONDITION for one that is over.
   */
  reject(accountId: string, sock: WASocket, callId: string): Promise<Call> {
    return this.serial(accountId, async () => {
      const offer = await this.stage(accountId, callId, "offered");
      if (!offer) throw new ConnectError(`call_id: account "${accountId}" was never offered call ${callId} (or its events were pruned)`, Code.NotFound);
      const over = await this.over(accountId, callId);
      if (over) throw new ConnectError(`call_id: call ${callId} is over (${describeOver(over)})`, Code.FailedPrecondition);
      return this.rejectNow(accountId, sock, offer);
    });
  }

  private async onCall(accountId: string, sock: WASocket, wa: WACallEvent): Promise<void> {
    switch (wa.status) {
      case "offer":
        await this.onOffer(accountId, sock, wa);
        return;
      case "accept":
        await this.append(accountId, "accepted", await this.toCall(sock, wa));
        return;
      case "reject":
        await this.append(accountId, "rejected", await this.toCall(sock, wa));
        return;
      case "terminate":
      case "timeout":
        await this.append(accountId, "ended", {
          ...(await this.toCall(sock, wa)),
          endReason: wa.status === "timeout" ? CallEndReason.TIMEOUT : CallEndReason.TERMINATED,
        });
        return;
      default:
        return; // ringing, preaccept, transport, relaylatency: media setup, nothing to report
    }
  }

  private async onOffer(accountId: string, sock: WASocket, wa: WACallEvent): Promise<void> {
    const offer = await this.append(accountId, "offered", await this.toCall(sock, wa));
    const policy = (await this.deps.accounts.get(accountId))?.callPolicy;
    if (!policy?.autoReject) return;
    const over = await this.over(accountId, wa.id);
    let rejected: Call;
    if (!over) rejected = await this.rejectNow(accountId, sock, offer);
    else if (over.stage === "rejected" && over.call.rejectedByUs) rejected = over.call; // a redelivered offer: reply below at most once
    else return;
    if (!policy.replyText) return;
    const to = rejected.from?.pnJid || rejected.from?.lidJid || rejected.from?.jid || "";
    const req = create(SendMessageRequestSchema, {
      accountId,
      to,
      content: { case: "text", value: { body: policy.replyText } },
      // the request id makes the reply once per call, across redeliveries and restarts
      requestId: `wildcat:call-reply:${wa.id}`,
    });
    try {
      await this.deps.messaging.send(accountId, sock, req);
    } catch (e) {
      this.deps.logger.warn({ err: e, accountId, callId: wa.id }, "the reply to an auto-rejected call was not sent");
    }
  }

  private async rejectNow(accountId: string, sock: WASocket, offer: Call): Promise<Call> {
    try {
      await sock.rejectCall(offer.callId, offer.from!.jid);
    } catch (e) {
      throw new ConnectError(`WhatsApp did not take the rejection: ${(e as Error).message}`, Code.Unavailable);
    }
    this.deps.logger.info({ accountId, callId: offer.callId }, "call rejected");
    return this.append(accountId, "rejected", { ...offer, rejectedByUs: true, time: timestampFromDate(this.deps.clock.now()), offline: false });
  }

  /** Appends the stage's event unless it is logged already; returns the call as logged. */
  private async append(accountId: string, stage: Stage, call: MessageInitShape<typeof CallSchema>): Promise<Call> {
    const eventId = eventIdOf(accountId, call.callId!, stage);
    const now = this.deps.clock.now();
    const event = create(EventSchema, {
      eventId,
      type: WIRE_EVENT_TYPES[STAGE_TYPES[stage]],
      accountId,
      createTime: timestampFromDate(now),
      payload: { case: "call", value: call },
    });
    const chatJid = call.from?.pnJid || call.from?.jid || undefined;
    const stored = await this.deps.events.append({ eventId, accountId, type: STAGE_TYPES[stage], chatJid, createTime: now, payload: toBinary(EventSchema, event) });
    return callOf(stored.payload)!;
  }

  /** The call as the stage's event logged it; undefined when that stage was never logged (or was pruned). */
  private async stage(accountId: string, callId: string, stage: Stage): Promise<Call | undefined> {
    const stored = await this.deps.events.get(eventIdOf(accountId, callId, stage));
    return stored && callOf(stored.payload);
  }

  /** The stage that ended the ringing, if any. */
  private async over(accountId: string, callId: string): Promise<{ stage: Stage; call: Call } | undefined> {
    for (const stage of OVER) {
      const call = await this.stage(accountId, callId, stage);
      if (call) return { stage, call };
    }
    return undefined;
  }

  /** Baileys' call event as the contract's Call, the caller in both forms where known. */
  private async toCall(sock: WASocket, wa: WACallEvent): Promise<MessageInitShape<typeof CallSchema>> {
    const from = wa.from;
    const mapping = sock.signalRepository.lidMapping;
    const user = jidNormalizedUser(from);
    let pn = wa.callerPn ? jidNormalizedUser(wa.callerPn) : isPnUser(user) ? user : undefined;
    let lid = isLidUser(user) ? user : undefined;
    if (!pn && lid) pn = await mapping.getPNForLID(lid).then((j) => (j ? jidNormalizedUser(j) : undefined)).catch(() => undefined);
    if (!lid && pn) lid = await mapping.getLIDForPN(pn).then((j) => (j ? jidNormalizedUser(j) : undefined)).catch(() => undefined);
    return {
      callId: wa.id,
      from: { jid: from, pnJid: pn ?? "", lidJid: lid ?? "" },
      video: wa.isVideo ?? false,
      group: wa.isGroup ?? false,
      groupJid: wa.groupJid ? { jid: wa.groupJid } : undefined,
      time: timestampFromDate(wa.date),
      offline: wa.offline,
    };
  }

  private serial<T>(accountId: string, task: () => Promise<T>): Promise<T> {
    return this.queue.run(accountId, task);
  }
}

const eventIdOf = (accountId: string, callId: string, stage: Stage) => `call:${accountId}:${callId}:${stage}`;

function callOf(payload: Uint8Array): Call | undefined {
  const event = fromBinary(EventSchema, payload);
  return event.payload.case === "call" ? event.payload.value : undefined;
}

function describeOver({ stage, call }: { stage: Stage; call: Call }): string {
  if (stage === "accepted") return "answered on another device";
  if (stage === "rejected") return call.rejectedByUs ? "rejected by this account" : "rejected on another device";
  return call.endReason === CallEndReason.TIMEOUT ? "nobody answered" : "the caller hung up or it ended";
}
