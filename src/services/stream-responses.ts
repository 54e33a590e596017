import { create, fromBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { EventSchema } from "../../gen/wildcat/v1/event_pb.js";
import { StreamMessagesResponseSchema, type StreamMessagesResponse } from "../../gen/wildcat/v1/message_service_pb.js";
import type { StoredEvent } from "../store/events.js";

/** Request content types whose responses are binary protobuf (gRPC, gRPC-Web, Connect). */
const BINARY = new Set(["application/grpc", "application/grpc+proto", "application/grpc-web", "application/grpc-web+proto", "application/connect+proto"]);

/** Whether a call with this request content type gets binary protobuf responses. */
export function isBinaryCodec(contentType: string | null): boolean {
  return contentType !== null && BINARY.has(contentType.split(";")[0].trim().toLowerCase());
}

/**
 * StreamMessages responses, made once per stored event however many subscribers it goes to (the
 * store hands every live subscriber the same StoredEvent after an append). For binary codecs the
 * response does not decode and re-encode the event for each subscriber: the stored payload is
 * already the encoded Event, so the response carries it as it is, with the cursor (field 2)
 * encoded after it, as the bytes of field 1 (protobuf readers take fields in any order). The
 * serializer writes those bytes unchanged (they are the message's unknown fields), so the
 * subscriber receives exactly what encoding `{ event }` would give, fields reordered. JSON
 * codecs cannot carry bytes, so they get the decoded event.
 * Responses are shared between subscribers and must not be changed.
 */
export class StreamResponses {
  readonly #binary = new WeakMap<StoredEvent, StreamMessagesResponse>();
  readonly #decoded = new WeakMap<StoredEvent, StreamMessagesResponse>();

  of(stored: StoredEvent, binary: boolean): StreamMessagesResponse {
    const cache = binary ? this.#binary : this.#decoded;
    let response = cache.get(stored);
    if (!response) {
      response = binary ? encoded(stored) : decoded(stored);
      cache.set(stored, response);
    }
    return response;
  }
}

function encoded(stored: StoredEvent): StreamMessagesResponse {
  const event = new BinaryWriter().raw(stored.payload).tag(2, WireType.LengthDelimited).string(stored.cursor).finish();
  const response = create(StreamMessagesResponseSchema);
  response.$unknown = [{ no: 1, wireType: WireType.LengthDelimited, data: new BinaryWriter().bytes(event).finish() }];
  return response;
}

function decoded(stored: StoredEvent): StreamMessagesResponse {
  const event = fromBinary(EventSchema, stored.payload);
  event.cursor = stored.cursor;
  return create(StreamMessagesResponseSchema, { event });
}
