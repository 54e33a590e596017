import { proto } from "@whiskeysockets/baileys";
import { describe, expect, it } from "vitest";
import { simulatorWithClients } from "./sim-fixture.js";

const PHONE = "15550007001";

describe("the phone as a Signal party", () => {
  const fixture = simulatorWithClients();

  it("when a companion links and comes online, then the phone shares its app-state sync key with it", async () => {
    const client = fixture.client("companion");
    await client.linkByQr(PHONE);
    const keyId = client.creds.myAppStateKeyId ?? (await client.waitFor("creds.update", (u) => !!u.myAppStateKeyId)).myAppStateKeyId!;
    const { [keyId]: key } = await client.keys.get("app-state-sync-key", [keyId]);
    expect(key?.keyData).toHaveLength(32);
    const phoneKey = fixture.sim.phonePeer.appStateKeyOf(PHONE);
    expect(Buffer.from(key!.keyData!).equals(Buffer.from(phoneKey.keyData))).toBe(true);
    expect(Buffer.from(keyId, "base64").equals(Buffer.from(phoneKey.keyId))).toBe(true);
  });

  it("when the phone sends a protocol message to a companion, then the companion decrypts it as its own (fromMe)", async () => {
    const client = fixture.client("second");
    const linked = await client.linkByQr(PHONE);
    const id = await fixture.sim.phonePeer.sendProtocolMessage(PHONE, linked.jid, {
      type: proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE,
      appStateSyncKeyShare: { keys: [] },
    });
    const msg = await client.waitForOwnCopy(id);
    expect(msg.key.fromMe).toBe(true);
    expect(msg.message?.protocolMessage?.type).toBe(proto.Message.ProtocolMessage.Type.APP_STATE_SYNC_KEY_SHARE);
  });
});
