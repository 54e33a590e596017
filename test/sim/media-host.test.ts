import { randomBytes } from "node:crypto";
import { downloadContentFromMessage } from "@whiskeysockets/baileys";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MediaHost, mediaClientAgents } from "../../src/sim/media-host.js";
import { issueMediaTls } from "../../src/sim/media-tls.js";
import { simulatorWithClients } from "./sim-fixture.js";

const LIMIT = 64 * 1024;

describe("media host over HTTP", () => {
  let host: MediaHost;
  let agents: ReturnType<typeof mediaClientAgents>;
  beforeAll(async () => {
    const tls = issueMediaTls("127.0.0.1");
    host = await MediaHost.start({ host: "127.0.0.1", port: 0, tls, maxUploadBytes: LIMIT, logger: pino({ level: "silent" }) });
    agents = mediaClientAgents(tls.caCert);
  });
  afterAll(async () => {
    agents.fetchAgent.destroy();
    await agents.dispatcher.close();
    await host.close();
  });

  const upload = (path: string, body: Buffer, auth = host.auth) =>
    fetch(`https://${host.hostname}${path}/c2hhMjU2?auth=${auth}&token=c2hhMjU2`, {
      method: "POST",
      body,
      dispatcher: agents.dispatcher,
    } as RequestInit);

  it("when a file of exactly the limit is uploaded to each media path, then it is stored; one byte more is refused with 413", async () => {
    for (const path of ["/mms/image", "/mms/video", "/mms/audio", "/mms/document"]) {
      const res = await upload(path, randomBytes(LIMIT));
      expect(res.status, path).toBe(200);
      const { direct_path } = (await res.json()) as { direct_path: string };
      expect(direct_path).toMatch(/^\/v\/t62\.7118-24\/[0-9a-f]{32}\.enc\?/);
    }
    const over = await upload("/mms/document", randomBytes(LIMIT + 1));
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({ error: `larger than ${LIMIT} bytes` });
  });

  it("when the path or the auth token is wrong, then the upload is refused", async () => {
    expect((await upload("/mms/nonsense", randomBytes(10))).status).toBe(404);
    expect((await upload("/mms/image", randomBytes(10), "wrong")).status).toBe(401);
  });

  it("when a byte range is asked for, then exactly that range comes back (206), and an impossible one gets 416", async () => {
    const file = randomBytes(1000);
    const { direct_path } = (await (await upload("/mms/video", file)).json()) as { direct_path: string };
    const get = (range?: string) =>
      fetch(`https://${host.hostname}${direct_path}`, { headers: range ? { range } : {}, dispatcher: agents.dispatcher } as RequestInit);
    const whole = await get();
    expect(whole.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await whole.arrayBuffer()), file)).toBe(0);
    const part = await get("bytes=100-199");
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 100-199/1000");
    expect(Buffer.compare(Buffer.from(await part.arrayBuffer()), file.subarray(100, 200))).toBe(0);
    const tail = await get("bytes=990-");
    expect(Buffer.compare(Buffer.from(await tail.arrayBuffer()), file.subarray(990))).toBe(0);
    expect((await get("bytes=5000-")).status).toBe(416);
  });
});

describe("media host with Baileys", () => {
  const fixture = simulatorWithClients();

  it("when Baileys downloads part of a file (startByte/endByte), then it decrypts exactly that part", async () => {
    const alice = fixture.client("alice");
    const bob = fixture.client("bob");
    await Promise.all([alice.linkByQr("15550007001"), bob.linkByQr("15550007002")]);
    const file = randomBytes(100_000);
    const sent = await alice.sock.sendMessage("15550007002@s.whatsapp.net", { document: file, mimetype: "application/octet-stream", fileName: "f.bin" });
    const got = await bob.waitForMessage((m) => m.key.id === sent!.key.id);
    const stream = await downloadContentFromMessage(got.message!.documentMessage!, "document", {
      startByte: 5_000,
      endByte: 70_000,
      options: { dispatcher: bob.media.dispatcher } as RequestInit,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.compare(Buffer.concat(chunks), file.subarray(5_000, 70_000))).toBe(0);
  });
});
