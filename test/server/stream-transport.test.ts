import * as http2 from "node:http2";
import { once } from "node:events";
import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamMessagesRequestSchema } from "../../gen/wildcat/v1/message_service_pb.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ STREAM_KEEPALIVE_MS: "200" });
});
afterAll(() => gw?.cleanup());

/** A gRPC frame: uncompressed flag, big-endian length, message. */
function frame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

describe("transport of long-lived streams", () => {
  it("when a StreamMessages call sits idle, then the server pings its connection", async () => {
    const session = http2.connect(`http://127.0.0.1:${gw.gateway.server.port}`);
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/wildcat.v1.MessageService/StreamMessages",
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.end(frame(toBinary(StreamMessagesRequestSchema, create(StreamMessagesRequestSchema, {}))));
      // Nothing is appended, so only the keep-alive crosses the idle connection.
      const [payload] = (await once(session, "ping")) as [Buffer];
      expect(payload).toHaveLength(8);
      stream.close();
    } finally {
      session.close();
    }
  });
});
