import { DisconnectReason } from "@whiskeysockets/baileys";
import { describe, expect, it } from "vitest";
import type { BaileysClient } from "./baileys-client.js";
import { simulatorWithClients } from "./sim-fixture.js";

const fixture = simulatorWithClients();
const sim = () => fixture.sim;

let nextPhone = 15550002001;

async function linked(name: string): Promise<{ client: BaileysClient; jid: string }> {
  const client = fixture.client(name);
  const { jid } = await client.linkByQr(String(nextPhone++));
  return { client, jid };
}

describe("faults on demand", () => {
  it("when the connection is dropped, then Baileys reports connectionClosed and can log in again", async () => {
    const { client, jid } = await linked("drop");
    const closed = client.waitForClose();
    // a user-level JID addresses every device of the phone number
    sim().injectFault(jid.replace(/:\d+@/, "@"), { kind: "drop" });
    expect(await closed).toBe(DisconnectReason.connectionClosed);
    client.connect();
    await client.waitForOpen();
  });

  it.each([
    [515, DisconnectReason.restartRequired],
    [440, DisconnectReason.connectionReplaced],
    [500, DisconnectReason.badSession],
  ])("when the server sends stream error %i, then Baileys maps it to %i", async (code, reason) => {
    const { client, jid } = await linked(`stream-${code}`);
    client.expectStreamError(code);
    const closed = client.waitForClose();
    sim().injectFault(jid, { kind: "stream-error", code });
    expect(await closed).toBe(reason);
    // none of these remove the device: it logs in again
    client.connect();
    await client.waitForOpen();
  });

  it("when the server logs the device out (401), then Baileys reports loggedOut and cannot log in again", async () => {
    const { client, jid } = await linked("logout");
    client.expectStreamError(401);
    const closed = client.waitForClose();
    sim().injectFault(jid, { kind: "stream-error", code: 401 });
    expect(await closed).toBe(DisconnectReason.loggedOut);
    client.connect();
    expect(await client.waitForClose()).toBe(DisconnectReason.loggedOut);
  });

  it("when the client logs itself out, then the device is unlinked and a new login is refused (401)", async () => {
    const { client } = await linked("self-logout");
    const closed = client.waitForClose();
    await client.sock.logout();
    expect(await closed).toBe(DisconnectReason.loggedOut);
    client.connect();
    expect(await client.waitForClose()).toBe(DisconnectReason.loggedOut);
  });

  it("when a second client logs in as the same device, then the first is replaced (440)", async () => {
    const { client } = await linked("replaced");
    client.expectStreamError(440);
    const first = client.sock;
    const closed = client.waitForClose();
    client.connect(); // same creds: a second connection for the same device
    expect(await closed).toBe(DisconnectReason.connectionReplaced);
    expect(client.sock).not.toBe(first);
    await client.waitForOpen();
  });

  it("when the simulator goes away, then Baileys reports connectionClosed and reconnects once it is back", async () => {
    const { client } = await linked("away");
    const closed = client.waitForClose();
    await sim().goAway();
    expect(await closed).toBe(DisconnectReason.connectionClosed);
    await sim().comeBack();
    client.connect();
    await client.waitForOpen();
  });

  it("when acks are refused, then the sender sees its message fail; when delayed, it still goes through", async () => {
    const { client: sender, jid } = await linked("acks-sender");
    const { client: receiver, jid: receiverJid } = await linked("acks-receiver");
    const to = receiverJid.replace(/:\d+@/, "@");
    sim().injectFault(jid, { kind: "refuse-acks", error: 500 });
    sender.expectedProblems.push((line) => line.msg === "received error in ack");
    const refused = await sender.sock.sendMessage(to, { text: "refused" });
    await sender.waitForFailure(refused!.key.id!);
    sim().injectFault(jid, { kind: "delay-acks", ms: 200 });
    const delayed = await sender.sock.sendMessage(to, { text: "delayed" });
    await receiver.waitForText("delayed");
    await sender.waitForStatus(delayed!.key.id!, 3);
    sim().injectFault(jid, { kind: "normal-acks" });
  });
});
