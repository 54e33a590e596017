import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { EventSchema, EventType } from "../../gen/wildcat/v1/event_pb.js";
import { StreamStart, type MessageService, type StreamMessagesRequest } from "../../gen/wildcat/v1/message_service_pb.js";
import { CursorExpiredError, InvalidCursorError, type EventLog, type EventType as StoredEventType } from "../store/events.js";

const STORED_TYPES: Record<Exclude<EventType, EventType.UNSPECIFIED>, StoredEventType> = {
  [EventType.MESSAGE_RECEIVED]: "message_received",
  [EventType.MESSAGE_SENT]: "message_sent",
  [EventType.MESSAGE_STATUS_CHANGED]: "message_status_changed",
  [EventType.MESSAGE_EDITED]: "message_edited",
  [EventType.MESSAGE_DELETED]: "message_deleted",
  [EventType.MESSAGE_REACTION]: "message_reaction",
  [EventType.ACCOUNT_STATE_CHANGED]: "account_state_changed",
  [EventType.MEDIA_READY]: "media_ready",
};

/** Events read from the log per round trip to the store. */
const PAGE = 100;

/**
 * MessageService. StreamMessages is the event log's live consumer: a stream
 * resumed with the cursor of the last event it got continues exactly after it.
 * The other RPCs answer `unimplemented` until messaging lands.
 */
export class MessageServiceImpl implements Partial<ServiceImpl<typeof MessageService>> {
  constructor(private readonly events: EventLog) {}

  async *streamMessages(req: StreamMessagesRequest, ctx: HandlerContext) {
    const filter = {
      accountIds: req.accountIds.length > 0 ? req.accountIds : undefined,
      types: req.eventTypes.length > 0 ? req.eventTypes.map((t) => STORED_TYPES[t as keyof typeof STORED_TYPES]) : undefined,
    };
    // The store filters by one chat; several are matched here.
    const chats = new Set(req.chatJids);
    let after = req.afterCursor || (req.start === StreamStart.OLDEST ? undefined : await this.events.latestCursor());
    try {
      for (;;) {
        const page = await this.events.read({ after, filter, limit: PAGE });
        for (const stored of page.events) {
          if (chats.size > 0 && !(stored.chatJid && chats.has(stored.chatJid))) continue;
          const event = fromBinary(EventSchema, stored.payload);
          event.cursor = stored.cursor;
          yield { event };
        }
        after = page.nextAfter ?? after;
        // A full page means more may be waiting; otherwise sleep until something is appended.
        if (page.events.length < PAGE) await this.events.waitForAppend(after, ctx.signal);
      }
    } catch (e) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (e instanceof InvalidCursorError) throw new ConnectError(`after_cursor: ${e.message}`, Code.InvalidArgument);
      if (e instanceof CursorExpiredError) {
        throw new ConnectError(`after_cursor: ${e.message}; events were missed: resume with start=STREAM_START_OLDEST`, Code.OutOfRange);
      }
      throw e;
    }
  }
}
