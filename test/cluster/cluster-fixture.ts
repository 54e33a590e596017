import { EventEmitter } from "node:events";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AccountState } from "../../gen/wildcat/v1/account_pb.js";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { ClusterService } from "../../gen/wildcat/v1/cluster_service_pb.js";
import { EventType } from "../../gen/wildcat/v1/event_pb.js";
import { MessageService, StreamStart } from "../../gen/wildcat/v1/message_service_pb.js";
import { SandboxService } from "../../gen/wildcat/v1/sandbox_service_pb.js";
import { AccountWatcher } from "../support/account-watcher.js";
import { bearer, TEST_ADMIN_KEY } from "../support/auth.js";
import { freePort, uniqueDbName } from "../support/ferretdb.js";
import { processHarness, type NodeProcess } from "../support/processes.js";

/** One gateway process of the cluster, and clients that call it. */
export interface ClusterNode {
  port: number;
  url: string;
  process: NodeProcess;
  accounts: Client<typeof AccountService>;
  messages: Client<typeof MessageService>;
  cluster: Client<typeof ClusterService>;
}

export interface ClusterOptions {
  mongodbUri: string;
  nodes: number;
  /** ACCOUNT_LEASE_TTL_MS of every node. */
  ttlMs: number;
  env?: Record<string, string>;
}

/**
 * Real processes: one standalone simulator (`src/simulator-main.ts`) and N sandbox gateways
 * (`src/sandbox.ts`) in cluster mode on one FerretDB database, each on a fixed port (so a
 * restarted node comes back at its ADVERTISE_URL).
 */
export class ClusterFixture {
  readonly harness = processHarness();
  readonly nodes: ClusterNode[] = [];
  sim!: NodeProcess;
  sandbox!: Client<typeof SandboxService>;
  private env: Record<string, string> = {};
  /** Every gateway process started, restarted ones included (for CLUSTER_LOG_DIR). */
  private readonly started: { port: number; process: NodeProcess }[] = [];

  /** The database every node shares. */
  get dbName(): string {
    return this.env.MONGODB_DB;
  }

  async start(options: ClusterOptions): Promise<void> {
    this.sim = this.harness.start("src/simulator-main.ts", this.harness.tempDir(), { LOG_LEVEL: "warn" });
    const { sandboxUrl } = JSON.parse(await this.sim.line(() => true)) as { sandboxUrl: string };
    this.sandbox = createClient(SandboxService, createConnectTransport({ baseUrl: sandboxUrl, httpVersion: "1.1" }));
    this.env = {
      SIMULATOR_URL: sandboxUrl,
      MONGODB_URI: options.mongodbUri,
      MONGODB_DB: uniqueDbName("cluster"),
      AUTH_STATE_KEY: "22".repeat(32),
      WILDCAT_ADMIN_KEY: TEST_ADMIN_KEY,
      ACCOUNT_LEASE_TTL_MS: String(options.ttlMs),
      EVENT_POLL_MS: "100",
      RECONNECT_BASE_MS: "200",
      RECONNECT_MAX_MS: "2000",
      SEND_RATE_PER_MINUTE: "6000",
      ...options.env,
    };
    const ports = await Promise.all(Array.from({ length: options.nodes }, () => freePort()));
    await Promise.all(ports.map(async (port, i) => (this.nodes[i] = await this.startNode(port))));
  }

  /** Starts (or restarts) a gateway on `port`, ready when it logs "sandbox ready". */
  async startNode(port: number): Promise<ClusterNode> {
    const url = `http://127.0.0.1:${port}`;
    const p = this.harness.start("src/sandbox.ts", this.harness.tempDir(), { ...this.env, PORT: String(port), ADVERTISE_URL: url });
    this.started.push({ port, process: p });
    await p.line((l) => l.includes('"msg":"sandbox ready'), 120_000);
    const transport = createConnectTransport({ baseUrl: url, httpVersion: "2", interceptors: [bearer()] });
    return {
      port,
      url,
      process: p,
      accounts: createClient(AccountService, transport),
      messages: createClient(MessageService, transport),
      cluster: createClient(ClusterService, transport),
    };
  }

  /** Replaces node `i` with a fresh process on the same port (after it stopped or was killed). */
  async restart(i: number): Promise<ClusterNode> {
    this.nodes[i] = await this.startNode(this.nodes[i].port);
    return this.nodes[i];
  }

