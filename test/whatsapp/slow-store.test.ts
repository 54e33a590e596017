import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SimulatedContact } from "../../src/sim/contact.js";
import { simulatorSocketOptions } from "../../src/sim/socket-options.js";
import { Simulator } from "../../src/sim/simulator.js";
import { trustSimulatorRoot } from "../../src/sim/trust-root.js";
import type { AuthStateStore } from "../../src/store/auth-state.js";
import { override } from "../../src/store/override.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { systemClock } from "../../src/clock.js";
import type { AccountSnapshot } from "../../src/whatsapp/account-session.js";
import { SocketManager } from "../../src/whatsapp/socket-manager.js";
import { testCipher } from "../store/harness.js";

/**
 * A store slow where it matters here (as a loaded MongoDB-wire server is everywhere): saving the
 * login, and reading the sessions and device lists a new contact's first message moves to its LID.
 * The real SQLite store behind a delay; a real simulator and real Baileys on both sides.
 */
const DELAY_MS = 300;
const SLOW_READS = new Set(["session", "device-list"]);

function slow(inner: AuthStateStore): AuthStateStore {
  const later = async <T>(op: () => Promise<T>) => (await sleep(DELAY_MS), op());
  return override(inner, {
    async load(accountId) {
      const loaded = await inner.load(accountId);
      const { keys } = loaded.state;
      return {
        state: {
          creds: loaded.state.creds,
          keys: { ...keys, get: (type, ids) => (SLOW_READS.has(type) ? later(async () => keys.get(type, ids)) : keys.get(type, ids)) },
        },
        saveCreds: () => later(loaded.saveCreds),
      };
    },
  });
}

let sim: Simulator;
let dir: string;
let store: Store;
let sockets: SocketManager;

beforeAll(async () => {
  sim = await Simulator.start({ logger: pino({ level: "silent" }) });
  trustSimulatorRoot(sim.rootPublicKey);
  dir = mkdtempSync(join(tmpdir(), "wildcat-slow-"));
  const real = openSqliteStore(dir, { authCipher: testCipher });
  store = override(real, { authState: slow(real.authState) });
  sockets = new SocketManager(store, systemClock, pino({ level: "silent" }), {
    backoff: { baseMs: 50, maxMs: 200, maxAttempts: 5 },
    restoreConcurrency: 1,
    watchBuffer: 64,
    socketOptions: { ...simulatorSocketOptions(sim), logger: pino({ level: "silent" }) },
  });
});
afterAll(async () => {
  await sockets?.shutdown();
  await store?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const aborts: AbortController[] = [];
afterEach(() => aborts.splice(0).forEach((a) => a.abort()));

/** The account's snapshots from the socket manager until one matches (fails after `timeoutMs`, naming the states seen). */
async function until(accountId: string, match: (s: AccountSnapshot) => boolean, seen: AccountSnapshot[], timeoutMs = 20_000): Promise<AccountSnapshot> {
  const abort = new AbortController();
  aborts.push(abort);
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    for await (const s of sockets.watch(accountId, abort.signal)) {
      seen.push(s);
      if (match(s)) return s;
    }
  } catch (e) {
    if (!abort.signal.aborted) throw e;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  throw new Error(`no matching snapshot in ${timeoutMs} ms; states: ${seen.map((s) => s.account.state).join(" → ")}`);
}

/** Creates the account, lets a simulated phone scan its QR, waits for CONNECTED; every snapshot seen on the way. */
async function link(accountId: string, phone: string): Promise<AccountSnapshot[]> {
  const now = systemClock.now();
  await store.accounts.create({ accountId, displayName: "", state: "disconnected", createTime: now, updateTime: now });
  await sockets.connect(accountId);
  const seen: AccountSnapshot[] = [];
  const { qr } = await until(accountId, (s) => s.qr !== undefined, seen);
  await sim.linkDevice(qr!.code, phone);
  await until(accountId, (s) => s.account.state === "connected", seen);
  return seen;
}

describe("an account on a store slow to answer", () => {
  it("when the phone scans the QR, then the restart after pairing waits for the login to be saved and logs in (no second QR)", async () => {
    const seen = await link("slow-login", "15557000001");
    // One QR only: the socket after the 515 restart loaded the saved login instead of starting over.
    expect(new Set(seen.filter((s) => s.qr).map((s) => s.qr!.code)).size).toBe(1);
    expect((await sockets.connectedSocket("slow-login")).authState.creds.me?.id).toMatch(/^15557000001:\d+@s\.whatsapp\.net$/);
  });

  it("when a new contact sends two messages back to back, then Baileys announces them in the order sent", async () => {
    await link("slow-order", "15557000002");
    const sock = await sockets.connectedSocket("slow-order");
    const contact = await SimulatedContact.open(sim, "15557000003", { logger: pino({ level: "silent" }) });
    try {
      const texts: string[] = [];
      const both = new Promise<void>((resolve) =>
        sock.ev.on("messages.upsert", ({ messages }) => {
          for (const m of messages) {
            const text = m.message?.conversation ?? m.message?.extendedTextMessage?.text;
            if (text?.startsWith("order ")) texts.push(text);
          }
          if (texts.length === 2) resolve();
        }),
      );
      // The first message of a new contact stores its LID mapping and moves sessions: slow here.
      await contact.sendText("15557000002@s.whatsapp.net", "order 1");
      await contact.sendText("15557000002@s.whatsapp.net", "order 2");
      await both;
      expect(texts).toEqual(["order 1", "order 2"]);
    } finally {
      contact.close();
    }
  });
});
