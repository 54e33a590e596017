import { PassThrough, type Readable } from "node:stream";
import { fromBinary } from "@bufbuild/protobuf";
import { EventSchema } from "../../gen/wildcat/v1/event_pb.js";
import { MessageType } from "../../gen/wildcat/v1/message_pb.js";
import { override } from "../store/override.js";
import type { Store } from "../store/store.js";
import type { Metrics } from "./metrics.js";

/**
 * The store, with the writes that matter to operators counted on their way through: event
 * appends (and from them messages in and out by type), disconnects as they are stored, webhook
 * attempts by outcome, bytes into and out of the media store. Counting here, at the one door every
 * component already goes through, keeps metrics out of the socket manager, messaging, dispatcher
 * and media code.
 */
export function instrumentStore(store: Store, metrics: Metrics): Store {
  const accounts = override(store.accounts, {
    async update(accountId, patch, updateTime) {
      const updated = await store.accounts.update(accountId, patch, updateTime);
      if (updated && patch.lastDisconnect) metrics.disconnects.inc({ reason: patch.lastDisconnect.kind });
      return updated;
    },
  });
  const events = override(store.events, {
    async append(event) {
      const stored = await store.events.append(event);
      metrics.eventAppends.inc({ type: event.type });
      if (event.type === "message_received" || event.type === "message_sent") {
        const type = fromBinary(EventSchema, event.payload).payload;
        const messageType = type.case === "message" ? type.value.type : MessageType.UNSPECIFIED;
        metrics.messages.inc({ direction: event.type === "message_received" ? "in" : "out", type: (MessageType[messageType] ?? "unspecified").toLowerCase() });
      }
      return stored;
    },
  });
  const deliveries = override(store.deliveries, {
    async recordAttempt(webhookId, eventId, owner, outcome) {
      const recorded = await store.deliveries.recordAttempt(webhookId, eventId, owner, outcome);
      if (recorded) metrics.webhookAttempts.inc({ outcome: outcome.state === "pending" ? "retry" : outcome.state });
      return recorded;
    },
  });
  const media = override(store.media, {
    async put(m, data, options) {
      const record = await store.media.put(m, data, options);
      metrics.mediaBytes.inc({ direction: "in" }, record.sizeBytes);
      return record;
    },
    async open(mediaId, range) {
      const content = await store.media.open(mediaId, range);
      return content && counted(content, (n) => metrics.mediaBytes.inc({ direction: "out" }, n));
    },
  });
  return override(store, { accounts, events, deliveries, media });
}

/** The same bytes, counted as the reader takes them; closing either side closes the other. */
function counted(content: Readable, count: (bytes: number) => void): Readable {
  const out = new PassThrough({
    transform(chunk: Buffer, _enc, done) {
      count(chunk.length);
      done(null, chunk);
    },
  });
  content.once("error", (e) => out.destroy(e));
  out.once("close", () => {
    if (!content.destroyed) content.destroy();
  });
  return content.pipe(out);
}
