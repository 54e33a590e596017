import { KeyedMutex } from "../store/keyed-mutex.js";
import { randomUUID } from "node:crypto";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type BinaryNode, getAllBinaryNodeChildren, isJidGroup, isLidUser, isPnUser, jidNormalizedUser, type WAPresence, type WASocket } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import { ContactPresence, EventSchema } from "../../gen/wildcat/v1/event_pb.js";
import type { JidSchema } from "../../gen/wildcat/v1/jid_pb.js";
import type { Clock } from "../clock.js";
import { WIRE_EVENT_TYPES } from "../events/event-types.js";
import type { EventLog } from "../store/events.js";
import { jidForms } from "../whatsapp/jid-forms.js";

const PRESENCES: Record<WAPresence, ContactPresence> = {
  available: ContactPresence.AVAILABLE,
  unavailable: ContactPresence.UNAVAILABLE,
  composing: ContactPresence.COMPOSING,
  recording: ContactPresence.RECORDING,
  paused: ContactPresence.PAUSED,
};

/** How many presence events one chat may put on the log per minute, repeats aside. */
export const PRESENCE_EVENTS_PER_CHAT_PER_MINUTE = 30;

export interface PresenceTrackerDeps {
  events: EventLog;
  clock: Clock;
  logger: Logger;
}

/**
 * Puts contacts' presence and chat states (typing, recording) on the event log. WhatsApp clients
 * repeat "composing" every few seconds while someone types, so per chat and person only a change
 * of state is logged, and one chat logs at most PRESENCE_EVENTS_PER_CHAT_PER_MINUTE events per
 * minute (further ones are dropped until the minute is over).
 */
export class PresenceTracker {
  /** The state last logged, by account, chat and participant. */
  private readonly last = new Map<string, WAPresence>();
  /** Events logged per chat in the current minute window. */
  private readonly windows = new Map<string, { start: number; count: number }>();

  /** Presence updates of one account, logged one at a time. */
  private readonly queue = new KeyedMutex();

  constructor(private readonly deps: PresenceTrackerDeps) {}

  /** Follows a connected socket's presence updates. */
  attach(accountId: string, sock: WASocket): void {
    // a new connection starts from nothing known: the first state of each contact is logged again
    for (const key of this.last.keys()) if (key.startsWith(`${accountId}\u0000`)) this.last.delete(key);
    // The stanzas, not Baileys' presence.update: that one reports "paused" as "available", and an
    // agent's screen must tell "stopped typing" from "came online".
    const onNode = (node: BinaryNode) => {
      const update = parse(node);
      if (!update) return;
      // One at a time per account, so the log keeps WhatsApp's order (composing before paused)
      // whatever each append waits for (JID lookups, the lease fence, the store).
      this.queue
        .run(accountId, () => this.onPresence(accountId, sock, update.chat, update.participant, update))
        .catch((e: unknown) => this.deps.logger.warn({ err: e, accountId, chatJid: update.chat }, "presence update not logged"));
    };
    sock.ws.on("CB:presence", onNode);
    sock.ws.on("CB:chatstate", onNode);
  }

  private async onPresence(accountId: string, sock: WASocket, chatJid: string, participant: string, data: Presence): Promise<void> {
    const chat = jidNormalizedUser(chatJid);
    const who = jidNormalizedUser(participant);
    const key = `${accountId}\u0000${chat}\u0000${who}`;
    if (this.last.get(key) === data.lastKnownPresence) return;
    if (!this.admit(`${accountId}\u0000${chat}`)) {
      this.deps.logger.debug({ accountId, chatJid: chat }, "presence update dropped: chat over its rate");
      return;
    }
    this.last.set(key, data.lastKnownPresence);
    const eventId = randomUUID();
    const now = this.deps.clock.now();
    const event = create(EventSchema, {
      eventId,
      type: WIRE_EVENT_TYPES.presence_updated,
      accountId,
      createTime: timestampFromDate(now),
      payload: {
        case: "presenceUpdate",
        value: {
          chat: await bothForms(sock, chat),
          participant: await bothForms(sock, who),
          presence: PRESENCES[data.lastKnownPresence],
          lastSeenTime: data.lastSeen ? timestampFromMs(data.lastSeen * 1000) : undefined,
        },
      },
    });
    await this.deps.events.append({ eventId, accountId, type: "presence_updated", chatJid: chat, createTime: now, payload: toBinary(EventSchema, event) });
  }

  /** Counts an event against the chat's minute window; false when the window is full. */
  private admit(chatKey: string): boolean {
    const now = this.deps.clock.now().getTime();
    let window = this.windows.get(chatKey);
    if (!window || now - window.start >= 60_000) this.windows.set(chatKey, (window = { start: now, count: 0 }));
    if (window.count >= PRESENCE_EVENTS_PER_CHAT_PER_MINUTE) return false;
    window.count++;
    return true;
  }
}

interface Presence {
  lastKnownPresence: WAPresence;
  /** Seconds since the epoch. */
  lastSeen?: number;
}

/**
 * `<presence from=… type=available|unavailable last=…>` or `<chatstate from=… [participant=…]>`
 * with `<composing [media="audio"]/>` or `<paused/>`; undefined for anything else (the server's own).
 */
function parse({ tag, attrs, content }: BinaryNode): (Presence & { chat: string; participant: string }) | undefined {
  const chat = attrs.from;
  if (!chat || !(isPnUser(chat) || isLidUser(chat) || isJidGroup(chat))) return undefined;
  const participant = attrs.participant || chat;
  if (tag === "presence") {
    const lastSeen = attrs.last && attrs.last !== "deny" ? Number(attrs.last) : undefined;
    return { chat, participant, lastKnownPresence: attrs.type === "unavailable" ? "unavailable" : "available", lastSeen: Number.isFinite(lastSeen) ? lastSeen : undefined };
  }
  const [state] = Array.isArray(content) ? getAllBinaryNodeChildren({ tag, attrs, content }) : [];
  if (state?.tag === "paused") return { chat, participant, lastKnownPresence: "paused" };
  if (state?.tag === "composing") return { chat, participant, lastKnownPresence: state.attrs.media === "audio" ? "recording" : "composing" };
  return undefined;
}

/** A user JID in both forms, from the account's LID mapping; groups keep only `jid`. */
async function bothForms(sock: WASocket, jid: string): Promise<MessageInitShape<typeof JidSchema>> {
  const forms = await jidForms(sock, jid);
  return forms.pnJid || forms.lidJid ? { jid, pnJid: forms.pnJid ?? "", lidJid: forms.lidJid ?? "" } : { jid };
}
