// The baseline of `npm run bench:rpc`: @grpc/grpc-js alone serving grpc.health.v1.Health/Check
// (the same messages, coded by the same protobuf-es schemas), in its own process. Prints
// {"port":N} once it listens.
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { HealthCheckRequestSchema, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";

const server = new grpc.Server();
const serving = create(HealthCheckResponseSchema, { status: HealthCheckResponse_ServingStatus.SERVING });
server.addService(
  {
    check: {
      path: "/grpc.health.v1.Health/Check",
      requestStream: false,
      responseStream: false,
      requestSerialize: (m: unknown) => Buffer.from(toBinary(HealthCheckRequestSchema, m as never)),
      requestDeserialize: (b: Buffer) => fromBinary(HealthCheckRequestSchema, b),
      responseSerialize: (m: unknown) => Buffer.from(toBinary(HealthCheckResponseSchema, m as never)),
      responseDeserialize: (b: Buffer) => fromBinary(HealthCheckResponseSchema, b),
    },
  },
  { check: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, serving) },
);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  console.log(JSON.stringify({ port }));
});
