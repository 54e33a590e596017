// Issue 17, P4 and P5: many linked accounts on one gateway process, on real processes — a
// standalone simulator (`src/simulator-main.ts`) and a sandbox gateway (`src/sandbox.ts`, SQLite,
// SIMULATOR_URL) — each figure printed beside its baseline from the same run:
//   - linking: BENCH_ACCOUNTS accounts, BENCH_LINK_CONCURRENCY at a time (QR shown by the gateway,
//     scanned through the simulator's SandboxService), seconds per hundred;
//   - memory: the gateway's RSS with 0 accounts, then with every account connected and idle →
//     per account (goal ≤ 2 MiB); and both again after a full GC (through the gateway's
//     inspector, on a loopback port), with the live V8 heap: the garbage of linking left aside;
//   - idle CPU: gateway and simulator over BENCH_IDLE_SECONDS with 0 accounts, then with every
//     account connected (keep-alives only);
//   - restore: the gateway SIGKILLed and started again on the same store, time from the new
//     process's spawn until every account is CONNECTED again — by WatchAccount, with an
//     update_time after the kill, since the stored state still says CONNECTED from before the crash
//     (goal: 100 in ≤ 10 s, 500 in ≤ 40 s);
//   - the simulator's own CPU and RSS in each phase, so one can see whether it is the bottleneck
//     (it is one Node process: near 100 % of a core means it is).
// CPU % is of one core (/proc/<pid>/stat), so 200 % is the whole of a 2-core machine.
//
//   npm run bench:accounts                     (100 accounts, 8 at a time, 30 s idle)
//   BENCH_ACCOUNTS=500 npm run bench:accounts  (the P4 figure; about ten minutes)
//
// The children get this process's environment, so gateway settings apply as usual
// (e.g. RESTORE_CONCURRENCY=8). BENCH_RESTORE_CONCURRENCY=4,16,64 kills and restores once per
// value, each with that RESTORE_CONCURRENCY, to compare them in one run. BENCH_CPU_PROF=<dir>
// runs the last restarted gateway with `--cpu-prof` into that directory (written as it stops).
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import WebSocket from "ws";
import { AccountState } from "../../gen/wildcat/v1/account_pb.js";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { SandboxService } from "../../gen/wildcat/v1/sandbox_service_pb.js";
import { AccountWatcher } from "../support/account-watcher.js";
import { bearer, TEST_ADMIN_KEY } from "../support/auth.js";
import { processHarness, type NodeProcess } from "../support/processes.js";

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 100);
const LINK_CONCURRENCY = Number(process.env.BENCH_LINK_CONCURRENCY ?? 8);
/** Baileys sends a keep-alive every 30 s: a window of 30 s holds one per account. */
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
/** BENCH_RESTORE_CONCURRENCY=4,16,64: one kill and restore per value, in that order ("" = the gateway's setting). */
const RESTORE_CONCURRENCIES = (process.env.BENCH_RESTORE_CONCURRENCY ?? "").split(",").map((c) => c.trim());
/** P5's goals: 100 accounts in 10 s, 500 in 40 s; in between (or beyond) on the line through them. */
const RESTORE_GOAL_S = ACCOUNTS <= 100 ? 10 : 10 + ((ACCOUNTS - 100) * 30) / 400;
/** A watch stream per account; HTTP2_MAX_CONCURRENT_STREAMS is 250 per connection by default. */
const WATCHES_PER_CONNECTION = 200;
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
const MiB = 1024 * 1024;

const harness = processHarness();
const gatewayDir = harness.tempDir();
const phone = (i: number) => `+1555477${String(i).padStart(4, "0")}`;
const accountId = (i: number) => `acct${String(i).padStart(4, "0")}`;

