import { create, fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { EventSchema, EventType } from "../../gen/wildcat/v1/event_pb.js";
import { StreamMessagesResponseSchema } from "../../gen/wildcat/v1/message_service_pb.js";
import { MessageSchema, MessageType } from "../../gen/wildcat/v1/message_pb.js";
import type { StoredEvent } from "../../src/store/events.js";
import { isBinaryCodec, StreamResponses } from "../../src/services/stream-responses.js";

/** A stored MESSAGE_RECEIVED event: its payload encoded without a cursor, as the journal appends it. */
function stored(cursor: string): StoredEvent {
  const createTime = new Date("2026-12-04T11:00:00Z");
  const message = create(MessageSchema, {
    accountId: "acc",
    messageId: "3EB0C0FFEE",
    chat: { jid: "15551234567@s.whatsapp.net", pnJid: "15551234567@s.whatsapp.net" },
    type: MessageType.TEXT,
    text: "Grüße — is my order shipped? 📦",
    rawMessage: new Uint8Array([10, 2, 8, 1]),
  });
  const event = create(EventSchema, { eventId: "evt-1", type: EventType.MESSAGE_RECEIVED, accountId: "acc", createTime: timestampFromDate(createTime), payload: { case: "message", value: message } });
  return { eventId: "evt-1", accountId: "acc", type: "message_received", chatJid: message.chat!.jid, createTime, payload: toBinary(EventSchema, event), cursor };
}

/** What the stream sent before responses were shared: the event decoded, its cursor set. */
function expected(s: StoredEvent) {
  const event = fromBinary(EventSchema, s.payload);
  event.cursor = s.cursor;
  return create(StreamMessagesResponseSchema, { event });
}

describe("StreamMessages responses", () => {
  it("when a binary subscriber gets a stored event, then its bytes decode to the event with its cursor", () => {
    const s = stored("42");
    const bytes = toBinary(StreamMessagesResponseSchema, new StreamResponses().of(s, true));

    expect(fromBinary(StreamMessagesResponseSchema, bytes)).toEqual(expected(s));
  });

  it("when a JSON subscriber gets a stored event, then it is the decoded event with its cursor", () => {
    const s = stored("43");
    const response = new StreamResponses().of(s, false);

    expect(toJson(StreamMessagesResponseSchema, response)).toEqual(toJson(StreamMessagesResponseSchema, expected(s)));
    expect(response.event?.cursor).toBe("43");
  });

  it("when many subscribers get the same stored event, then it is made into a response once per codec", () => {
    const responses = new StreamResponses();
    const s = stored("44");

    expect(responses.of(s, true)).toBe(responses.of(s, true));
    expect(responses.of(s, false)).toBe(responses.of(s, false));
    expect(responses.of(s, true)).not.toBe(responses.of(s, false));
  });

  it("when the request's content type is a protobuf one, then the codec is binary; JSON or none is not", () => {
    for (const t of ["application/grpc", "application/grpc+proto", "application/grpc-web", "application/grpc-web+proto", "application/connect+proto", "Application/GRPC; charset=utf-8"]) {
      expect(isBinaryCodec(t), t).toBe(true);
    }
    for (const t of ["application/grpc+json", "application/grpc-web+json", "application/connect+json", "application/json", null]) {
      expect(isBinaryCodec(t), String(t)).toBe(false);
    }
  });
});
