/**
 * The Connect conformance suite's server under test: reads a size-delimited
 * ServerCompatRequest from stdin, serves ConformanceService through the gateway's
 * own server stack (`startServer`: one-port HTTP/1.1 + h2c, CORS, limits, the
 * logging and validation interceptors), and writes a ServerCompatResponse to stdout.
 * Only the auth interceptor is left out: the suite's reference clients carry no key.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ServerCompatRequestSchema, ServerCompatResponseSchema } from "../../gen/connectrpc/conformance/v1/server_compat_pb.js";
import { ConformanceService } from "../../gen/connectrpc/conformance/v1/service_pb.js";
import { loadConfig } from "../../src/config.js";
import { pino } from "pino";
import { startServer } from "../../src/server/server.js";
import { conformanceRoutes } from "./conformance-service.js";

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    const all = Buffer.concat(chunks);
    if (all.length >= 4 && all.length >= 4 + all.readUInt32BE(0)) return all;
  }
  return Buffer.concat(chunks);
}

async function main(): Promise<void> {
  const input = await readStdin();
  const req = fromBinary(ServerCompatRequestSchema, input.subarray(4, 4 + input.readUInt32BE(0)));
  if (req.useTls) throw new Error("TLS is not served by the one-port listener (config says supportsTls: false)");
  const defaults = loadConfig({ PORT: "0", HOST: "127.0.0.1", CORS_ORIGINS: "*", LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" });
  const config = { ...defaults, maxRequestBytes: req.messageReceiveLimit || defaults.maxRequestBytes };
  // Logs go to stderr: stdout carries the ServerCompatResponse.
  const logger = pino({ level: config.logLevel, base: { service: "wildcat-conformance" } }, pino.destination(2));
  const server = await startServer(config, logger, [{ service: ConformanceService, routes: conformanceRoutes }]);
  const res = toBinary(ServerCompatResponseSchema, create(ServerCompatResponseSchema, { host: "127.0.0.1", port: server.port }));
  const size = Buffer.alloc(4);
  size.writeUInt32BE(res.length);
  process.stdout.write(Buffer.concat([size, res]));
  process.on("SIGTERM", () => void server.shutdown().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  process.stderr.write(`conformance server: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
