import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  DirectionFilter,
  Presence,
  StreamStart,
  type DeleteMessageRequest,
  type EditMessageRequest,
  type GetMessageRequest,
  type ListMessagesRequest,
  type MarkReadRequest,
  type MessageService,
  type SendMessageRequest,
  type SendPresenceRequest,
  type StreamMessagesRequest,
} from "../../gen/wildcat/v1/message_service_pb.js";
import { STORED_MESSAGE_TYPES, toWireMessage } from "../messaging/message-mapping.js";
import type { Messaging } from "../messaging/messaging.js";
import { CursorExpiredError, InvalidCursorError, type EventLog, type StoredEvent } from "../store/events.js";
import { STORED_EVENT_TYPES } from "../events/event-types.js";
import type { GroupStore } from "../store/groups.js";
import type { MessageStore } from "../store/messages.js";
import type { SocketManager } from "../whatsapp/socket-manager.js";
import { resetExhaustedCall } from "../server/raw-request.js";
import { retryLater } from "../auth/authenticator.js";
import { principalOf } from "../auth/principal.js";
import { TokenBuckets } from "../auth/rate-limits.js";
import type { StreamReaders } from "../metrics/stream-readers.js";
import type { Clock } from "../clock.js";
import type { AccountStore } from "../store/store.js";
import { mapErrors } from "./domain-errors.js";
import { isBinaryCodec, StreamResponses } from "./stream-responses.js";
import { decodePageToken, encodePageToken, pageSize } from "./page-token.js";

const PRESENCES = {
  [Presence.AVAILABLE]: "available",
  [Presence.UNAVAILABLE]: "unavailable",
  [Presence.COMPOSING]: "composing",
  [Presence.RECORDING]: "recording",
  [Presence.PAUSED]: "paused",
} as const;

/** Events read from the log per round trip to the store. */
const PAGE = 100;

export interface MessageServiceDeps {
  messaging: Messaging;
  sockets: SocketManager;
  messages: MessageStore;
  events: EventLog;
  /** Events queued per StreamMessages subscriber. */
  streamBuffer: number;
  /** How long a subscriber may leave a full queue untouched before its stream ends with resource_exhausted. */
  streamStallMs: number;
  accounts: Pick<AccountStore, "get">;
  /** What the account knows of its groups: a group it left is refused before anything is stored. */
  groups: Pick<GroupStore, "get">;
  clock: Clock;
  /** SendMessage calls per minute of an account that sets no rate of its own. */
  sendRatePerMinute: number;
  /** Where each subscriber's reader is, for the metrics' lag gauge. */
  streamReaders?: StreamReaders;
}

/**
 * MessageService over the messaging layer and the store. StreamMessages is the event
 * log's live consumer: a stream resumed with the cursor of the last event it got
 * continues exactly after it.
 */
export class MessageServiceImpl implements ServiceImpl<typeof MessageService> {
  private readonly messaging: Messaging;
  private readonly sockets: SocketManager;
  private readonly messages: MessageStore;
  private readonly events: EventLog;
  /** Per account, in this process: a number's sends are paced so WhatsApp does not ban it. */
  private readonly sendRates = new TokenBuckets();
  private readonly responses = new StreamResponses();

  constructor(private readonly deps: MessageServiceDeps) {
    ({ messaging: this.messaging, sockets: this.sockets, messages: this.messages, events: this.events } = deps);
  }

  async sendMessage(req: SendMessageRequest) {
    const sock = await mapErrors(this.sockets.connectedSocket(req.accountId));
    if (req.to.endsWith("@g.us") && (await this.deps.groups.get(req.accountId, req.to))?.isMember === false) {
      throw new ConnectError(`to: the account is not a member of group ${req.to} (it left or was removed)`, Code.FailedPrecondition);
    }
    const rate = (await this.deps.accounts.get(req.accountId))?.sendRatePerMinute || this.deps.sendRatePerMinute;
    const wait = this.sendRates.take(req.accountId, rate / 60, rate, this.deps.clock.now().getTime());
    if (wait > 0) throw retryLater(`account "${req.accountId}" is over its send rate of ${rate} messages per minute`, wait);
    return { message: await this.messaging.send(req.accountId, sock, req) };
  }

