import { makeWASocket, type ConnectionState } from "@whiskeysockets/baileys";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { memoryAuthState } from "../src/sim/memory-auth.js";
import { trustSimulatorRoot } from "../src/sim/trust-root.js";
import { curlJson } from "./support/clients.js";
import { processHarness } from "./support/processes.js";

const harness = processHarness();
afterEach(() => harness.cleanup());

describe("npm run sim (the simulator on its own)", () => {
  it("when a bare Baileys client shows a QR, then curl's LinkDevice links it and the client opens", async () => {
    const sim = harness.start("src/simulator-main.ts", harness.tempDir());
    const info = JSON.parse(await sim.line(() => true)) as { wsUrl: string; rootPublicKey: string; sandboxUrl: string };
    expect(info.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/chat$/);
    trustSimulatorRoot(Buffer.from(info.rootPublicKey, "base64"));

    const auth = memoryAuthState();
    let sock = makeWASocket({ waWebSocketUrl: info.wsUrl, auth: { creds: auth.creds, keys: auth.keys }, logger: pino({ level: "silent" }) });
    const qr = await new Promise<string>((resolve) => sock.ev.on("connection.update", (u: Partial<ConnectionState>) => u.qr && resolve(u.qr)));
    // After pairing WhatsApp asks for a restart (515); listen before linking so the close is not missed.
    const restartAsked = new Promise<void>((resolve) => sock.ev.on("connection.update", (u) => u.connection === "close" && resolve()));
    const linked = await curlJson(`${info.sandboxUrl}/wildcat.v1.SandboxService/LinkDevice`, { qrCode: qr, phoneNumber: "+15554000001" });
    expect(linked.jid).toBe("15554000001:1@s.whatsapp.net");

    await restartAsked; // a new socket with the same creds then logs in
    sock = makeWASocket({ waWebSocketUrl: info.wsUrl, auth: { creds: auth.creds, keys: auth.keys }, logger: pino({ level: "silent" }) });
    await new Promise<void>((resolve) => sock.ev.on("connection.update", (u) => u.connection === "open" && resolve()));
    expect(sock.user?.id).toBe(linked.jid);
    await sock.end(undefined);

    expect(await curlJson(`${info.sandboxUrl}/wildcat.v1.SandboxService/ListContactMessages`, { phoneNumber: "+15554000002" })).toEqual({});
  });
});
