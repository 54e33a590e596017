import { once, EventEmitter } from "node:events";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountState } from "../../gen/wildcat/v1/account_pb.js";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { ChatService } from "../../gen/wildcat/v1/chat_service_pb.js";
import { EventType } from "../../gen/wildcat/v1/event_pb.js";
import { MessageService, StreamStart } from "../../gen/wildcat/v1/message_service_pb.js";
import { SandboxService } from "../../gen/wildcat/v1/sandbox_service_pb.js";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/grpc/health/v1/health_pb.js";
import { AccountWatcher } from "../support/account-watcher.js";
import { bearer, TEST_ADMIN_KEY } from "../support/auth.js";
import { findFerretDbBinary, freePort, startFerretDb, type FerretDb } from "../support/ferretdb.js";
import { processHarness, type NodeProcess } from "../support/processes.js";

/**
 * The database goes away (issue 18): FerretDB is killed for OUTAGE_MS while two simulated
 * contacts (real Baileys clients in the simulator process) keep writing to the account and a
 * client keeps calling; then it comes back. A real gateway process (sandbox mode, simulator in
 * its own process) on its own FerretDB, which this file kills and restarts.
 */
const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 20_000);
/** Each contact's messages before the outage and after the store is back (during: as many as fit). */
const BEFORE = 3;
const AFTER = 3;
/** Each contact's messages sent at once as the store is killed. */
const BURST = 5;
/** Probe answers pace the contacts' sends during the outage. */
const ticks = new EventEmitter();
/** A unary call during the outage must answer `unavailable` within this deadline (it fails after STORE_TIMEOUT_MS). */
const PROBE_DEADLINE_MS = 15_000;
const STORE_TIMEOUT_MS = 2_000;

const ACCOUNT = "outage";
const ACCOUNT_PHONE = "+15554300001";
const CONTACTS = ["+15554300101", "+15554300102"];
const ACCOUNT_JID = `${ACCOUNT_PHONE.slice(1)}@s.whatsapp.net`;

const binary = findFerretDbBinary();
if (!binary && process.env.CI === "true") throw new Error("store-outage needs a FerretDB binary of its own to kill and restart (.ci/install-ferretdb.sh)");

