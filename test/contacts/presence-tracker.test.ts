import { EventEmitter } from "node:events";
import { fromBinary } from "@bufbuild/protobuf";
import type { BinaryNode, WASocket } from "@whiskeysockets/baileys";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { ContactPresence, EventSchema, type PresenceUpdate } from "../../gen/wildcat/v1/event_pb.js";
import { PRESENCE_EVENTS_PER_CHAT_PER_MINUTE, PresenceTracker } from "../../src/presence/presence-tracker.js";
import type { EventLog, NewEvent } from "../../src/store/events.js";

const BOB = "15550000002@s.whatsapp.net";
const CAROL = "15550000003@s.whatsapp.net";

/** The tracker called directly: a socket whose stanzas the test emits, a log that keeps appends, a clock it moves. */
function harness() {
  const ws = new EventEmitter();
  const sock = {
    ws,
    signalRepository: { lidMapping: { getLIDForPN: async () => null, getPNForLID: async () => null } },
  } as unknown as WASocket;
  const appended: NewEvent[] = [];
  const log = { append: async (e: NewEvent) => (appended.push(e), { ...e, cursor: String(appended.length) }) } as unknown as EventLog;
  let now = Date.parse("2026-12-04T10:00:00Z");
  const tracker = new PresenceTracker({ events: log, clock: { now: () => new Date(now) }, logger: pino({ level: "silent" }) });
  tracker.attach("acct", sock);
  const states = () =>
    appended.map((e) => {
      const update = fromBinary(EventSchema, e.payload).payload.value as PresenceUpdate;
      return `${update.chat!.jid} ${ContactPresence[update.presence]}`;
    });
  const chatstate = (from: string, state: "composing" | "paused") => ws.emit("CB:chatstate", { tag: "chatstate", attrs: { from }, content: [{ tag: state, attrs: {} }] } satisfies BinaryNode);
  /** The appends are asynchronous: let them land. */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  const lastSeen = () => appended.map((e) => (fromBinary(EventSchema, e.payload).payload.value as PresenceUpdate).lastSeenTime?.seconds);
  return { ws, states, lastSeen, chatstate, settle, advance: (ms: number) => (now += ms) };
}

describe("PresenceTracker (called directly, with a clock)", () => {
  it("when one chat sends more state changes than its minute allows, then the rest are dropped until the minute is over, and other chats are not affected", async () => {
    const h = harness();
    for (let n = 0; n < PRESENCE_EVENTS_PER_CHAT_PER_MINUTE + 10; n++) h.chatstate(BOB, n % 2 ? "paused" : "composing");
    h.chatstate(CAROL, "composing");
    await h.settle();
    expect(h.states().filter((s) => s.startsWith(BOB))).toHaveLength(PRESENCE_EVENTS_PER_CHAT_PER_MINUTE);
    expect(h.states()).toContain(`${CAROL} COMPOSING`);

    h.advance(60_000);
    h.chatstate(BOB, "composing");
    h.chatstate(BOB, "paused");
    await h.settle();
    expect(h.states().filter((s) => s.startsWith(BOB))).toHaveLength(PRESENCE_EVENTS_PER_CHAT_PER_MINUTE + 2);
  });

  it("when presence stanzas say online, offline with a last-seen time, or come from the server itself, then each becomes its state, with the time only when given", async () => {
    const h = harness();
    h.ws.emit("CB:presence", { tag: "presence", attrs: { from: BOB, type: "available" } });
    h.ws.emit("CB:presence", { tag: "presence", attrs: { from: BOB, type: "unavailable", last: "1796380000" } });
    h.ws.emit("CB:presence", { tag: "presence", attrs: { from: "s.whatsapp.net", type: "available" } });
    h.ws.emit("CB:chatstate", { tag: "chatstate", attrs: { from: CAROL }, content: [{ tag: "composing", attrs: { media: "audio" } }] });
    await h.settle();
    expect(h.states()).toEqual([`${BOB} AVAILABLE`, `${BOB} UNAVAILABLE`, `${CAROL} RECORDING`]);
    expect(h.lastSeen()).toEqual([undefined, 1796380000n, undefined]);
  });
});
