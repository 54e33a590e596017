import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChatUpdate } from "@whiskeysockets/baileys";
import { Simulator } from "../../src/sim/simulator.js";
import { describe, expect, it } from "vitest";
import type { BaileysClient } from "./baileys-client.js";
import { simulatorWithClients } from "./sim-fixture.js";

const PHONE = "15550007101";
const CHAT = "15550007199@s.whatsapp.net";

/** Links a client and waits until the phone's app-state key reached it (chatModify needs it). */
async function linkWithKey(client: BaileysClient, phone: string): Promise<void> {
  await client.linkByQr(phone);
  if (!client.creds.myAppStateKeyId) await client.waitFor("creds.update", (u) => !!u.myAppStateKeyId);
}

const chatUpdate = (client: BaileysClient, check: (u: ChatUpdate) => boolean) =>
  client.waitFor("chats.update", (updates) => updates.some((u) => u.id === CHAT && check(u)));

describe("app-state sync on the simulator", () => {
  const fixture = simulatorWithClients();

  it("when a companion archives, pins and mutes a chat, then the phone's app state shows it and the other companion is told", async () => {
    const first = fixture.client("first");
    const second = fixture.client("second");
    await linkWithKey(first, PHONE);
    await linkWithKey(second, PHONE);

    const archivedOnSecond = chatUpdate(second, (u) => u.archived === true);
    await first.sock.chatModify({ archive: true, lastMessages: [] }, CHAT);
    await archivedOnSecond;
    expect((await fixture.sim.appState.chatView(PHONE, CHAT)).archived).toBe(true);

    const pinnedOnSecond = chatUpdate(second, (u) => typeof u.pinned === "number");
    await first.sock.chatModify({ pin: true }, CHAT);
    await pinnedOnSecond;
    expect((await fixture.sim.appState.chatView(PHONE, CHAT)).pinTime).toBeGreaterThan(0);

    const until = Date.now() + 3_600_000;
    // now the other device writes, on top of the first one's patches
    const mutedOnFirst = chatUpdate(first, (u) => u.muteEndTime === until);
    await second.sock.chatModify({ mute: until }, CHAT);
    await mutedOnFirst;
    expect((await fixture.sim.appState.chatView(PHONE, CHAT)).muteEndTime).toBe(until);
  });

  it("when the phone marks a chat unread and unarchives it, then a companion syncs both", async () => {
    const client = fixture.client("third");
    await linkWithKey(client, PHONE);
    const unread = chatUpdate(client, (u) => u.unreadCount === -1);
    await fixture.sim.appState.modifyChat(PHONE, { markRead: false, lastMessages: [] }, CHAT);
    await unread;
    const unarchived = chatUpdate(client, (u) => u.archived === false);
    await fixture.sim.appState.modifyChat(PHONE, { archive: false, lastMessages: [] }, CHAT);
    await unarchived;
    const view = await fixture.sim.appState.chatView(PHONE, CHAT);
    expect(view).toMatchObject({ archived: false, markedUnread: true, deleted: false });
  });

  it("when a companion uploads on a stale version, then the server refuses it with a conflict", async () => {
    const client = fixture.client("fourth");
    await linkWithKey(client, PHONE);
    const versions = fixture.sim.appState.versions(PHONE);
    expect(versions.regular_low).toBeGreaterThan(1);
    await expect(
      client.sock.query({
        tag: "iq",
        attrs: { to: "s.whatsapp.net", type: "set", xmlns: "w:sync:app:state" },
        content: [{ tag: "sync", attrs: {}, content: [{ tag: "collection", attrs: { name: "regular_low", version: "0", return_snapshot: "false" }, content: [{ tag: "patch", attrs: {}, content: new Uint8Array([1]) }] }] }],
      }),
    ).rejects.toThrow(/conflict/);
  });

  it("when the simulator restarts on the same data dir, then the phone's app-state key and every patch are still there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-app-state-"));
    try {
      const first = await Simulator.start({ dataDir: dir });
      await first.appState.modifyChat("15550007102", { archive: true, lastMessages: [] }, CHAT);
      await first.appState.modifyChat("15550007102", { pin: true }, CHAT);
      const key = first.phonePeer.appStateKeyOf("15550007102");
      await first.close();
      const second = await Simulator.start({ dataDir: dir });
      try {
        expect(Buffer.from(second.phonePeer.appStateKeyOf("15550007102").keyData).equals(Buffer.from(key.keyData))).toBe(true);
        expect(await second.appState.chatView("15550007102", CHAT)).toMatchObject({ archived: true, pinTime: expect.any(Number) });
        expect(second.appState.versions("15550007102")).toEqual({ regular_low: 2 });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
