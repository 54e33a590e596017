import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { EventSchema, EventType } from "../../gen/wildcat/v1/event_pb.js";
import type { EventLog, NewEvent, StoredEvent } from "../../src/store/events.js";

/** A MESSAGE_RECEIVED event as the messaging layer would append it (no message payload needed here). */
export function receivedEvent(accountId = "acc", eventId = `evt_${randomUUID()}`): NewEvent {
  const now = new Date();
  const event = create(EventSchema, { eventId, type: EventType.MESSAGE_RECEIVED, accountId, createTime: timestampFromDate(now) });
  return { eventId, accountId, type: "message_received", chatJid: "15550001111@s.whatsapp.net", createTime: now, payload: toBinary(EventSchema, event) };
}

/** Appends `n` events and returns them. */
export async function appendEvents(log: EventLog, n: number, accountId = "acc"): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for (let i = 0; i < n; i++) out.push(await log.append(receivedEvent(accountId)));
  return out;
}
