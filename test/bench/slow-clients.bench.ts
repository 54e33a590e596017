// What abusive clients cost a well-behaved one: the p50/p99 latency of unary calls from a
// well-behaved Connect client (HTTP/2) to a real gateway process, first alone, then while in
// the same run these clients hammer the same gateway:
//   - StreamMessages streams that never read (their HTTP/2 window never opens),
//   - calls sending their body one byte per second, and calls sending headers only,
//   - connections opening 10,000 HTTP/2 streams at once, again and again,
//   - HTTP/1.1 connections that never finish their headers (slowloris).
// It prints both and their ratio; it asserts nothing (timings belong here, not in tests).
//
//   npm run bench:slow-clients
//
// BENCH_CALLS sets the calls per phase (default 3000), BENCH_ABUSERS the abusive clients of
// each kind (default 200), BENCH_SKIP kinds to leave out (comma-separated: never-read,
// slow-body, flood, slowloris), to see what each costs, and BENCH_FLOOD_EVERY_MS the pause between
// one flood connection and the next (default 0: back to back, as fast as refusals come back).
// The gateway runs with its default limits.
import * as http2 from "node:http2";
import net from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AccountService, CreateAccountRequestSchema } from "../../gen/wildcat/v1/account_service_pb.js";
import { StreamMessagesRequestSchema, StreamStart } from "../../gen/wildcat/v1/message_service_pb.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { bearer, TEST_ADMIN_KEY, TEST_AUTH_HEADER } from "../support/auth.js";
import { grpcFrame, RawH2Connection, rpcHeaders } from "../support/h2-raw.js";
import { processHarness } from "../support/processes.js";
import { appendEvents } from "../webhooks/events.js";

const calls = Number(process.env.BENCH_CALLS ?? 3000);
const abusers = Number(process.env.BENCH_ABUSERS ?? 200);
const skip = new Set((process.env.BENCH_SKIP ?? "").split(","));
const floodEveryMs = Number(process.env.BENCH_FLOOD_EVERY_MS ?? 0);
const count = (kind: string) => (skip.has(kind) ? 0 : abusers);

const harness = processHarness();
const dataDir = harness.tempDir();
// Events for the never-reading streams to choke on: more than a 64 KiB window and a queue hold.
const seed = openSqliteStore(dataDir);
await appendEvents(seed.events, 3_000, "bench");
await seed.close();
const main = harness.start("src/main.ts", dataDir, { WILDCAT_ADMIN_KEY: TEST_ADMIN_KEY, API_KEY_RATE_PER_SECOND: "100000", LOG_LEVEL: "info" });
const port = (JSON.parse(await main.line((l) => l.includes('"msg":"listening'))) as { port: number }).port;
const baseUrl = `http://127.0.0.1:${port}`;
const client = createClient(AccountService, createConnectTransport({ baseUrl, httpVersion: "2", interceptors: [bearer()] }));
await client.createAccount({ accountId: "bench" });

/** Latencies of `calls` GetAccount calls, 4 at a time, in ms, sorted. */
async function measure(): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next++ < calls) {
      const start = performance.now();
      await client.getAccount({ accountId: "bench" });
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return latencies.sort((a, b) => a - b);
}
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

// Warm up (JIT, connection), then the baseline.
await measure();
const alone = await measure();
process.stderr.write(`alone: p99 ${pct(alone, 99).toFixed(2)} ms; starting the abusive clients\n`);

let running = true;
const counts = { neverRead: 0, slowBody: 0, headersOnly: 0, floods: 0, slowloris: 0 };

// Streams that never read: raw connections that never send WINDOW_UPDATE, 50 streams each.
const stalled: RawH2Connection[] = [];
const request = grpcFrame(toBinary(StreamMessagesRequestSchema, create(StreamMessagesRequestSchema, { start: StreamStart.OLDEST })));
const streamHeaders = { ":method": "POST", ":scheme": "http", ":path": "/wildcat.v1.MessageService/StreamMessages", ":authority": "bench", "content-type": "application/grpc", te: "trailers", authorization: TEST_AUTH_HEADER };
for (let opened = 0; opened < count("never-read"); opened += 50) {
  const c = await RawH2Connection.open(port);
  for (const id of c.openStreams(Math.min(50, count("never-read") - opened), streamHeaders)) {
    c.data(id, request, true);
    counts.neverRead++;
  }
  stalled.push(c);
}