describe.skipIf(!binary)("when the database goes away and comes back", () => {
  const harness = processHarness();
  let ferret: FerretDb;
  let sandboxUrl: string;
  let sim: NodeProcess;
  let hooks: WebhookReceiver;
  let port: number;
  let gatewayEnv: Record<string, string>;
  let dataDir: string;
  let gateway: NodeProcess;
  let health: HealthFollower;
  let stream: EventCounter;
  /** Every message id the contacts sent, in order. */
  const sent: string[] = [];
  const transport = () => createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: "2", interceptors: [bearer()] });
  let sandbox: Client<typeof SandboxService>;

  beforeAll(async () => {
    ferret = await startFerretDb(binary!);
    sim = harness.start("src/simulator-main.ts", harness.tempDir(), { LOG_LEVEL: "warn" });
    hooks = await WebhookReceiver.start();
    ({ sandboxUrl } = JSON.parse(await sim.line(() => true)) as { sandboxUrl: string });
    sandbox = createClient(SandboxService, createConnectTransport({ baseUrl: sandboxUrl, httpVersion: "1.1" }));
    // A fixed port, so clients reach the restarted gateway at the same address.
    port = await freePort();
    dataDir = harness.tempDir();
    gatewayEnv = {
      SIMULATOR_URL: sandboxUrl,
      PORT: String(port),
      MONGODB_URI: ferret.uri,
      MONGODB_DB: "outage",
      AUTH_STATE_KEY: "11".repeat(32),
      WILDCAT_ADMIN_KEY: TEST_ADMIN_KEY,
      STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
      STORE_CHECK_MS: "500",
      RECONNECT_BASE_MS: "200",
      RECONNECT_MAX_MS: "2000",
      SEND_RATE_PER_MINUTE: "6000",
      WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
      WEBHOOK_RETRY_SCHEDULE: "500ms,1s,2s,4s,8s,8s,8s,8s,8s",
      WEBHOOK_TIMEOUT_MS: "5000",
      WEBHOOK_LEASE_MS: "6000",
      WEBHOOK_POLL_MS: "500",
    };
    gateway = await startGatewayProcess();
    const accounts = createClient(AccountService, transport());
    await accounts.createAccount({ accountId: ACCOUNT });
    const w = new AccountWatcher(accounts, ACCOUNT);
    try {
      await accounts.connectAccount({ accountId: ACCOUNT });
      const { qrCode } = await w.until((s) => s.qrCode !== undefined, 0, 60_000);
      await sandbox.linkDevice({ qrCode: qrCode!.code, phoneNumber: ACCOUNT_PHONE });
      await w.until((s) => s.account!.state === AccountState.CONNECTED, 0, 60_000);
    } finally {
      w.close();
    }
    await createClient(WebhookService, transport()).createWebhook({ url: hooks.url, eventTypes: [EventType.MESSAGE_RECEIVED], accountIds: [ACCOUNT] });
    health = new HealthFollower(transport);
    stream = new EventCounter(transport, health);
  }, 180_000);

  afterAll(async () => {
    health?.close();
    stream?.close();
    await harness.cleanup();
    await ferret?.stop();
    await hooks?.close();
  });

  async function startGatewayProcess(): Promise<NodeProcess> {
    const p = harness.start("src/sandbox.ts", dataDir, gatewayEnv);
    await p.line((l) => l.includes('"msg":"sandbox ready'), 120_000);
    return p;
  }

  /** Each contact sends `count` messages, one after the other (each waits for the server's ack). */
  async function sendEach(count: number, label: string): Promise<void> {
    await Promise.all(
      CONTACTS.map(async (from) => {
        for (let i = 0; i < count; i++) sent.push((await sandbox.sendFromContact({ fromPhoneNumber: from, toJid: ACCOUNT_JID, text: `${label} ${from} #${i}` })).messageId);
      }),
    );
  }

  /**
   * Both contacts keep sending until `stop` resolves: a burst of BURST each as the store goes
   * (some of them reach the gateway while it is noticing), then one each whenever a probe call
   * is answered (paced by those answers, not by timers). Resolves with how many they sent.
   */
  async function keepSending(stop: Promise<unknown>, label: string): Promise<number> {
    let stopped = false;
    const stopping = stop.then(() => (stopped = true));
    let n = 0;
    await Promise.all(
      CONTACTS.map(async (from) => {
        for (let i = 0; !stopped; i++) {
          if (i >= BURST) await Promise.race([once(ticks, "tick"), stopping]);
          if (stopped) break;
          sent.push((await sandbox.sendFromContact({ fromPhoneNumber: from, toJid: ACCOUNT_JID, text: `${label} ${from} #${i}` })).messageId);
          n++;
        }
      }),
    );
    return n;
  }

  /** Unary calls while the store is gone: each must fail with `unavailable`, well within its deadline. */
  async function probeUntil(stop: Promise<unknown>): Promise<{ calls: number; slowestMs: number }> {
    let stopped = false;
    void stop.then(() => (stopped = true));
    const accounts = createClient(AccountService, transport());
    const chats = createClient(ChatService, transport());
    const messages = createClient(MessageService, transport());
    const calls: [string, () => Promise<unknown>][] = [
      ["GetAccount", () => accounts.getAccount({ accountId: ACCOUNT }, { timeoutMs: PROBE_DEADLINE_MS })],
      ["ListChats", () => chats.listChats({ accountId: ACCOUNT }, { timeoutMs: PROBE_DEADLINE_MS })],
      ["SendMessage", () => messages.sendMessage({ accountId: ACCOUNT, to: CONTACTS[0], content: { case: "text", value: { body: "during the outage" } } }, { timeoutMs: PROBE_DEADLINE_MS })],
    ];
    let count = 0;
    let slowestMs = 0;
    while (!stopped) {
      for (const [name, call] of calls) {
        const started = performance.now();
        const err = await call().then(
          () => new Error(`${name} succeeded while the store was gone`),
          (e: unknown) => e,
        );
        const ms = performance.now() - started;
        slowestMs = Math.max(slowestMs, ms);
        count++;
        ticks.emit("tick");
        expect(ConnectError.from(err).code, `${name}: ${String(err)}`).toBe(Code.Unavailable);
      }
    }
    return { calls: count, slowestMs: Math.round(slowestMs) };
  }

  /** Stored copies of each sent message, read from the database itself. */
  async function storedCounts(): Promise<Map<string, number>> {
    const client = new MongoClient(ferret.uri);
    try {
      const docs = await client.db("outage").collection("messages").find({ accountId: ACCOUNT, fromMe: false, stored: true }, { projection: { messageId: 1 } }).toArray();
      const counts = new Map<string, number>();
      for (const d of docs) counts.set(d.messageId as string, (counts.get(d.messageId as string) ?? 0) + 1);
      return counts;
    } finally {
      await client.close();
    }
  }

  /** What the account's device told the simulator that it should not have: refusals and retry receipts. */
  function deviceComplaints(what: string): number {
    return sim.stderr.split("\n").filter((l) => l.includes(what) && l.includes(`"phone":"${ACCOUNT_PHONE.slice(1)}"`)).length;
  }

  async function expectExactlyOnce(label: string): Promise<void> {
    /** On a timeout, says which consumer missed what, and whether the missing messages were stored at all. */
    const seenBy = async (tally: Tally, consumer: string) => {
      try {
        await tally.untilSeen(sent, 180_000);
      } catch (e) {
        const stored = await storedCounts().catch(() => new Map<string, number>());
        const missing = sent.filter((id) => !tally.counts().has(id));
        throw new Error(`${consumer}: ${(e as Error).message}; stored: ${missing.map((id) => `${id}×${stored.get(id) ?? 0}`).join(", ")}`);
      }
    };
    await seenBy(stream.tally, "StreamMessages");
    await seenBy(hooks.tally, "webhook");
    const stored = await storedCounts();
    const received = stream.tally.counts();
    const hooked = hooks.tally.counts();
    const storedOnce = sent.filter((id) => stored.get(id) === 1).length;
    const deliveredOnce = sent.filter((id) => received.get(id) === 1).length;
    const webhookEventsOnce = sent.filter((id) => hooked.get(id) === 1).length;
    const nacks = deviceComplaints("device refused a stanza");
    const retryReceipts = deviceComplaints("device sent a retry receipt");
    const summary = {
      case: label,
      sent: sent.length,
      storedExactlyOnce: storedOnce,
      storedDuplicates: [...stored.values()].filter((n) => n > 1).length,
      messageReceivedEvents: [...received.values()].reduce((a, b) => a + b, 0),
      deliveredExactlyOnce: deliveredOnce,
      streamReconnects: stream.reconnects,
      webhookEvents: [...hooked.values()].reduce((a, b) => a + b, 0),
      webhookEventsExactlyOnce: webhookEventsOnce,
      webhookRequests: hooks.requests,
      accountDeviceNacks: nacks,
      accountDeviceRetryReceipts: retryReceipts,
      // how the gateway handled it (informative): sockets dropped unacknowledged, messages held in memory
      droppedConnections: gateway.lines.filter((l) => l.includes("connection dropped without acknowledging")).length,
      heldMessages: gateway.lines.filter((l) => l.includes("holding a received message")).length,
    };
    console.log(`[store-outage] ${JSON.stringify(summary)}`);
    expect(new Set(sent).size).toBe(sent.length);
    expect([...stored.keys()].sort()).toEqual([...sent].sort());
    expect(storedOnce).toBe(sent.length);
    expect([...received.keys()].sort()).toEqual([...sent].sort());
    expect(deliveredOnce).toBe(sent.length);
    expect([...hooked.keys()].sort()).toEqual([...sent].sort());
    expect(webhookEventsOnce).toBe(sent.length);
    // Nothing was refused or asked for again: what could not be stored was simply not acknowledged.
    expect(nacks).toBe(0);
    expect(retryReceipts).toBe(0);
  }

  it("then the gateway stays up, health is NOT_SERVING, calls fail fast with unavailable, and every message is stored and delivered exactly once", async () => {
    await sendEach(BEFORE, "before");
    await stream.untilSeen(sent, 120_000);

    const outage = ferret.kill().then(() => new Promise((resolve) => setTimeout(resolve, OUTAGE_MS)));
    const during = keepSending(outage, "during");
    await health.until(Status.NOT_SERVING, 60_000);
    const healthz = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(healthz.status).toBe(503);
    expect(await healthz.json()).toEqual({ status: "NOT_SERVING", reason: "store unreachable" });
    const probes = await probeUntil(outage);
    expect(gateway.child.exitCode).toBeNull();
    const duringCount = await during;
    console.log(`[store-outage] outage ${OUTAGE_MS} ms: ${probes.calls} calls answered unavailable (slowest ${probes.slowestMs} ms, deadline ${PROBE_DEADLINE_MS} ms); contacts sent ${duringCount} messages meanwhile`);

    await ferret.restart();
    await health.until(Status.SERVING, 60_000);
    await sendEach(AFTER, "after");
    expect(gateway.child.exitCode).toBeNull();
    await expectExactlyOnce("outage");
  }, 420_000);

  it("when the gateway is killed during the outage and starts while the store is down, then it waits for the store and every message is stored and delivered exactly once", async () => {
    await sendEach(BEFORE, "before-restart");
    await stream.untilSeen(sent, 120_000);

    await ferret.kill();
    const outageOver = new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const during = keepSending(outageOver, "during-restart");
    await health.until(Status.NOT_SERVING, 60_000);
    gateway.child.kill("SIGKILL");
    await once(gateway.child, "exit");
    // The new process finds no store: it must wait for it, not exit (and be restarted in a loop).
    gateway = harness.start("src/sandbox.ts", dataDir, gatewayEnv);
    await gateway.line((l) => l.includes("the store is unreachable at start"), 120_000);
    await outageOver;
    expect(gateway.child.exitCode).toBeNull();
    const retries = gateway.lines.filter((l) => l.includes("the store is unreachable at start")).length;
    const duringCount = await during;
    console.log(`[store-outage] gateway restarted during a ${OUTAGE_MS} ms outage: ${retries} store attempts while down, alive; contacts sent ${duringCount} messages meanwhile`);

    await ferret.restart();
    await gateway.line((l) => l.includes('"msg":"sandbox ready'), 120_000);
    await health.until(Status.SERVING, 60_000);
    await sendEach(AFTER, "after-restart");
    await expectExactlyOnce("restart during outage");
  }, 420_000);
});


