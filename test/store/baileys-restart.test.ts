import { makeWASocket, type WAMessage, type WASocket } from "@whiskeysockets/baileys";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { simulatorSocketOptions } from "../../src/sim/socket-options.js";
import { SimulatedContact } from "../../src/sim/contact.js";
import { Simulator } from "../../src/sim/simulator.js";
import { trustSimulatorRoot } from "../../src/sim/trust-root.js";
import type { Store } from "../../src/store/store.js";
import { mongoAdapter, sqliteAdapter, type AdapterFactory } from "./harness.js";

const mongodbUri = inject("mongodbUri");
let sim: Simulator;
let phoneSeq = 0;

beforeAll(async () => {
  sim = await Simulator.start({ logger: pino({ level: "silent" }) });
  trustSimulatorRoot(sim.rootPublicKey);
});
afterAll(() => sim?.close());

/** A real Baileys socket whose auth state is the store's; resolves with the socket once `until` is seen. */
function socket(store: Store, accountId: string) {
  return store.authState.load(accountId).then(({ state, saveCreds }) => {
    const sock = makeWASocket({ ...simulatorSocketOptions(sim), auth: state, logger: pino({ level: "silent" }) });
    sock.ev.on("creds.update", () => void saveCreds());
    return sock;
  });
}

function next(sock: WASocket, what: "qr" | "open" | "close"): Promise<string> {
  return new Promise((resolve) =>
    sock.ev.on("connection.update", (u) => {
      if (what === "qr" && u.qr) resolve(u.qr);
      if (u.connection === what) resolve(what);
    }),
  );
}

function received(sock: WASocket, text: string): Promise<WAMessage> {
  return new Promise((resolve) =>
    sock.ev.on("messages.upsert", ({ messages }) => {
      const m = messages.find((x) => x.message?.conversation === text || x.message?.extendedTextMessage?.text === text);
      if (m) resolve(m);
    }),
  );
}

const adapters: [string, AdapterFactory | undefined][] = [
  ["SQLite", sqliteAdapter],
  ["MongoDB", mongodbUri ? mongoAdapter(mongodbUri) : undefined],
];

describe.each(adapters)("a Baileys client on the %s store", (_name, factory) => {
  it.skipIf(!factory)("when its process restarts on the same store, then it logs in without re-pairing and messages still decrypt", async () => {
    const adapter = await factory!();
    const phone = `1555500${String(++phoneSeq).padStart(4, "0")}`;
    const contact = await SimulatedContact.open(sim, `1555600${String(phoneSeq).padStart(4, "0")}`, { logger: pino({ level: "silent" }) });
    try {
      // First life: link by QR, exchange a message each way.
      let store = await adapter.open();
      let sock = await socket(store, "acct");
      const qr = await next(sock, "qr");
      const restart = next(sock, "close");
      await sim.linkDevice(qr, phone);
      await restart; // 515 after pairing
      sock = await socket(store, "acct");
      await next(sock, "open");
      const own = `${phone}@s.whatsapp.net`;
      const first = received(sock, "before restart");
      await contact.sendText(own, "before restart");
      await first;
      await sock.sendMessage(contact.jid, { text: "reply 1" });
      await contact.waitForMessage((m) => m.text === "reply 1");
      await sock.end(undefined);
      await store.close();

      // Second life: a new store instance on the same storage, as after a process restart.
      store = await adapter.open();
      sock = await socket(store, "acct");
      const reopened = await Promise.race([next(sock, "open"), next(sock, "qr")]);
      expect(reopened).toBe("open"); // no QR: no re-pairing
      const second = received(sock, "after restart");
      await contact.sendText(own, "after restart");
      expect((await second).key.remoteJid).toBeDefined();
      await sock.sendMessage(contact.jid, { text: "reply 2" });
      await contact.waitForMessage((m) => m.text === "reply 2");
      await sock.end(undefined);
      await store.close();
    } finally {
      contact.close();
      await adapter.cleanup();
    }
  });
});
