// StreamMessages fan-out (issue 17, P2): many subscribers on one gateway, events appended at a
// rate raised step by step until it breaks. For each step it prints deliveries per second and
// the append→delivery latency (p50/p90/p99/max) over every delivery to every subscriber; then,
// at one rate, the others' latency without and with one subscriber that never reads (its HTTP/2
// window full), in alternating phases, and the ratio. JSON lines on stdout, progress on stderr; it
// asserts nothing.
//
//   npm run bench:fanout
//
// Who runs where (a 2-core machine: each process gets about one core):
//   - this process: a real gateway (startGateway with the production config parsing, SQLite,
//     the test admin key) serving on a free port, and the appender, which calls `append` on the
//     gateway's own store (the instrumented EventLog that the messaging layer appends to). An
//     append in the same process is what wakes the StreamMessages readers (the store's
//     AppendWaiter), as in production when a message arrives on an account's socket;
//   - a child process (this file again, FANOUT_ROLE=subscribers): the subscribers, @grpc/grpc-js
//     clients with one HTTP/2 connection each, sending the test admin key, and the stalled
//     subscriber, a hand-written HTTP/2 connection that never sends WINDOW_UPDATE. The clients
//     read each event's message id from its bytes and decode nothing else: a subscriber's own
//     decoding is not the gateway's cost, and full decoding of 20,000 events/s would not fit in
//     the one core the subscribers have.
// Every event is a MESSAGE_RECEIVED of a text message built the way the message journal builds
// it (toWireMessage of a stored record with its raw WhatsApp message, about 0.5 KiB encoded). Its
// message id carries the step and the time taken just before it was encoded and appended, on
// CLOCK_MONOTONIC (process.hrtime), which both processes share; the subscriber subtracts it from
// its own reading when the message comes off its stream.
//
// A step breaks when not every subscriber has every event BENCH_GRACE_MS after the last append,
// or its p99 is over BENCH_BREAK_P99_MS; no higher rate is tried then, and the subscribers are
// reconnected (their backlog dropped) before the stalled-subscriber phases.
//
// BENCH_SUBSCRIBERS (default 1000), BENCH_RATES events/s per step (default 5,10,20,40,80; each
// event goes to every subscriber), BENCH_SECONDS per step (default 10), BENCH_GRACE_MS (default
// 5000), BENCH_BREAK_P99_MS (default 1000), BENCH_STALL_RATE (default: the highest step rate, up
// to the goal's 20,000 deliveries/s, that did not break and kept the gateway's event loop under
// 80 % busy; else the lowest),
// BENCH_STALL_ROUNDS (default 3: pairs of phases without and with the stalled subscriber),
// MONGODB_URI (a database of its own, dropped at the end) instead of SQLite.
import { fork } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import * as grpc from "@grpc/grpc-js";
import { EventSchema, EventType } from "../../gen/wildcat/v1/event_pb.js";
import { StreamMessagesRequestSchema, StreamStart } from "../../gen/wildcat/v1/message_service_pb.js";
import type { NewEvent } from "../../src/store/events.js";
import { TEST_AUTH_HEADER } from "../support/auth.js";
import { grpcFrame, RawH2Connection } from "../support/h2-raw.js";

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const RATES = (process.env.BENCH_RATES ?? "5,10,20,40,80").split(",").map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const GRACE_MS = Number(process.env.BENCH_GRACE_MS ?? 5000);
const BREAK_P99_MS = Number(process.env.BENCH_BREAK_P99_MS ?? 1000);
const STALL_ROUNDS = Number(process.env.BENCH_STALL_ROUNDS ?? 3);
const GOAL_DELIVERIES = 20_000;
const GOAL_P99_MS = 50;
/** Step number of the events appended before the subscribers start (only the stalled one reads them). */
const SEED_STEP = 255;

/** Messages between the two processes: a request and its one answer share `id`. */
type Request = { cmd: "open" | "joined" | "close" | "stall-open" | "stall-close" } | { cmd: "report"; step: number; expected: number; graceMs: number };
type Command = Request & { id: number };
interface StepReport {
  delivered: number;
  /** Subscribers that did not get every event of the step. */
  short: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Deliveries from the step's first append to its last delivery, per second. */
  perSecond: number;
  /** CPU of the subscribers' process since the last report, % of one core. */
  cpu: number;
  streamErrors: number;
}

if (process.env.FANOUT_ROLE === "subscribers") await runSubscribers();
else await runGateway();

// ---------------------------------------------------------------------------------------------
// The gateway process: gateway, appender, the bench's steps.

