// What abusive clients cost a well-behaved one: the p50/p99 latency of unary calls from a
// well-behaved Connect client (HTTP/2) to a real gateway process, first alone, then while in
// the same run these clients hammer the same gateway:
//   - StreamMessages streams that never read (their HTTP/2 window never opens),
//   - calls sending their body one byte per second, and calls sending headers only,
//   - connections opening 10,000 HTTP/2 streams at once, again and again,
//   - HTTP/1.1 connections that never finish their headers (slowloris).
// The abusive clients run in their own process (test/bench/abusive-clients.ts) at the lowest CPU
// priority, standing in for another machine: on this 2-core box their own work would otherwise
// take the CPU from the gateway and the measuring client. It prints both phases and their
// ratio; it asserts nothing (timings belong here, not in tests).
//
//   npm run bench:slow-clients
//
// BENCH_CALLS sets the calls per phase (default 3000), BENCH_ABUSERS the abusive clients of
// each kind (default 200), BENCH_SKIP kinds to leave out (comma-separated: never-read,
// slow-body, flood, slowloris), to see what each costs, and BENCH_FLOOD_EVERY_MS the pause between
// one flood connection and the next (default 0: back to back, as fast as refusals come back).
// The gateway runs with its default limits.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { bearer, TEST_ADMIN_KEY } from "../support/auth.js";
import { processHarness } from "../support/processes.js";
import { appendEvents } from "../webhooks/events.js";

const calls = Number(process.env.BENCH_CALLS ?? 3000);

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

const abuser = spawn("nice", ["-n", "19", process.execPath, "--import", "tsx", new URL("abusive-clients.ts", import.meta.url).pathname], {
  env: { ...process.env, PORT: String(port) },
  stdio: ["ignore", "pipe", "inherit"],
});
const reports: Record<string, Record<string, number>>[] = [];
abuser.stdout.setEncoding("utf8").on("data", (d: string) => {
  for (const line of d.split("\n").filter(Boolean)) reports.push(JSON.parse(line) as Record<string, Record<string, number>>);
  abuser.emit("report");
});
await new Promise<void>((resolve) => abuser.on("report", () => reports.some((r) => r.running) && resolve()));
process.stderr.write(`abusive clients running: ${JSON.stringify(reports[0].running)}\n`);
// First while they arrive (the never-reading streams are first served up to their limits),
// then once they sit at those limits.
const arriving = await measure();
const abused = await measure();
process.stderr.write(`with abusive clients: p99 ${pct(abused, 99).toFixed(2)} ms; stopping\n`);
abuser.kill("SIGTERM");
await once(abuser, "exit");
const counts = reports.find((r) => r.stopped)!.stopped;
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

