import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { proto } from "@whiskeysockets/baileys";
import { afterAll, expect, it } from "vitest";
import { Simulator } from "../../src/sim/simulator.js";
import { trustSimulatorRoot } from "../../src/sim/trust-root.js";
import { BaileysClient } from "./baileys-client.js";

const dataDir = mkdtempSync(join(tmpdir(), "wildcat-sim-"));
const clients: BaileysClient[] = [];
let sim: Simulator | undefined;

afterAll(async () => {
  for (const c of clients) c.dispose();
  await sim?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it("when the simulator restarts on the same data dir, then devices log in again, queued messages arrive, old media downloads and groups remain", async () => {
  sim = await Simulator.start({ dataDir });
  trustSimulatorRoot(sim.rootPublicKey);
  const rootKey = Buffer.from(sim.rootPublicKey);
  const port = Number(new URL(sim.wsUrl).port);
  const alice = new BaileysClient(sim, "alice");
  const bob = new BaileysClient(sim, "bob");
  clients.push(alice, bob);
  await alice.linkByQr("15550003001");
  await bob.linkByQr("15550003002");
  const image = randomBytes(10_000);
  const withImage = await alice.sock.sendMessage("15550003002@s.whatsapp.net", { image, jpegThumbnail: "" });
  const imageAtBob = await bob.waitForMessage((m) => m.key.id === withImage!.key.id);
  const mediaPort = sim.mediaPort;
  const { id: group } = await alice.sock.groupCreate("Kept", ["15550003002@s.whatsapp.net"]);

  const bobClosed = bob.waitForClose();
  bob.end();
  await bobClosed;
  const sent = await alice.sock.sendMessage("15550003002@s.whatsapp.net", {
    text: "survives a restart",
  });
  await alice.waitForServerAck(sent!.key.id!);
  const aliceClosed = alice.waitForClose();
  await sim.close();
  await aliceClosed;

  sim = await Simulator.start({ dataDir, port, mediaPort });
  expect(Buffer.from(sim.rootPublicKey).equals(rootKey)).toBe(true);
  alice.connect();
  bob.connect();
  await Promise.all([alice.waitForOpen(), bob.waitForOpen()]);
  const msg = await bob.waitForText("survives a restart");
  expect(msg.key.id).toBe(sent!.key.id);
  await alice.waitForStatus(sent!.key.id!, proto.WebMessageInfo.Status.DELIVERY_ACK);
  // media uploaded before the restart is still served (same CA, same port, bytes in the data dir)
  expect(Buffer.compare(await bob.download(imageAtBob), image)).toBe(0);
  expect(await bob.sock.groupMetadata(group)).toMatchObject({ subject: "Kept", size: 2 });
  await bob.sock.sendMessage(group, { text: "still a group" });
  await alice.waitForText("still a group");
  expect(alice.problems()).toEqual([]);
  expect(bob.problems()).toEqual([]);
  expect(sim.unknownIqs).toEqual([]);
});