try {
  const sim = harness.start("src/simulator-main.ts", harness.tempDir(), { LOG_LEVEL: "warn" });
  const { sandboxUrl } = JSON.parse(await sim.line(() => true)) as { sandboxUrl: string };
  const sandbox = createClient(SandboxService, createConnectTransport({ baseUrl: sandboxUrl, httpVersion: "1.1" }));
  const gatewayEnv = {
    SIMULATOR_URL: sandboxUrl,
    WILDCAT_ADMIN_KEY: TEST_ADMIN_KEY,
    // WatchAccount for every account at once after the restart: not what a key's rate is for.
    API_KEY_RATE_PER_SECOND: "100000",
  };
  // On a loopback port of its own, for fullGc().
  let gw = await startGateway(gatewayEnv, ["--inspect=127.0.0.1:0"]);
  console.log(
    `bench:accounts — ${ACCOUNTS} accounts, linked ${LINK_CONCURRENCY} at a time; ` +
      `idle windows ${IDLE_SECONDS} s; ${availableParallelism()} CPUs; node ${process.version}`,
  );

  // Baseline: the gateway and the simulator with no account, after a few calls (JIT, connections).
  for (let i = 0; i < 20; i++) await gw.accounts(0).listAccounts({ pageSize: 10 });
  const idle0 = await idleWindow(gw, sim);

  // Linking.
  const link = usage(gw.process, sim);
  const linkStart = performance.now();
  const done: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(LINK_CONCURRENCY, ACCOUNTS) }, async () => {
      while (next < ACCOUNTS) {
        const i = next++;
        await linkOne(gw.accounts(i), sandbox, accountId(i), phone(i));
        done.push(performance.now() - linkStart);
        if (done.length % 100 === 0 && done.length < ACCOUNTS) console.log(`  … ${done.length} linked after ${(done.at(-1)! / 1000).toFixed(1)} s`);
      }
    }),
  );
  const linkUse = link.end();
  const perHundred = [];
  for (let h = 100; h <= ACCOUNTS; h += 100) perHundred.push(((done[h - 1] - (h > 100 ? done[h - 101] : 0)) / 1000).toFixed(1));
  console.log(
    `link: ${ACCOUNTS} accounts in ${(done.at(-1)! / 1000).toFixed(1)} s` +
      (perHundred.length ? ` (per hundred: ${perHundred.join(", ")} s)` : "") +
      `; CPU meanwhile: gateway ${linkUse.gatewayCpu} %, simulator ${linkUse.simCpu} %`,
  );

  // Memory and idle CPU with every account connected.
  const idleN = await idleWindow(gw, sim);
  const perAccount = (after: number, before: number) => ((after - before) / ACCOUNTS / MiB).toFixed(2);
  console.log(
    `gateway RSS: ${mib(idle0.gatewayRss)} MiB with 0 accounts → ${mib(idleN.gatewayRss)} MiB with ${ACCOUNTS} → ` +
      `${perAccount(idleN.gatewayRss, idle0.gatewayRss)} MiB per account (goal ≤ 2); after a full GC ${mib(idle0.gc.rss)} → ${mib(idleN.gc.rss)} MiB → ` +
      `${perAccount(idleN.gc.rss, idle0.gc.rss)} MiB per account; live V8 heap ${mib(idle0.gc.heap)} → ${mib(idleN.gc.heap)} MiB → ${perAccount(idleN.gc.heap, idle0.gc.heap)} MiB per account`,
  );
  console.log(
    `idle CPU over ${IDLE_SECONDS} s: gateway ${idle0.gatewayCpu} % with 0 accounts → ${idleN.gatewayCpu} % with ${ACCOUNTS}; ` +
      `simulator ${idle0.simCpu} % → ${idleN.simCpu} %`,
  );
  console.log(`simulator RSS: ${mib(idle0.simRss)} MiB with 0 accounts → ${mib(idleN.simRss)} MiB with ${ACCOUNTS} linked devices`);

  // Restore after a crash: once per RESTORE_CONCURRENCY asked for (or once with the gateway's own).
  for (const [round, concurrency] of RESTORE_CONCURRENCIES.entries()) {
    const killedAt = Date.now();
    gw.process.child.kill("SIGKILL");
    await once(gw.process.child, "exit");
    const restore = usage(undefined, sim);
    const spawnedAt = performance.now();
    // Only the last gateway stops gracefully (the others are SIGKILLed): the one a profile is written for.
    const profiled = process.env.BENCH_CPU_PROF && round === RESTORE_CONCURRENCIES.length - 1;
    const nodeArgs = profiled ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    gw = await startGateway(concurrency ? { ...gatewayEnv, RESTORE_CONCURRENCY: concurrency } : gatewayEnv, nodeArgs);
    restore.gateway(gw.process);
    const readyS = (performance.now() - spawnedAt) / 1000;
    const connectedS = await Promise.all(
      Array.from({ length: ACCOUNTS }, async (_, i) => {
        const w = new AccountWatcher(gw.accounts(i), accountId(i));
        try {
          await w.until((s) => s.account!.state === AccountState.CONNECTED && timestampDate(s.account!.updateTime!).getTime() >= killedAt, 0, 600_000);
          return (performance.now() - spawnedAt) / 1000;
        } finally {
          w.close();
        }
      }),
    );
    const restoreUse = restore.end();
    connectedS.sort((a, b) => a - b);
    const last = connectedS.at(-1)!;
    console.log(
      `restore after SIGKILL (RESTORE_CONCURRENCY=${concurrency || (process.env.RESTORE_CONCURRENCY ?? "4, the default")}): ${ACCOUNTS} accounts CONNECTED ` +
        `${last.toFixed(1)} s after the new process was spawned (goal ≤ ${RESTORE_GOAL_S} s: ${last <= RESTORE_GOAL_S ? "met" : "not met"}); ` +
        `the process was ready after ${readyS.toFixed(1)} s, the first account at ${connectedS[0].toFixed(1)} s, half at ${connectedS[Math.floor(ACCOUNTS / 2)].toFixed(1)} s; ` +
        `CPU meanwhile: gateway ${restoreUse.gatewayCpu} %, simulator ${restoreUse.simCpu} %`,
    );
  }
} finally {
  await harness.cleanup();
}