/** Follows grpc.health.v1 Watch, reconnecting (also to a restarted gateway), so a test can wait for a status. */
class HealthFollower {
  status?: Status;
  private readonly changes = new EventEmitter();
  private readonly abort = new AbortController();

  constructor(transport: () => ReturnType<typeof createConnectTransport>) {
    void (async () => {
      while (!this.abort.signal.aborted) {
        try {
          for await (const { status } of createClient(Health, transport()).watch({ service: "" }, { signal: this.abort.signal })) this.set(status);
        } catch {
          // gateway gone or restarting: unknown until it answers again
        }
        this.set(undefined);
        // the next attempt waits for a connection refusal or an answer, both events
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
  }

  private set(status: Status | undefined): void {
    this.status = status;
    this.changes.emit("change");
  }

  until(status: Status, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.status !== status) return;
        clearTimeout(timer);
        this.changes.off("change", check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.changes.off("change", check);
        reject(new Error(`health did not become ${Status[status]} within ${timeoutMs} ms (now ${this.status === undefined ? "unreachable" : Status[this.status]})`));
      }, timeoutMs);
      this.changes.on("change", check);
      check();
    });
  }

  close(): void {
    this.abort.abort();
  }
}

/**
 * A StreamMessages subscriber that counts MESSAGE_RECEIVED per message id. When its stream
 * ends (the store went, the gateway restarted) it waits for health SERVING and resumes after
 * its last cursor, as a client should.
 */