// Bodies at a byte per second, and headers only, each reopened when the server cuts it.
const slowSession = http2.connect(baseUrl);
slowSession.on("error", () => undefined);
const trickling = new Set<http2.ClientHttp2Stream>();
const body = grpcFrame(toBinary(CreateAccountRequestSchema, create(CreateAccountRequestSchema, { accountId: "never-finished" })));
function openSlow(trickle: boolean): void {
  if (!running || slowSession.destroyed) return;
  const s = slowSession.request(rpcHeaders("/wildcat.v1.AccountService/CreateAccount"));
  s.on("error", () => undefined);
  if (trickle) {
    counts.slowBody++;
    trickling.add(s);
  } else counts.headersOnly++;
  s.once("close", () => {
    trickling.delete(s);
    openSlow(trickle);
  });
}
for (let i = 0; i < count("slow-body"); i++) {
  openSlow(true);
  openSlow(false);
}
let sent = 0;
const tick = setInterval(() => {
  sent = (sent + 1) % (body.length - 1);
  for (const s of trickling) s.write(body.subarray(sent, sent + 1));
}, 1000);

// Floods of 10,000 streams, one connection after another.
const flooding = (async () => {
  while (running && !skip.has("flood")) {
    const c = await RawH2Connection.open(port);
    c.openStreams(10_000, streamHeaders);
    counts.floods++;
    await c.until(() => c.socket.destroyed || c.socket.readableEnded).catch(() => undefined);
    c.close();
    if (floodEveryMs > 0) await new Promise((resolve) => setTimeout(resolve, floodEveryMs));
  }
})();

// Slowloris: HTTP/1.1 headers never finished, reconnecting when closed.
const lorises = new Set<net.Socket>();
function openLoris(): void {
  if (!running) return;
  const s = net.connect(port, "127.0.0.1");
  counts.slowloris++;
  lorises.add(s);
  s.on("error", () => undefined);
  s.write("POST /wildcat.v1.AccountService/GetAccount HTTP/1.1\r\nhost: bench\r\n");
  s.resume();
  s.once("close", () => {
    lorises.delete(s);
    openLoris();
  });
}
for (let i = 0; i < count("slowloris"); i++) openLoris();

process.stderr.write(`abusive clients running: ${JSON.stringify(counts)}\n`);
const progress = setInterval(() => process.stderr.write(`  ${JSON.stringify(counts)}\n`), 2000);
// First while they arrive (the never-reading streams are first served up to their limits),
// then once they sit at those limits.
const arriving = await measure();
const abused = await measure();
clearInterval(progress);
process.stderr.write(`with abusive clients: p99 ${pct(abused, 99).toFixed(2)} ms; stopping\n`);

running = false;
clearInterval(tick);
for (const c of stalled) c.close();
slowSession.destroy();
for (const s of lorises) s.destroy();
await flooding;
const code = await main.stop();
await harness.cleanup();

const row = (name: string, l: number[]) => `${name.padEnd(24)} p50 ${pct(l, 50).toFixed(2).padStart(6)} ms   p99 ${pct(l, 99).toFixed(2).padStart(6)} ms`;
console.log(`well-behaved client: ${calls} GetAccount calls per phase, 4 at a time, Connect over HTTP/2`);
console.log(row("alone", alone));
console.log(row("abusive arriving", arriving));
console.log(row("abusive at their limits", abused));
const ratio = (l: number[], p: number) => (pct(l, p) / pct(alone, p)).toFixed(2);
console.log(`p99 ratio to alone: arriving ${ratio(arriving, 99)}, at their limits ${ratio(abused, 99)}   p50 ratio: ${ratio(arriving, 50)}, ${ratio(abused, 50)}`);
console.log(
  `abusive clients opened: ${counts.neverRead} never-reading streams, ${counts.slowBody} byte-per-second bodies, ${counts.headersOnly} headers-only calls, ` +
    `${counts.floods} floods of 10,000 streams, ${counts.slowloris} slowloris connections; gateway exit ${code}`,
);