  async editMessage(req: EditMessageRequest) {
    const sock = await mapErrors(this.sockets.connectedSocket(req.accountId));
    return { message: await this.messaging.edit(req.accountId, sock, req.chatJid, req.messageId, req.text) };
  }

  async deleteMessage(req: DeleteMessageRequest) {
    const sock = await mapErrors(this.sockets.connectedSocket(req.accountId));
    return { message: await this.messaging.delete(req.accountId, sock, req.chatJid, req.messageId) };
  }

  async markRead(req: MarkReadRequest) {
    const sock = await mapErrors(this.sockets.connectedSocket(req.accountId));
    await this.messaging.markRead(req.accountId, sock, req.chatJid, req.messageIds);
    return {};
  }

  async sendPresence(req: SendPresenceRequest) {
    const sock = await mapErrors(this.sockets.connectedSocket(req.accountId));
    await this.messaging.presence(sock, PRESENCES[req.presence as keyof typeof PRESENCES], req.chatJid);
    return {};
  }

  async getMessage(req: GetMessageRequest) {
    const found = (await this.messages.findById(req.accountId, req.messageId, req.fromMe)).find((r) => matchesChat(r.chat, req.chatJid));
    if (!found) {
      throw new ConnectError(`no ${req.fromMe ? "sent" : "received"} message ${req.messageId} in chat ${req.chatJid} of account "${req.accountId}"`, Code.NotFound);
    }
    return { message: toWireMessage(found) };
  }

  async listMessages(req: ListMessagesRequest) {
    const filters = JSON.stringify([req.accountId, req.chatJid, req.types, req.direction, req.startTime, req.endTime]);
    const position = decodePageToken(`messages:${filters}`, req.pageToken);
    const page = await this.messages.list({
      accountId: req.accountId,
      chatJid: req.chatJid ? normalizeChat(req.chatJid) : undefined,
      pageSize: pageSize(req.pageSize, 50),
      pageToken: position,
      types: req.types.map((t) => STORED_MESSAGE_TYPES[t]),
      fromMe: req.direction === DirectionFilter.UNSPECIFIED ? undefined : req.direction === DirectionFilter.OUTBOUND,
      since: req.startTime && timestampDate(req.startTime),
      until: req.endTime && timestampDate(req.endTime),
    });
    return { messages: page.messages.map(toWireMessage), nextPageToken: encodePageToken(`messages:${filters}`, page.nextPageToken) };
  }

  async *streamMessages(req: StreamMessagesRequest, ctx: HandlerContext) {
    // The rule checked each named account; an empty filter means the key's accounts, never all.
    const { scope } = principalOf(ctx);
    const filter = {
      accountIds: req.accountIds.length > 0 ? req.accountIds : scope === "all" ? undefined : [...scope],
      types: req.eventTypes.length > 0 ? req.eventTypes.map((t) => STORED_EVENT_TYPES[t]!) : undefined,
    };
    // The store filters by one chat; several are matched here.
    const chats = new Set(req.chatJids);
    const start = req.afterCursor || (req.start === StreamStart.OLDEST ? undefined : await this.events.latestCursor());
    const queue = new EventQueue(this.deps.streamBuffer, this.deps.streamStallMs);
    const reader = this.deps.streamReaders?.open(start, () => queue.length);
    // Ends the reader when the stream ends for any reason, not only when the client cancels.
    const done = new AbortController();
    const signal = AbortSignal.any([ctx.signal, done.signal]);
    const reading = (async () => {
      let after = start;
      for (;;) {
        const page = await this.events.read({ after, filter, limit: PAGE });
        for (const stored of page.events) {
          if (chats.size > 0 && !(stored.chatJid && chats.has(stored.chatJid))) continue;
          await queue.push(stored, signal);
        }
        after = page.nextAfter ?? after;
        if (reader) reader.position = after;
        // A full page means more may be waiting; otherwise sleep until something is appended.
        if (page.events.length < PAGE) await this.events.waitForAppend(after, signal);
      }
    })();
    reading.catch((e: unknown) => {
      queue.fail(e);
      // The writer is blocked on a client that stopped reading: it cannot pick up the error,
      // so the call is cut at the transport.
      if (e instanceof SubscriberStalledError && !signal.aborted) resetExhaustedCall(ctx);
    });
    try {
      const binary = isBinaryCodec(ctx.requestHeader.get("content-type"));
      for (;;) yield this.responses.of(await queue.take(signal), binary);
    } catch (e) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      // After a reset the blocked write fails; what ended the call is the stall.
      if (queue.failure instanceof SubscriberStalledError) throw queue.failure;
      if (e instanceof InvalidCursorError) throw new ConnectError(`after_cursor: ${e.message}`, Code.InvalidArgument);
      if (e instanceof CursorExpiredError) {
        throw new ConnectError(`after_cursor: ${e.message}; events were missed: resume with start=STREAM_START_OLDEST`, Code.OutOfRange);
      }
      throw e;
    } finally {
      done.abort();
      reader?.close();
    }
  }
}

