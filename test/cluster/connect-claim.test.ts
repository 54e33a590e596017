import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { systemClock } from "../../src/clock.js";
import { FencedAuthState } from "../../src/cluster/fenced-auth-state.js";
import { Ownership } from "../../src/cluster/ownership.js";
import { simulatorSocketOptions } from "../../src/sim/socket-options.js";
import { Simulator } from "../../src/sim/simulator.js";
import { trustSimulatorRoot } from "../../src/sim/trust-root.js";
import { override } from "../../src/store/override.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { SocketManager } from "../../src/whatsapp/socket-manager.js";
import { testCipher } from "../store/harness.js";

/**
 * ConnectAccount in cluster mode claims the account's lease and then opens its socket. Reading the
 * login takes a while on a loaded database; balancing rounds run meanwhile (every TTL/3) and see an
 * account stored as disconnected with no socket yet. They must not release the fresh claim, or the
 * socket's first fenced write fails ("lease epoch 0 … another process owns the account").
 * Real Ownership, SocketManager, fenced auth state, SQLite store and simulator; the login read is
 * slowed past two rounds.
 */
const TTL_MS = 600;
const LOAD_DELAY_MS = 2 * TTL_MS;

let sim: Simulator;
let dir: string;
let store: Store;
let ownership: Ownership;
let sockets: SocketManager;

beforeAll(async () => {
  sim = await Simulator.start({ logger: pino({ level: "silent" }) });
  trustSimulatorRoot(sim.rootPublicKey);
  dir = mkdtempSync(join(tmpdir(), "wildcat-claim-"));
  store = openSqliteStore(dir, { authCipher: testCipher });
  const logger = pino({ level: "silent" });
  ownership = new Ownership(store.leases, store.accounts, systemClock, logger, { advertiseUrl: "http://p0", ttlMs: TTL_MS, maxAccounts: 10 });
  const slowLoad = override(store.authState, { load: async (accountId) => (await sleep(LOAD_DELAY_MS), store.authState.load(accountId)) });
  const fenced = new FencedAuthState(slowLoad, store.leases, (id) => ownership.leaseOf(id), () => systemClock.now());
  sockets = new SocketManager(override(store, { authState: fenced }), systemClock, logger, {
    backoff: { baseMs: 50, maxMs: 200, maxAttempts: 5 },
    restoreConcurrency: 1,
    watchBuffer: 64,
    socketOptions: { ...simulatorSocketOptions(sim), logger },
    ownership,
  });
  await sockets.restore();
});
afterAll(async () => {
  await sockets?.shutdown();
  await ownership?.stop();
  await store?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("when ConnectAccount's socket takes longer than a balancing round to open, then the call's claim is kept and the account waits for its QR scan here", async () => {
  const now = systemClock.now();
  await store.accounts.create({ accountId: "fresh", displayName: "", state: "disconnected", createTime: now, updateTime: now });
  const account = await sockets.connect("fresh");
  expect(account.state).not.toBe("disconnected");
  const lease = ownership.leaseOf("fresh");
  expect(lease?.holder).toMatch(/^http:\/\/p0#/);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 20_000);
  try {
    for await (const s of sockets.watch("fresh", abort.signal)) if (s.qr) break;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  // A round with the QR showing keeps the lease too: the account is pairing (active).
  await ownership.round();
  expect(ownership.leaseOf("fresh")?.epoch).toBe(lease!.epoch);
  expect((await store.accounts.get("fresh"))?.state).toBe("waiting_for_login");
});