async function runGateway(): Promise<void> {
  const { startTestGateway } = await import("../support/gateway.js");
  const { proto } = await import("@whiskeysockets/baileys");
  const { toWireMessage } = await import("../../src/messaging/message-mapping.js");
  const { eventIdOf } = await import("../../src/messaging/message-journal.js");

  const mongoUri = process.env.MONGODB_URI;
  const mongoDb = `wildcat_bench_fanout_${process.pid}`;
  // The admin key opens 1,000 streams at once: as many keys would, not one over its rate.
  const gw = await startTestGateway({ API_KEY_RATE_PER_SECOND: "100000", ...(mongoUri ? { MONGODB_URI: mongoUri, MONGODB_DB: mongoDb, AUTH_STATE_KEY: "b".repeat(64) } : {}) });
  const events = gw.gateway.store.events;
  const port = gw.gateway.server.port;
  const log = (text: string) => process.stderr.write(`${text}\n`);

  const contacts = Array.from({ length: 50 }, (_, i) => `1555${String(1000000 + i * 7919).slice(-7)}`);
  const texts = [
    "Hi, is my order #48213 shipped yet? I ordered on Monday and the tracking page still says pending.",
    "Thanks! See you at 6",
    "Can I change the delivery address to Kastanienallee 12, 10435 Berlin? I'm not home tomorrow.",
    "👍",
  ];
  let sequence = 0;
  /** A MESSAGE_RECEIVED event as the message journal appends it, stamped with the time now. */
  function received(step: number): NewEvent {
    const n = sequence++;
    const pn = `${contacts[n % contacts.length]}@s.whatsapp.net`;
    const now = new Date();
    const sent = process.hrtime.bigint();
    const messageId = `3EB0${step.toString(16).padStart(2, "0")}${sent.toString(16).toUpperCase().padStart(16, "0")}`;
    const text = texts[n % texts.length];
    const rawMessage = proto.WebMessageInfo.encode({
      key: { remoteJid: pn, fromMe: false, id: messageId },
      message: { extendedTextMessage: { text } },
      messageTimestamp: Math.floor(now.getTime() / 1000),
      pushName: "Dora's Deli",
    }).finish();
    const key = { accountId: "bench", chatJid: pn, messageId, fromMe: false };
    const chat = { jid: pn, pn, lid: `8${pn.slice(4, 14)}@lid` };
    const message = toWireMessage({ key, chat, from: chat, timestamp: now, type: "text", text, rawMessage, hasMedia: false, statusHistory: [], reactions: [] });
    const eventId = eventIdOf([key.accountId, key.chatJid, key.messageId, "false", "", "add"]);
    const event = create(EventSchema, { eventId, type: EventType.MESSAGE_RECEIVED, accountId: key.accountId, createTime: timestampFromDate(now), payload: { case: "message", value: message } });
    return { eventId, accountId: key.accountId, type: "message_received", chatJid: pn, createTime: now, payload: toBinary(EventSchema, event) };
  }

  /** Appends `rate` events a second for `seconds` on a fixed schedule; how late the appends came, in ms. */
  async function appendAt(step: number, rate: number, seconds: number, until?: () => boolean) {
    const interval = 1000 / rate;
    const start = performance.now();
    const late: number[] = [];
    let appended = 0;
    while (until ? !until() || appended < rate * seconds : appended < rate * seconds) {
      const wait = start + appended * interval - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      late.push(Math.max(0, performance.now() - (start + appended * interval)));
      await events.append(received(step));
      appended++;
    }
    late.sort((a, b) => a - b);
    return { appended, lateP99: pct(late, 99) };
  }

  // Events for the stalled subscriber to choke on: more than its 64 KiB window (about 110
  // events) and its queue (STREAM_BUFFER, 1,024) hold. 25 at a time: FerretDB is slow at this.
  for (let i = 0; i < 1500; i += 25) await Promise.all(Array.from({ length: 25 }, () => events.append(received(SEED_STEP))));

  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, FANOUT_ROLE: "subscribers", PORT: String(port) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let nextId = 0;
  const ask = <T>(command: Request): Promise<T> => {
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      const onMessage = (m: { id: number; answer: T }) => {
        if (m.id !== id) return;
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(m.answer);
      };
      const onExit = (code: number | null) => reject(new Error(`subscribers exited with ${code}`));
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.send({ ...command, id });
    });
  };

  /** StreamMessages calls the gateway is serving now (its own gauge). */
  const openStreams = async () =>
    (await gw.gateway.metrics.openStreams.get()).values.find((v) => v.labels.method === "StreamMessages")?.value ?? 0;
  const until = async (done: () => Promise<boolean>) => {
    while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 100));
  };

  /** Opens the subscribers, waits until the gateway serves every stream, then warms up until each has had events. */
  let warmups = 0;
  async function subscribe(): Promise<number> {
    const started = performance.now();
    await ask({ cmd: "open" });
    await until(async () => (await openStreams()) >= SUBSCRIBERS);
    let joined = false;
    const joining = ask({ cmd: "joined" }).then(() => (joined = true));
    await appendAt(++warmups, 2, 3, () => joined); // steps 1..9 are warm-ups
    await joining;
    return performance.now() - started;
  }
  async function unsubscribe(): Promise<void> {
    await ask({ cmd: "close" });
    await until(async () => (await openStreams()) === 0);
  }

  const stepLines: { rate: number; deliveries: number; report: StepReport; broken: boolean; loopBusy: number }[] = [];
  let stepNumber = 10;
  async function step(phase: string, rate: number) {
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    const started = performance.now();
    const startUs = process.hrtime.bigint() / 1000n;
    const { appended, lateP99 } = await appendAt(++stepNumber, rate, SECONDS);
    const report = await ask<StepReport>({ cmd: "report", step: stepNumber, expected: appended, graceMs: GRACE_MS });
    const used = process.cpuUsage(cpu);
    const loop = performance.eventLoopUtilization(elu);
    const elapsedMs = performance.now() - started;
    log(`${phase}, ${rate} events/s: appends and deliveries from ${startUs} to ${process.hrtime.bigint() / 1000n} µs (CLOCK_MONOTONIC, as in --cpu-prof profiles)`);
    const expected = appended * SUBSCRIBERS;
    const broken = report.delivered < expected || report.p99 > BREAK_P99_MS;
    const line = {
      bench: "fanout",
      phase,
      eventsPerSecond: rate,
      subscribers: SUBSCRIBERS,
      targetDeliveriesPerSecond: rate * SUBSCRIBERS,
      deliveriesPerSecond: Math.round(report.perSecond),
      delivered: report.delivered,
      expected,
      subscribersShort: report.short,
      p50Ms: round(report.p50),
      p90Ms: round(report.p90),
      p99Ms: round(report.p99),
      maxMs: round(report.max),
      appendLateP99Ms: round(lateP99),
      gatewayCpuPercent: Math.round((used.user + used.system) / 10 / elapsedMs),
      // What each delivery cost the gateway's process (appends included), whatever else runs on the machine.
      gatewayCpuUsPerDelivery: round((used.user + used.system) / report.delivered),
      gatewayLoopBusy: round(loop.utilization),
      subscribersCpuPercent: Math.round(report.cpu),
      streamErrors: report.streamErrors,
      broken,
    };
    console.log(JSON.stringify(line));
    return { rate, deliveries: rate * SUBSCRIBERS, report, broken, loopBusy: loop.utilization };
  }

  try {
    const openMs = await subscribe();
    console.log(JSON.stringify({ bench: "fanout setup", subscribers: SUBSCRIBERS, store: mongoUri ? "mongodb" : "sqlite", openedAndWarmMs: Math.round(openMs), secondsPerStep: SECONDS, graceMs: GRACE_MS, breakP99Ms: BREAK_P99_MS }));

    let brokeAt: number | undefined;
    for (const rate of RATES) {
      const s = await step("rate", rate);
      stepLines.push(s);
      if (s.broken) {
        brokeAt = rate;
        log(`broke at ${rate} events/s; reconnecting the subscribers`);
        await unsubscribe();
        await subscribe();
        break;
      }
    }

    // The stalled subscriber: the others' latency without it and with it at its limits, in
    // alternating phases (contention from outside the bench moves a single phase's p99 a lot).
    // At a rate the gateway keeps up with, with room to spare: near saturation a phase's p99 is
    // queueing (and whatever else runs on the machine), not what the stalled subscriber costs.
    const goalRate = GOAL_DELIVERIES / SUBSCRIBERS;
    const roomy = stepLines.filter((s) => !s.broken && s.loopBusy < 0.8 && s.rate <= goalRate).map((s) => s.rate);
    const stallRate = Number(process.env.BENCH_STALL_RATE ?? Math.max(...roomy, RATES[0]));
    const without: StepReport[] = [];
    const withStalled: StepReport[] = [];
    let resets = 0;
    for (let round = 1; round <= STALL_ROUNDS; round++) {
      without.push((await step(`without stalled subscriber (${round})`, stallRate)).report);
      const stalledBytes = await ask<number>({ cmd: "stall-open" });
      log(`stalled subscriber at its limits (${stalledBytes} bytes received, window never reopened)`);
      withStalled.push((await step(`with stalled subscriber (${round})`, stallRate)).report);
      resets += await ask<number>({ cmd: "stall-close" });
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
    const p99s = (rs: StepReport[]) => rs.map((r) => round(r.p99));
    console.log(
      JSON.stringify({
        bench: "fanout stalled subscriber",
        eventsPerSecond: stallRate,
        deliveriesPerSecond: stallRate * SUBSCRIBERS,
        p99WithoutMs: p99s(without),
        p99WithMs: p99s(withStalled),
        // Median of the phases with it over the median of the phases without it.
        p99Ratio: round(median(withStalled.map((r) => r.p99)) / median(without.map((r) => r.p99))),
        p50Ratio: round(median(withStalled.map((r) => r.p50)) / median(without.map((r) => r.p50))),
        // Reset by the gateway (STREAM_STALL_MS) during a phase: then it did not stay at its limits.
        stalledStreamReset: resets > 0,
        goal: "p99 ratio < 1.10",
      }),
    );

    const atGoal = stepLines.find((s) => s.deliveries >= GOAL_DELIVERIES);
    console.log(
      JSON.stringify({
        bench: "fanout goal",
        goal: `p99 <= ${GOAL_P99_MS} ms at ${GOAL_DELIVERIES} deliveries/s`,
        step: atGoal ? { deliveriesPerSecond: Math.round(atGoal.report.perSecond), p99Ms: round(atGoal.report.p99), broken: atGoal.broken } : "not reached",
        met: atGoal !== undefined && !atGoal.broken && atGoal.report.p99 <= GOAL_P99_MS,
        highestUnbrokenDeliveriesPerSecond: Math.round(Math.max(0, ...stepLines.filter((s) => !s.broken).map((s) => s.report.perSecond))),
        brokeAtEventsPerSecond: brokeAt ?? null,
        // When a step broke: what the gateway did deliver per second while it fell behind.
        brokenStepDeliveriesPerSecond: brokeAt === undefined ? null : Math.round(stepLines[stepLines.length - 1].report.perSecond),
      }),
    );
  } finally {
    child.kill("SIGTERM");
    if (child.exitCode === null) await once(child, "exit");
    await gw.cleanup();
    if (mongoUri) {
      const { MongoClient } = await import("mongodb");
      const client = await MongoClient.connect(mongoUri);
      await client.db(mongoDb).dropDatabase();
      await client.close();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The subscribers' process.

async function runSubscribers(): Promise<void> {
  const port = Number(process.env.PORT);
  interface Step {
    latencies: number[];
    perSubscriber: Uint32Array;
    delivered: number;
    firstSent: bigint;
    lastReceived: bigint;
    changed?: () => void;
  }
  const steps = new Map<number, Step>();
  const stepOf = (n: number): Step => {
    let s = steps.get(n);
    if (!s) steps.set(n, (s = { latencies: [], perSubscriber: new Uint32Array(SUBSCRIBERS), delivered: 0, firstSent: -1n, lastReceived: 0n }));
    return s;
  };
  let streamErrors = 0;
  let joined = new Set<number>();
  let onJoined: (() => void) | undefined;
  let calls: { call: grpc.ClientReadableStream<Buffer>; client: grpc.Client }[] = [];
  // StreamMessagesRequest{}: every event of every account the key may read, from now.
  const request = Buffer.from(toBinary(StreamMessagesRequestSchema, create(StreamMessagesRequestSchema)));

  function subscribe(index: number): void {
    // A connection of its own (no subchannel shared with the other clients of this process).
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
    const metadata = new grpc.Metadata();
    metadata.set("authorization", TEST_AUTH_HEADER);
    const call = client.makeServerStreamRequest("/wildcat.v1.MessageService/StreamMessages", (r: Buffer) => r, (b: Buffer) => b, request, metadata);
    call.on("data", (response: Buffer) => {
      const received = process.hrtime.bigint();
      const id = messageIdOf(response);
      if (id === undefined) return;
      const n = parseInt(id.slice(4, 6), 16);
      const sent = BigInt(`0x${id.slice(6)}`);
      const s = stepOf(n);
      s.latencies.push(Number(received - sent) / 1e6);
      s.perSubscriber[index]++;
      s.delivered++;
      if (s.firstSent < 0n || sent < s.firstSent) s.firstSent = sent;
      s.lastReceived = received;
      s.changed?.();
      if (!joined.has(index)) {
        joined.add(index);
        if (joined.size === SUBSCRIBERS) onJoined?.();
      }
    });
    call.on("error", (e: grpc.ServiceError) => {
      if (e.code === grpc.status.CANCELLED) return;
      streamErrors++;
      process.stderr.write(`subscriber ${index}: ${e.message}\n`);
    });
    calls.push({ call, client });
  }

  let stalled: RawH2Connection | undefined;
  let stalledBytes = 0;
  let cpu = process.cpuUsage();
  let cpuAt = performance.now();

  async function answer(c: Command): Promise<unknown> {
    switch (c.cmd) {
      case "open":
        joined = new Set();
        for (let i = 0; i < SUBSCRIBERS; i++) subscribe(i);
        return true;
      case "joined":
        if (joined.size < SUBSCRIBERS) await new Promise<void>((resolve) => (onJoined = resolve));
        return true;
      case "close":
        for (const { call, client } of calls) {
          call.cancel();
          client.close();
        }
        calls = [];
        steps.clear();
        return true;
      case "report": {
        const s = stepOf(c.step);
        const expected = c.expected * SUBSCRIBERS;
        if (s.delivered < expected) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, c.graceMs);
            function done() {
              clearTimeout(timer);
              s.changed = undefined;
              resolve();
            }
            s.changed = () => s.delivered >= expected && done();
          });
        }
        const used = process.cpuUsage(cpu);
        const elapsed = performance.now() - cpuAt;
        cpu = process.cpuUsage();
        cpuAt = performance.now();
        const sorted = Float64Array.from(s.latencies).sort();
        const report: StepReport = {
          delivered: s.delivered,
          short: s.perSubscriber.filter((n) => n < c.expected).length,
          p50: pct(sorted, 50),
          p90: pct(sorted, 90),
          p99: pct(sorted, 99),
          max: sorted.length ? sorted[sorted.length - 1] : NaN,
          perSecond: s.delivered / (Number(s.lastReceived - s.firstSent) / 1e9),
          cpu: ((used.user + used.system) / 1000 / elapsed) * 100,
          streamErrors,
        };
        steps.delete(c.step);
        return report;
      }
      case "stall-open": {
        // A client that never reads: its HTTP/2 window (64 KiB, never reopened) fills with the
        // events before the others' and stays full; its own connection, as another client's would be.
        const c2 = await RawH2Connection.open(port);
        stalled = c2;
        stalledBytes = 0;
        let lastData = performance.now();
        c2.socket.on("data", (d: Buffer) => {
          stalledBytes += d.length;
          lastData = performance.now();
        });
        const headers = {
          ":method": "POST",
          ":scheme": "http",
          ":path": "/wildcat.v1.MessageService/StreamMessages",
          ":authority": "bench",
          "content-type": "application/grpc",
          te: "trailers",
          authorization: TEST_AUTH_HEADER,
        };
        const [id] = c2.openStreams(1, headers);
        c2.data(id, grpcFrame(toBinary(StreamMessagesRequestSchema, create(StreamMessagesRequestSchema, { start: StreamStart.OLDEST }))), true);
        // Full once nothing more comes (the window is 64 KiB; what fits of the last message is cut);
        // behind it the server's queue for it (STREAM_BUFFER events) fills from the log.
        while (stalledBytes < 60_000 || performance.now() - lastData < 1000) await new Promise((resolve) => setTimeout(resolve, 100));
        return stalledBytes;
      }
      case "stall-close": {
        const resets = stalled?.resets.size ?? 0;
        stalled?.close();
        return resets;
      }
    }
  }

  process.on("message", (c: Command) => {
    void answer(c).then((a) => process.send!({ id: c.id, answer: a }));
  });
  process.once("SIGTERM", () => {
    for (const { call } of calls) call.cancel();
    stalled?.close();
    process.exit(0);
  });
}

/** The message id in a StreamMessagesResponse's bytes (event = 1 → message = 10 → message_id = 2), without decoding the rest. */
function messageIdOf(response: Uint8Array): string | undefined {
  let bytes: Uint8Array | undefined = response;
  for (const no of [1, 10, 2]) bytes = bytes && lengthDelimited(bytes, no);
  return bytes && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

function lengthDelimited(bytes: Uint8Array, field: number): Uint8Array | undefined {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [no, type] = reader.tag();
    if (no === field && type === WireType.LengthDelimited) return reader.bytes();
    reader.skip(type, no);
  }
  return undefined;
}

function pct(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