interface Gateway {
  process: NodeProcess;
  baseUrl: string;
  /** A client for account `i`: one HTTP/2 connection per WATCHES_PER_CONNECTION accounts. */
  accounts(i: number): Client<typeof AccountService>;
}

async function startGateway(env: Record<string, string>, nodeArgs: string[] = []): Promise<Gateway> {
  const p = harness.start("src/sandbox.ts", gatewayDir, env, nodeArgs);
  const { port } = JSON.parse(await p.line((l) => l.includes('"msg":"sandbox ready'), 120_000)) as { port: number };
  const baseUrl = `http://127.0.0.1:${port}`;
  const clients: Client<typeof AccountService>[] = [];
  return {
    process: p,
    baseUrl,
    accounts(i) {
      const c = Math.floor(i / WATCHES_PER_CONNECTION);
      clients[c] ??= createClient(AccountService, createConnectTransport({ baseUrl, httpVersion: "2", interceptors: [bearer()] }));
      return clients[c];
    },
  };
}

/** Creates, connects and links an account: its QR scanned by a simulated phone, until CONNECTED. */
async function linkOne(accounts: Client<typeof AccountService>, sandbox: Client<typeof SandboxService>, id: string, phoneNumber: string): Promise<void> {
  await accounts.createAccount({ accountId: id });
  const w = new AccountWatcher(accounts, id);
  try {
    await accounts.connectAccount({ accountId: id });
    const { qrCode } = await w.until((s) => s.qrCode !== undefined, 0, 120_000);
    await sandbox.linkDevice({ qrCode: qrCode!.code, phoneNumber });
    await w.until((s) => s.account!.state === AccountState.CONNECTED, 0, 120_000);
  } finally {
    w.close();
  }
}

/** RSS (bytes) and CPU time used so far (seconds) of a process, from /proc. */
function procStats(pid: number): { rss: number; cpuS: number } {
  const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return { rss: rssKb * 1024, cpuS: (Number(fields[11]) + Number(fields[12])) / CLK_TCK };
}

/** CPU % (of one core) of the gateway and the simulator from now until `end()`. */
function usage(gateway: NodeProcess | undefined, sim: NodeProcess) {
  const start = performance.now();
  const simStart = procStats(sim.child.pid!).cpuS;
  let gw = gateway;
  let gwStart = gw ? procStats(gw.child.pid!).cpuS : 0;
  return {
    /** The gateway started after `usage()`: its CPU counts from its spawn. */
    gateway(p: NodeProcess) {
      gw = p;
      gwStart = 0;
    },
    end() {
      const s = (performance.now() - start) / 1000;
      const pct = (cpuS: number) => Math.round((cpuS / s) * 100);
      return { gatewayCpu: pct(procStats(gw!.child.pid!).cpuS - gwStart), simCpu: pct(procStats(sim.child.pid!).cpuS - simStart) };
    },
  };
}

/**
 * IDLE_SECONDS with nothing asked of either process: CPU over the window, the gateway's RSS at its
 * end, then its RSS and live heap after a full GC (what is left once the garbage of linking is
 * collected; V8 may leave it uncollected for long on an idle process).
 */
async function idleWindow(gw: Gateway, sim: NodeProcess) {
  const u = usage(gw.process, sim);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  const cpu = u.end();
  const gatewayRss = procStats(gw.process.child.pid!).rss;
  const simRss = procStats(sim.child.pid!).rss;
  return { ...cpu, gatewayRss, simRss, gc: await fullGc(gw.process) };
}

/**
 * A full garbage collection in the gateway through its inspector (it runs with `--inspect` on a
 * free loopback port), then its RSS and the V8 heap in use.
 */
async function fullGc(p: NodeProcess): Promise<{ rss: number; heap: number }> {
  const ws = new WebSocket(/ws:\/\/127\.0\.0\.1:\d+\/\S+/.exec(p.stderr)![0]);
  await once(ws, "open");
  let id = 0;
  const call = (method: string) =>
    new Promise<Record<string, number>>((resolve) => {
      const mine = ++id;
      const onMessage = (data: Buffer) => {
        const reply = JSON.parse(String(data)) as { id?: number; result: Record<string, number> };
        if (reply.id !== mine) return;
        ws.off("message", onMessage);
        resolve(reply.result);
      };
      ws.on("message", onMessage);
      ws.send(JSON.stringify({ id: mine, method }));
    });
  try {
    await call("HeapProfiler.collectGarbage");
    const { usedSize } = await call("Runtime.getHeapUsage");
    return { rss: procStats(p.child.pid!).rss, heap: usedSize };
  } finally {
    ws.close();
  }
}

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(0);
}

