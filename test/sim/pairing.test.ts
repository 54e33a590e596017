import { DisconnectReason } from "@whiskeysockets/baileys";
import { describe, expect, it } from "vitest";
import { simulatorWithClients } from "./sim-fixture.js";

const fixture = simulatorWithClients();
const sim = () => fixture.sim;

const client = (name: string) => fixture.client(name);

describe("QR pairing", () => {
  it("when the phone scans the QR, then the client restarts (515), logs in and opens", async () => {
    const c = client("qr");
    const linked = await c.linkByQr("15550000001");
    expect(linked.jid).toBe("15550000001:1@s.whatsapp.net");
    expect(c.sock.user?.id).toBe(linked.jid);
    expect(c.sock.user?.lid).toBe(linked.lid);
  });

  it("when nobody scans, then the QR rotates through every ref and Baileys gives up (408)", async () => {
    const c = fixture.client("unscanned", { qrTimeout: 50 });
    const qrs: string[] = [];
    c.connect();
    c.sock.ev.on("connection.update", (u) => {
      if (u.qr) qrs.push(u.qr);
    });
    expect(await c.waitForClose()).toBe(DisconnectReason.timedOut);
    expect(new Set(qrs).size).toBe(6);
    await expect(sim().linkDevice(qrs[0]!, "15550000009")).rejects.toThrow(/expired/);
  });
});

describe("pairing by code", () => {
  it("when the phone owner enters the code, then the client is linked, restarts and opens", async () => {
    const c = client("code");
    const linked = await c.linkByCode("15550000002", (code) => sim().enterPairingCode("15550000002", code));
    expect(linked.jid).toBe("15550000002:1@s.whatsapp.net");
    expect(c.sock.user?.id).toBe(linked.jid);
  });
});
