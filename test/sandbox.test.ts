import { spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import { AccountState } from "../gen/wildcat/v1/account_pb.js";
import { AccountService } from "../gen/wildcat/v1/account_service_pb.js";
import { AccountWatcher } from "./support/account-watcher.js";
import { BUF, curlJson } from "./support/clients.js";
import { processHarness } from "./support/processes.js";
import { bearer } from "./support/auth.js";

const harness = processHarness();

/** Polls `probe` (an API read) until it gives a value: what it watches has no stream to wait on. */
async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error("timed out");
    await delay(100);
  }
}
afterEach(() => harness.cleanup());

/** The admin key a first start wrote to DATA_DIR/admin.key; the file must be private (0600). */
function adminKeyOf(dataDir: string): string {
  const file = join(dataDir, "admin.key");
  expect(statSync(file).mode & 0o777).toBe(0o600);
  return readFileSync(file, "utf8").trim();
}

describe("npm run sandbox (the gateway with an in-process simulator)", () => {
  it("when an account is linked by a simulated phone, then it chats with a simulated contact and comes back CONNECTED after SIGKILL", async () => {
    const dataDir = harness.tempDir();
    let gateway = harness.start("src/sandbox.ts", dataDir);
    const port = () => gateway.line((l) => l.includes('"msg":"sandbox ready')).then((l) => (JSON.parse(l) as { port: number }).port);
    let base = `http://127.0.0.1:${await port()}`;
    // As README's quick start says: the first start made an admin key, in DATA_DIR/admin.key.
    const key = adminKeyOf(dataDir);
    const auth = `Bearer ${key}`;
    const curl = (path: string, body: unknown) => curlJson(`${base}${path}`, body, auth);
    let accounts = createClient(AccountService, createConnectTransport({ baseUrl: base, httpVersion: "2", interceptors: [bearer(key)] }));

    await curl("/wildcat.v1.AccountService/CreateAccount", { accountId: "myaccount" });
    let watcher = new AccountWatcher(accounts, "myaccount");
    await curl("/wildcat.v1.AccountService/ConnectAccount", { accountId: "myaccount" });
    const { qrCode } = await watcher.until((s) => s.qrCode !== undefined);
    await curl("/wildcat.v1.SandboxService/LinkDevice", { qrCode: qrCode!.code, phoneNumber: "+15554100001" });
    const connected = await watcher.until((s) => s.account!.state === AccountState.CONNECTED);
    watcher.close();
    const ownJid = connected.account!.ownJid!.pnJid;
    expect(ownJid).toBe("15554100001@s.whatsapp.net");

    // README's walk-through: a contact (created on first use) writes, the account answers, the
    // contact replies, and StreamMessages shows the conversation.
    const hello = await curl("/wildcat.v1.SandboxService/SendFromContact", { fromPhoneNumber: "+15554100002", toJid: ownJid, text: "is my order ready?" });
    expect(hello.messageId).toEqual(expect.any(String));
    const sent = (await curl("/wildcat.v1.MessageService/SendMessage", { accountId: "myaccount", to: "+15554100002", text: { body: "hello from the shop" } })) as {
      message: { messageId: string };
    };
    const inbox = await waitFor(async () => {
      const { messages } = (await curl("/wildcat.v1.SandboxService/ListContactMessages", { phoneNumber: "+15554100002" })) as { messages?: { messageId: string }[] };
      return messages?.find((m) => m.messageId === sent.message.messageId);
    });
    expect(inbox).toBeDefined();
    const reply = await curl("/wildcat.v1.SandboxService/SendFromContact", { fromPhoneNumber: "+15554100002", toJid: ownJid, text: "hello from a contact" });
    expect(reply.messageId).toEqual(expect.any(String));
    const stream = spawn(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "-H", `authorization: ${auth}`, "-d", '{"accountIds":["myaccount"],"start":"STREAM_START_OLDEST"}', `${base}/wildcat.v1.MessageService/StreamMessages`], {
      // Its own process group: node_modules/.bin/buf is a wrapper around the native buf, and both must end.
      detached: true,
    });
    let printed = "";
    stream.stdout.on("data", (d: Buffer) => (printed += d.toString()));
    try {
      await waitFor(async () => (printed.includes("hello from a contact") ? true : undefined));
      expect(printed).toContain('"type": "EVENT_TYPE_MESSAGE_RECEIVED"');
      expect(printed).toContain('"type": "EVENT_TYPE_MESSAGE_SENT"');
      expect(printed).toContain("is my order ready?");
    } finally {
      process.kill(-stream.pid!, "SIGTERM");
    }

    // Killed, not stopped: nothing gets a chance to flush or say goodbye.
    gateway.child.kill("SIGKILL");
    await once(gateway.child, "exit");
    gateway = harness.start("src/sandbox.ts", dataDir);
    base = `http://127.0.0.1:${await port()}`;
    // The same key after a restart: it is made once, never replaced.
    expect(adminKeyOf(dataDir)).toBe(key);
    accounts = createClient(AccountService, createConnectTransport({ baseUrl: base, httpVersion: "2", interceptors: [bearer(key)] }));
    watcher = new AccountWatcher(accounts, "myaccount");
    const restored = await watcher.until((s) => s.account!.state === AccountState.CONNECTED);
    watcher.close();
    expect(restored.qrCode).toBeUndefined();
  });
});

describe("sandbox gateway with the simulator in another process (SIMULATOR_URL)", () => {
  it("when the gateway is SIGKILLed and started again, then its linked account is CONNECTED again without re-pairing", async () => {
    const sim = harness.start("src/simulator-main.ts", harness.tempDir());
    const { sandboxUrl } = JSON.parse(await sim.line(() => true)) as { sandboxUrl: string };
    const dataDir = harness.tempDir();
    const startGateway = async () => {
      const gateway = harness.start("src/sandbox.ts", dataDir, { SIMULATOR_URL: sandboxUrl });
      const line = await gateway.line((l) => l.includes('"msg":"sandbox ready'));
      const baseUrl = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
      const accounts = createClient(AccountService, createConnectTransport({ baseUrl, httpVersion: "2", interceptors: [bearer(adminKeyOf(dataDir))] }));
      return { gateway, accounts };
    };

    let { gateway, accounts } = await startGateway();
    await accounts.createAccount({ accountId: "remote" });
    let watcher = new AccountWatcher(accounts, "remote");
    await accounts.connectAccount({ accountId: "remote" });
    const { qrCode } = await watcher.until((s) => s.qrCode !== undefined);
    await curlJson(`${sandboxUrl}/wildcat.v1.SandboxService/LinkDevice`, { qrCode: qrCode!.code, phoneNumber: "+15554200001" });
    await watcher.until((s) => s.account!.state === AccountState.CONNECTED);
    watcher.close();

    gateway.child.kill("SIGKILL");
    await once(gateway.child, "exit");
    ({ gateway, accounts } = await startGateway());
    watcher = new AccountWatcher(accounts, "remote");
    const back = await watcher.until((s) => s.account!.state === AccountState.CONNECTED);
    watcher.close();
    expect(back.qrCode).toBeUndefined();
    expect(watcher.snapshots.some((s) => s.qrCode)).toBe(false);
  }, 90_000);
});