class EventCounter {
  /** MESSAGE_RECEIVED events per message id. */
  readonly tally = new Tally();
  private readonly abort = new AbortController();
  private cursor = "";
  reconnects = 0;

  constructor(transport: () => ReturnType<typeof createConnectTransport>, health: HealthFollower) {
    void (async () => {
      while (!this.abort.signal.aborted) {
        try {
          const messages = createClient(MessageService, transport());
          const req = { accountIds: [ACCOUNT], eventTypes: [EventType.MESSAGE_RECEIVED], afterCursor: this.cursor, start: StreamStart.OLDEST };
          for await (const { event } of messages.streamMessages(req, { signal: this.abort.signal })) {
            this.cursor = event!.cursor;
            if (event!.payload.case === "message") this.tally.add(event!.payload.value.messageId);
          }
        } catch {
          if (this.abort.signal.aborted) return;
        }
        this.reconnects++;
        await health.until(Status.SERVING, 600_000).catch(() => undefined);
      }
    })();
  }

  untilSeen(ids: readonly string[], timeoutMs: number): Promise<void> {
    return this.tally.untilSeen(ids, timeoutMs);
  }

  close(): void {
    this.abort.abort();
  }
}

/** Counts per message id, and lets a test wait until every id of a list was counted. */
class Tally {
  private readonly seen = new Map<string, number>();
  private readonly changes = new EventEmitter();

  add(id: string): void {
    this.seen.set(id, (this.seen.get(id) ?? 0) + 1);
    this.changes.emit("change");
  }

  counts(): Map<string, number> {
    return new Map(this.seen);
  }

  untilSeen(ids: readonly string[], timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!ids.every((id) => this.seen.has(id))) return;
        clearTimeout(timer);
        this.changes.off("change", check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.changes.off("change", check);
        const missing = ids.filter((id) => !this.seen.has(id));
        reject(new Error(`${missing.length} of ${ids.length} messages never arrived: ${missing.slice(0, 5).join(", ")}`));
      }, timeoutMs);
      this.changes.on("change", check);
      check();
    });
  }
}

/**
 * A webhook endpoint: answers 200 to every POST and counts distinct events (by `webhook-id`,
 * the event id, which a retried attempt repeats) per message id; `requests` counts attempts.
 */
class WebhookReceiver {
  readonly tally = new Tally();
  requests = 0;
  private readonly events = new Set<string>();

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.writeHead(200).end();
        receiver!.requests++;
        const eventId = String(req.headers["webhook-id"]);
        if (receiver!.events.has(eventId)) return;
        receiver!.events.add(eventId);
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { message?: { messageId?: string } };
        if (body.message?.messageId) receiver!.tally.add(body.message.messageId);
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    return receiver;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