/** A subscriber left its full queue untouched for the stall time. */
class SubscriberStalledError extends ConnectError {
  constructor(capacity: number, stallMs: number) {
    super(
      `subscriber read nothing for ${stallMs} ms with ${capacity} events waiting; resume with after_cursor = the last cursor received`,
      Code.ResourceExhausted,
    );
  }
}

/**
 * One subscriber's events between the log reader and the network. Bounded: when it is full
 * the reader waits for the subscriber, which is how a fast reader follows a slower client;
 * a subscriber that takes nothing for `stallMs` while it is full is ended.
 */
class EventQueue {
  private readonly items: StoredEvent[] = [];
  failure?: unknown;
  private taken = 0;
  private wake?: () => void;

  constructor(
    private readonly capacity: number,
    private readonly stallMs: number,
  ) {}

  async push(event: StoredEvent, signal: AbortSignal): Promise<void> {
    while (this.items.length >= this.capacity) {
      const before = this.taken;
      await this.next(signal, this.stallMs);
      if (this.taken === before && this.items.length >= this.capacity) {
        const error = new SubscriberStalledError(this.capacity, this.stallMs);
        this.fail(error);
      }
    }
    if (this.failure !== undefined) throw this.failure;
    this.items.push(event);
    this.notify();
  }

  /** Events read from the log and not yet taken by the client. */
  get length(): number {
    return this.items.length;
  }

  async take(signal: AbortSignal): Promise<StoredEvent> {
    for (;;) {
      // An ended call (a revoked key, a client gone) gets nothing more, not even what is queued.
      signal.throwIfAborted();
      const event = this.items.shift();
      if (event) {
        this.taken++;
        this.notify();
        return event;
      }
      if (this.failure !== undefined) throw this.failure;
      await this.next(signal);
    }
  }

  fail(e: unknown): void {
    this.failure ??= e;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Resolves at the next push, take or failure, or after `timeoutMs`. */
  private next(signal: AbortSignal, timeoutMs?: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        settle();
        reject(signal.reason);
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        settle();
        resolve();
      }, timeoutMs);
      signal.addEventListener("abort", onAbort, { once: true });
      const previous = this.wake;
      this.wake = () => {
        settle();
        previous?.();
        resolve();
      };
    });
  }
}

/** A chat given as a phone number or JID, in the form messages are stored under. */
function normalizeChat(chat: string): string {
  return /^\+?[0-9]+$/.test(chat) ? `${chat.replace(/^\+/, "")}@s.whatsapp.net` : chat;
}

function matchesChat(chat: { jid: string; pn?: string; lid?: string }, given: string): boolean {
  const wanted = normalizeChat(given);
  return chat.jid === wanted || chat.pn === wanted || chat.lid === wanted;
}