  /** Creates, connects and links an account through `node` (which then owns it), until CONNECTED. */
  async link(node: ClusterNode, accountId: string, phone: string): Promise<void> {
    await node.accounts.createAccount({ accountId });
    await node.accounts.connectAccount({ accountId });
    const w = new AccountWatcher(node.accounts, accountId);
    try {
      const { qrCode } = await w.until((s) => s.qrCode !== undefined, 0, 60_000);
      await this.sandbox.linkDevice({ qrCode: qrCode!.code, phoneNumber: phone });
      await w.until((s) => s.account!.state === AccountState.CONNECTED, 0, 60_000);
    } finally {
      w.close();
    }
  }

  /** Times the simulator ended a device's connection because a second one logged in (440 replaced). */
  replaced(): number {
    return this.sim.stderr.split("\n").filter((l) => l.includes("device replaced")).length;
  }

  /** Waits, by watching through `node`, until the account is CONNECTED with an owner other than `not`. */
  async connectedElsewhere(node: ClusterNode, accountId: string, not: string, timeoutMs = 60_000): Promise<string> {
    const w = new AccountWatcher(node.accounts, accountId);
    try {
      const s = await w.until((s) => s.account!.state === AccountState.CONNECTED && s.account!.owner !== "" && s.account!.owner !== not, 0, timeoutMs);
      return s.account!.owner;
    } finally {
      w.close();
    }
  }

  async stop(): Promise<void> {
    // A node a test froze (SIGSTOP) and did not resume could not take the SIGTERM.
    for (const n of this.nodes) if (n.process.child.exitCode === null && n.process.child.signalCode === null) n.process.child.kill("SIGCONT");
    if (process.env.CLUSTER_LOG_DIR) {
      // For a failing run: every process's output, to read after the fact.
      const { writeFileSync } = await import("node:fs");
      writeFileSync(`${process.env.CLUSTER_LOG_DIR}/sim.log`, `${this.sim.lines.join("\n")}\n${this.sim.stderr}`);
      for (const [i, n] of this.started.entries()) writeFileSync(`${process.env.CLUSTER_LOG_DIR}/gateway${i}-port${n.port}.log`, `${n.process.lines.join("\n")}\n${n.process.stderr}`);
    }
    await this.harness.cleanup();
  }
}

/** A StreamMessages subscriber on one node: MESSAGE_RECEIVED events in arrival order, resuming by cursor. */
export class Subscriber {
  /** [chat jid, message id, text] in the order the stream delivered them. */
  readonly received: { chat: string; id: string; text: string }[] = [];
  private readonly abort = new AbortController();
  private readonly changes = new EventEmitter();
  reconnects = 0;

  constructor(node: ClusterNode, accountIds: string[]) {
    void (async () => {
      let cursor = "";
      while (!this.abort.signal.aborted) {
        try {
          const req = { accountIds, eventTypes: [EventType.MESSAGE_RECEIVED], afterCursor: cursor, start: StreamStart.OLDEST };
          for await (const { event } of node.messages.streamMessages(req, { signal: this.abort.signal })) {
            cursor = event!.cursor;
            if (event!.payload.case === "message") {
              const m = event!.payload.value;
              this.received.push({ chat: `${event!.accountId}/${m.chat?.jid ?? ""}`, id: m.messageId, text: m.text });
              this.changes.emit("change");
            }
          }
        } catch {
          if (this.abort.signal.aborted) return;
        }
        this.reconnects++;
        // Its node may be restarting: a client's reconnect delay, not a wait for an outcome.
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
  }

  /** Resolves once every id was received (fails after `timeoutMs`, listing what is missing). */
  untilSeen(ids: readonly string[], timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const seen = new Set(this.received.map((r) => r.id));
        if (ids.every((id) => seen.has(id))) done(resolve);
      };
      const timer = setTimeout(() => {
        const seen = new Set(this.received.map((r) => r.id));
        done(() => reject(new Error(`missing ${ids.filter((id) => !seen.has(id)).length} of ${ids.length} messages after ${timeoutMs} ms`)));
      }, timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.changes.off("change", check);
        settle();
      };
      this.changes.on("change", check);
      check();
    });
  }

  close(): void {
    this.abort.abort();
  }
}
