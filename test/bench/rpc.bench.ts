// What one unary call costs on Wildcat's RPC path against the bare library: requests per second
// of grpc.health.v1.Health/Check served by @grpc/grpc-js alone (test/bench/bare-grpc-server.ts)
// and by a real gateway process (src/main.ts, embedded store, default config), side by side in
// one run, rounds interleaved, each server in its own process:
//   - h2load (nghttp2-client), 2 connections × 32 streams, gRPC;
//   - the @grpc/grpc-js client, 32 calls in flight;
//   - on the gateway only: Connect JSON and gRPC-Web over h2c (h2load), and the authenticated
//     AccountService/GetAccount over gRPC, against the gRPC Health figure.
// It prints every figure and the ratios; it asserts nothing.
//
//   npm run bench:rpc
//
// BENCH_REQUESTS sets the requests per measurement (default 20000), BENCH_ROUNDS the rounds
// (default 3). The gateway logs at info, as shipped: a line per call.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { HealthCheckRequestSchema } from "../../gen/grpc/health/v1/health_pb.js";
import { AccountService, GetAccountRequestSchema } from "../../gen/wildcat/v1/account_service_pb.js";
import { bearer, TEST_ADMIN_KEY, TEST_AUTH_HEADER } from "../support/auth.js";
import { processHarness } from "../support/processes.js";

const requests = Number(process.env.BENCH_REQUESTS ?? 20_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

const harness = processHarness();
const dir = harness.tempDir();
const bare = harness.start("test/bench/bare-grpc-server.ts", dir);
const bareUrl = `http://127.0.0.1:${(JSON.parse(await bare.line((l) => l.startsWith('{"port"'))) as { port: number }).port}`;
const gateway = harness.start("src/main.ts", dir, { WILDCAT_ADMIN_KEY: TEST_ADMIN_KEY, API_KEY_RATE_PER_SECOND: "100000" });
const gatewayUrl = `http://127.0.0.1:${(JSON.parse(await gateway.line((l) => l.includes('"msg":"listening'))) as { port: number }).port}`;
await createClient(AccountService, createConnectTransport({ baseUrl: gatewayUrl, httpVersion: "2", interceptors: [bearer()] })).createAccount({ accountId: "bench" });

/** A gRPC (or gRPC-Web) body: one uncompressed message in its 5-byte envelope. */
function enveloped(message: Uint8Array): Buffer {
  const b = Buffer.alloc(5 + message.length);
  b.writeUInt32BE(message.length, 1);
  b.set(message, 5);
  return b;
}
const bodies = {
  health: enveloped(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema))),
  healthJson: Buffer.from(toJsonString(HealthCheckRequestSchema, create(HealthCheckRequestSchema))),
  getAccount: enveloped(toBinary(GetAccountRequestSchema, create(GetAccountRequestSchema, { accountId: "bench" }))),
};
const files = Object.fromEntries(
  Object.entries(bodies).map(([name, body]) => {
    const path = join(dir, `${name}.bin`);
    writeFileSync(path, body);
    return [name, path];
  }),
) as Record<keyof typeof bodies, string>;

/** h2load's requests per second (2 connections × 32 streams, h2c), failing on any non-2xx. */
function h2load(url: string, body: string, headers: string[]): number {
  const out = execFileSync("h2load", ["-n", String(requests), "-c", "2", "-m", "32", "-d", body, ...headers.flatMap((h) => ["-H", h]), url], { encoding: "utf8" });
  const rps = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out);
  const status = /status codes: (\d+) 2xx/.exec(out);
  if (!rps || Number(status?.[1]) !== requests) throw new Error(`h2load did not succeed on every request:\n${out}`);
  return Number(rps[1]);
}
const grpcHeaders = ["content-type: application/grpc", "te: trailers"];

/** The @grpc/grpc-js client's calls per second, 32 in flight. */
async function grpcJsClient(url: string, path: string, body: Buffer, metadata: Record<string, string> = {}): Promise<number> {
  const client = new grpc.Client(url.replace("http://", ""), grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  const message = body.subarray(5);
  const call = () =>
    new Promise<void>((resolve, reject) =>
      client.makeUnaryRequest(path, (m: Buffer) => m, (b: Buffer) => b, message, md, (err) => (err ? reject(err) : resolve())),
    );
  await call();
  let left = requests;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (left-- > 0) await call();
    }),
  );
  const rps = requests / ((performance.now() - start) / 1000);
  client.close();
  return rps;
}

const health = "/grpc.health.v1.Health/Check";
const figures: Record<string, number[]> = {};
const record = (name: string, value: number) => (figures[name] ??= []).push(value);
for (let round = 1; round <= rounds; round++) {
  record("h2load gRPC Health: bare grpc-js", h2load(bareUrl + health, files.health, grpcHeaders));
  record("h2load gRPC Health: Wildcat", h2load(gatewayUrl + health, files.health, grpcHeaders));
  record("grpc-js client Health: bare grpc-js", await grpcJsClient(bareUrl, health, bodies.health));
  record("grpc-js client Health: Wildcat", await grpcJsClient(gatewayUrl, health, bodies.health));
  record("h2load Connect JSON Health: Wildcat", h2load(gatewayUrl + health, files.healthJson, ["content-type: application/json"]));
  record("h2load gRPC-Web Health: Wildcat", h2load(gatewayUrl + health, files.health, ["content-type: application/grpc-web+proto"]));
  record("h2load gRPC GetAccount (authenticated): Wildcat", h2load(gatewayUrl + "/wildcat.v1.AccountService/GetAccount", files.getAccount, [...grpcHeaders, `authorization: ${TEST_AUTH_HEADER}`]));
  console.log(`round ${round} done`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = (name: string) => median(figures[name]);
console.log(`\n${requests} requests per measurement, ${rounds} rounds, median req/s (all rounds in brackets)`);
for (const [name, xs] of Object.entries(figures)) console.log(`  ${name.padEnd(50)} ${Math.round(median(xs)).toString().padStart(7)}  [${xs.map(Math.round).join(", ")}]`);
const ratio = (a: string, b: string) => (m(a) / m(b)).toFixed(2);
console.log("\nratios");
console.log(`  P1 gRPC unary, h2load:          Wildcat / bare grpc-js = ${ratio("h2load gRPC Health: Wildcat", "h2load gRPC Health: bare grpc-js")}× (goal ≥ 0.9)`);
console.log(`  P1 gRPC unary, grpc-js client:  Wildcat / bare grpc-js = ${ratio("grpc-js client Health: Wildcat", "grpc-js client Health: bare grpc-js")}× (goal ≥ 0.9)`);
console.log(`  Connect JSON / Wildcat gRPC (h2load) = ${ratio("h2load Connect JSON Health: Wildcat", "h2load gRPC Health: Wildcat")}× (goal ≥ 0.6)`);
console.log(`  gRPC-Web / Wildcat gRPC (h2load)     = ${ratio("h2load gRPC-Web Health: Wildcat", "h2load gRPC Health: Wildcat")}× (goal ≥ 0.6)`);
console.log(`  GetAccount / Health, Wildcat gRPC    = ${ratio("h2load gRPC GetAccount (authenticated): Wildcat", "h2load gRPC Health: Wildcat")}×`);
await harness.cleanup();
