// The abusive clients of `npm run bench:slow-clients`, in a process of their own (the bench runs
// it at the lowest CPU priority, standing in for another machine): against the gateway on
// $PORT they keep open, until SIGTERM,
//   - StreamMessages streams that never read (their HTTP/2 window never opens),
//   - calls sending their body one byte per second, and calls sending headers only,
//   - connections opening 10,000 HTTP/2 streams at once, again and again,
//   - HTTP/1.1 connections that never finish their headers (slowloris).
// It prints {"running":…} once they are open, its counts every 2 s on stderr, and on SIGTERM
// the final counts as one JSON line on stdout.
import * as http2 from "node:http2";
import net from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { CreateAccountRequestSchema } from "../../gen/wildcat/v1/account_service_pb.js";
import { StreamMessagesRequestSchema, StreamStart } from "../../gen/wildcat/v1/message_service_pb.js";
import { TEST_AUTH_HEADER } from "../support/auth.js";
import { grpcFrame, RawH2Connection, rpcHeaders } from "../support/h2-raw.js";

const port = Number(process.env.PORT);
const baseUrl = `http://127.0.0.1:${port}`;
const abusers = Number(process.env.BENCH_ABUSERS ?? 200);
const skip = new Set((process.env.BENCH_SKIP ?? "").split(","));
const floodEveryMs = Number(process.env.BENCH_FLOOD_EVERY_MS ?? 0);
const count = (kind: string) => (skip.has(kind) ? 0 : abusers);

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

console.log(JSON.stringify({ running: counts }));
const progress = setInterval(() => process.stderr.write(`  ${JSON.stringify(counts)}\n`), 2000);
process.once("SIGTERM", async () => {
  clearInterval(progress);
  running = false;
  clearInterval(tick);
  for (const c of stalled) c.close();
  slowSession.destroy();
  for (const s of lorises) s.destroy();
  await flooding;
  console.log(JSON.stringify({ stopped: counts }));
  process.exit(0);
});
