// Code passed to page.evaluate runs in the browser.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { Permission } from "../../gen/wildcat/v1/api_key_pb.js";
import { ApiKeyService } from "../../gen/wildcat/v1/api_key_service_pb.js";
import { SandboxService } from "../../gen/wildcat/v1/sandbox_service_pb.js";
import QRCode from "qrcode";
import { available, chromiumTool } from "../clients/tools.js";
import { bearer, TEST_ADMIN_KEY } from "../support/auth.js";
import { processHarness, type NodeProcess } from "../support/processes.js";
import { Receiver } from "../webhooks/receiver.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const SHOTS = join(ROOT, "test-output", "console");
const ACCOUNT = "webdesk";
const ACCOUNT_PHONE = "15558900001";
const CONTACT = "+15558900002";
const ACCOUNT_JID = `${ACCOUNT_PHONE}@s.whatsapp.net`;

const browser = chromiumTool();
const harness = processHarness();
let dataDir = "";
let port = 0;
let base = "";
let gateway: NodeProcess;
let receiver: Receiver | undefined;
/** The built console on another origin, as when it is hosted away from the gateway. */
let elsewhere: Server | undefined;
let elsewhereUrl = "";
let context: BrowserContext | undefined;
let page: Page;
/** What the page did (requests, console), printed when a step fails. */
const log: string[] = [];
/** The bodies of the page's StreamMessages requests (Connect JSON), to see which cursor it resumes from. */
const streamRequests: string[] = [];

const sandbox = () => createClient(SandboxService, createConnectTransport({ baseUrl: base, httpVersion: "1.1", interceptors: [bearer()] }));

/** A port free right now, so a restarted gateway comes back where the page expects it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function startSandbox(): Promise<void> {
  gateway = harness.start("src/sandbox.ts", dataDir, {
    WILDCAT_ADMIN_KEY: TEST_ADMIN_KEY,
    PORT: String(port),
    WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
    CORS_ORIGINS: elsewhereUrl,
  });
  await gateway.line((l) => l.includes('"msg":"sandbox ready'), 90_000);
}

let shot = 0;
async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${String(++shot).padStart(2, "0")}-${name}.png`), fullPage: true });
}

/** Waits until an element matching `selector` has the text `want` (or starts with `want.startsWith`). */
async function waitForText(selector: string, want: string | { startsWith: string }, what: string, timeout = 30_000): Promise<void> {
  try {
    await page.waitForFunction(
      ({ selector, want }) =>
        [...document.querySelectorAll(selector)].some((el) => {
          const t = el.textContent ?? "";
          return typeof want === "string" ? t === want : t.startsWith(want.startsWith);
        }),
      { selector, want },
      { timeout },
    );
  } catch (e) {
    await screenshot(`failed-${what.replace(/\W+/g, "-")}`);
    throw new Error(`${what}: not seen in ${timeout} ms (${String(e)})\npage log (last 40):\n${log.slice(-40).join("\n")}`);
  }
}

const chromiumFound = available(browser, "Console browser test (Chromium)");

beforeAll(async () => {
  if (!chromiumFound) return;
  // The test serves what `npm run build` serves: build the console now, from the sources under test.
  execFileSync("npm", ["run", "--silent", "build:console"], { cwd: ROOT, stdio: "inherit" });
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
  dataDir = harness.tempDir();
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  elsewhere = createHttpServer((req, res) => {
    const name = (req.url ?? "/").split("?")[0].replace(/^\/+/, "") || "index.html";
    const types: Record<string, string> = { html: "text/html", js: "text/javascript", css: "text/css" };
    try {
      const body = readFileSync(join(ROOT, "dist", "console", name.replace(/[^\w.-]/g, "")));
      res.writeHead(200, { "content-type": types[name.split(".").pop()!] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => elsewhere!.listen(0, "127.0.0.1", resolve));
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as { port: number }).port}`;
  await startSandbox();
  receiver = await Receiver.start();
  context = await chromium.launchPersistentContext(harness.tempDir(), {
    executablePath: browser.path!,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: { width: 1280, height: 860 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => log.push(`console ${m.type()}: ${m.text()}`));
  page.on("request", (r) => {
    log.push(`-> ${r.method()} ${r.url()}`);
    if (r.url().endsWith("/StreamMessages")) streamRequests.push(r.postDataBuffer()?.toString("utf8") ?? "");
  });
  page.on("response", (r) => log.push(`<- ${r.status()} ${r.url()}`));
  page.on("requestfailed", (r) => log.push(`xx ${r.url()} ${r.failure()?.errorText}`));
}, 180_000);

afterAll(async () => {
  await context?.close();
  elsewhere?.close();
  await receiver?.close();
  await harness.cleanup();
});

describe.runIf(chromiumFound)("the web console in Chromium against a sandbox gateway", () => {
  it(
    "when a person signs in with the key, creates and links an account, receives and answers a message, and the gateway restarts, then the page shows each step and resumes the feed",
    async () => {
      // 1. Sign in: the key goes into session storage, never into the URL.
      await page.goto(`${base}/console/`);
      await page.locator("#sign-in-form").waitFor();
      await screenshot("sign-in");
      await page.fill("#key", "wck_0000000000000bad_wrongwrongwrongwrongwrongwrongwrongwrongwro");
      await page.click("#sign-in");
      await waitForText("#problem-title", "Signing in failed", "a refused key explained");
      expect(await page.textContent("#problem-todo")).toMatch(/admin\.key/);
      await screenshot("sign-in-refused");
      await page.fill("#key", TEST_ADMIN_KEY);
      await page.click("#sign-in");
      await page.locator("#create-form").waitFor();
      expect(page.url()).toBe(`${base}/console/`);
      expect(await page.evaluate(() => sessionStorage.getItem("wildcat.key"))).toBe(TEST_ADMIN_KEY);
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
      await screenshot("signed-in");

      // 2. Create an account; it is listed with its live state.
      await page.fill("#new-account-id", ACCOUNT);
      await page.fill("#new-display-name", "Web desk");
      await page.click("#create");
      await waitForText(`#accounts li[data-account-id="${ACCOUNT}"] .state`, "disconnected", "the new account, disconnected");
      await screenshot("account-created");

      // 3. Connect: the QR code appears as an image; the simulated phone scans what the page shows.
      await page.click("#connect");
      const qr = page.locator("#qr[data-code]");
      await qr.waitFor({ state: "visible", timeout: 30_000 });
      await screenshot("qr-code");
      const code = (await qr.getAttribute("data-code"))!;
      // Read the QR code off the page: sample the image's pixels at each module's centre, and
      // check they spell exactly the modules of that code (the image is what a phone would scan).
      const modules = QRCode.create(code, { errorCorrectionLevel: "M" }).modules;
      const seen = await page.evaluate(
        async ({ size, margin }) => {
          const img = document.getElementById("qr") as HTMLImageElement;
          await img.decode();
          const canvas = document.createElement("canvas");
          canvas.width = img.naturalWidth;
          canvas.height = img.naturalHeight;
          const ctx = canvas.getContext("2d")!;
          ctx.drawImage(img, 0, 0);
          const scale = canvas.width / (size + 2 * margin);
          const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let bits = "";
          for (let r = 0; r < size; r++)
            for (let c = 0; c < size; c++) {
              const x = Math.floor((c + margin + 0.5) * scale);
              const y = Math.floor((r + margin + 0.5) * scale);
              bits += pixels[(y * canvas.width + x) * 4] < 128 ? "1" : "0";
            }
          return bits;
        },
        { size: modules.size, margin: 2 },
      );
      expect(seen).toBe(Array.from(modules.data, (d) => (d ? "1" : "0")).join(""));
      await sandbox().linkDevice({ qrCode: code, phoneNumber: `+${ACCOUNT_PHONE}` });
      await waitForText("#account-state", "connected", "the account connected");
      await waitForText(`#accounts li[data-account-id="${ACCOUNT}"] .state`, "connected", "the list showing connected");
      await waitForText("#feed-status", "live", "the live feed");
      await screenshot("connected");

      // 4. A contact writes: the message arrives in the live feed.
      await sandbox().sendFromContact({ fromPhoneNumber: CONTACT, toJid: ACCOUNT_JID, text: "is my order ready?" });
      await waitForText("#feed li .body", "is my order ready?", "the contact's message in the feed");
      await screenshot("message-arrived");

      // 5. Open the chat, read its history, answer; the ticks follow the receipts.
      await page.click("#feed li");
      await waitForText("#chat li .body", "is my order ready?", "the chat history");
      await page.fill("#composer-text", "yes, it ships today");
      await page.click("#send");
      await waitForText("#chat li.mine .body", "yes, it ships today", "the answer in the chat");
      await page.waitForFunction(() => ["delivered", "read"].includes(document.querySelector<HTMLElement>("#chat li.mine .tick")?.dataset.status ?? ""), undefined, {
        timeout: 30_000,
      });
      const received = await sandbox().listContactMessages({ phoneNumber: CONTACT });
      expect(received.messages.map((m) => m.text)).toContain("yes, it ships today");
      await screenshot("answered");

      // 5b. A file, uploaded in chunks with a progress bar, then sent: the contact gets the same bytes.
      const pdf = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(2_500_000, "0"), Buffer.from("\n%%EOF\n")]);
      await page.setInputFiles("#attach", { name: "report.pdf", mimeType: "application/pdf", buffer: pdf });
      await waitForText("#upload-status", "sent", "the file uploaded and sent", 60_000);
      expect(await page.getAttribute("#upload-progress", "value")).toBe(String(pdf.length));
      await waitForText("#chat li.mine .body", "[document: report.pdf]", "the file in the chat");
      await screenshot("file-sent");
      const doc = await until(async () => (await sandbox().listContactMessages({ phoneNumber: CONTACT })).messages.find((m) => m.fileName === "report.pdf"));
      const downloaded = await sandbox().downloadContactMedia({ phoneNumber: CONTACT, messageId: doc.messageId });
      expect(Buffer.from(downloaded.data).equals(pdf)).toBe(true);

      // 6. A mistake is explained, not dumped: the same account id again.
      await page.fill("#new-account-id", ACCOUNT);
      await page.click("#create");
      await waitForText("#problem-title", `Creating account "${ACCOUNT}" failed`, "the error for a taken id");
      const problem = await page.textContent("#problem");
      expect(problem).toMatch(/Pick another id/);
      expect(problem).not.toMatch(/\bat \S+:\d+|ConnectError|\[already_exists\]/);
      await screenshot("error-explained");
      await page.click("#problem-close");

      // 7. The connection drops (the gateway restarts): the feed says it is reconnecting, then
      // resumes from its cursor: what was sent meanwhile arrives once, nothing twice.
      const before = streamRequests.length;
      await gateway.stop();
      await waitForText("#feed-status", { startsWith: "reconnecting" }, "the reconnecting state");
      // Nothing can arrive now: this is the last event the page had.
      const saved = await page.evaluate(() => sessionStorage.getItem("wildcat.cursor"));
      expect(saved).toMatch(/^\S+$/);
      await screenshot("reconnecting");
      await startSandbox();
      await waitForText("#feed-status", "live", "the feed live again", 60_000);
      // It asked to resume right after the last event it had.
      expect(streamRequests.slice(before).some((body) => body.includes(`"afterCursor":"${saved}"`)), streamRequests.slice(before).join("\n")).toBe(true);
      await waitForText("#account-state", "connected", "the account restored", 60_000);
      await sandbox().sendFromContact({ fromPhoneNumber: CONTACT, toJid: ACCOUNT_JID, text: "great, thanks!" });
      await waitForText("#chat li .body", "great, thanks!", "the message after the restart, in the open chat");
      expect(await page.locator("#feed li .body", { hasText: "is my order ready?" }).count()).toBe(1);
      await screenshot("resumed");

      // 8. A reload keeps the session (same tab) and the feed's cursor.
      await page.reload();
      await page.locator(`#accounts li[data-account-id="${ACCOUNT}"]`).click();
      await waitForText("#feed-status", "live", "the feed live after a reload");
      await waitForText("#feed li .body", "great, thanks!", "the history after a reload");
      await sandbox().sendFromContact({ fromPhoneNumber: CONTACT, toJid: ACCOUNT_JID, text: "one more thing" });
      await waitForText("#feed li .body", "one more thing", "a live message after a reload");
      expect(await page.locator("#feed li .body", { hasText: "great, thanks!" }).count()).toBe(1);
      await screenshot("after-reload");

      // 9. Linking with a pairing code instead of the QR code: the phone types the code the page shows.
      await page.fill("#new-account-id", "pairdesk");
      await page.click("#create");
      await waitForText(`#accounts li[data-account-id="pairdesk"] .state`, "disconnected", "the second account");
      await page.click("#connect");
      await page.locator("#pairing-form").waitFor({ state: "visible" });
      await page.fill("#pairing-phone", "+15558900003");
      await page.click("#pairing-request");
      await page.locator("#pairing-code").waitFor({ state: "visible" });
      const shownCode = (await page.textContent("#pairing-code"))!;
      expect(shownCode).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
      await screenshot("pairing-code");
      await sandbox().enterPairingCode({ phoneNumber: "+15558900003", code: shownCode.replace("-", "") });
      await waitForText("#account-state", "connected", "the account linked by pairing code");
      await screenshot("paired");
      await page.click("#disconnect");
      await waitForText("#account-state", "disconnected", "the account disconnected on request");
      expect(await page.textContent("#account-disconnect")).toMatch(/requested/);
      await page.click("#connect");
      await waitForText("#account-state", "connected", "the account connected again, without a new link");
      page.once("dialog", (d) => void d.accept());
      await page.click("#logout");
      await waitForText("#account-state", "logged out", "the account logged out");
      await screenshot("logged-out");

      // 9b. A key that may only read: what it may not do is explained, with what to do about it.
      const keys = createClient(ApiKeyService, createConnectTransport({ baseUrl: base, httpVersion: "1.1", interceptors: [bearer()] }));
      const reader = await keys.createApiKey({ name: "reader", permissions: [Permission.READ], accountIds: [ACCOUNT] });
      const limited = await context!.newPage();
      await limited.goto(`${base}/console/`);
      await limited.fill("#key", reader.key);
      await limited.click("#sign-in");
      await limited.locator(`#accounts li[data-account-id="${ACCOUNT}"]`).waitFor();
      expect(await limited.locator("#accounts li").count()).toBe(1); // only the account in its scope
      await limited.fill("#new-account-id", "not-allowed");
      await limited.click("#create");
      await limited.waitForFunction(() => document.getElementById("problem-title")?.textContent === 'Creating account "not-allowed" failed');
      expect(await limited.textContent("#problem-todo")).toMatch(/key with the needed permission/);
      await limited.screenshot({ path: join(SHOTS, `${String(++shot).padStart(2, "0")}-permission-denied.png`), fullPage: true });
      await limited.close();

      // 10. Webhooks: add one for received messages, see its delivery log, deliver an event again.
      await page.click("#tab-webhooks");
      await page.fill("#webhook-url", receiver!.url());
      await page.fill("#webhook-description", "order bot");
      await page.check('#webhook-types input[value="1"]'); // MESSAGE_RECEIVED
      await page.click("#webhook-create");
      await page.locator("#webhook-secret").waitFor({ state: "visible" });
      await sandbox().sendFromContact({ fromPhoneNumber: CONTACT, toJid: ACCOUNT_JID, text: "webhook please" });
      const [hook] = await receiver!.waitFor((r) => r.some((x) => x.body.includes("webhook please")));
      const eventId = receiver!.received.find((x) => x.body.includes("webhook please"))!.eventId;
      expect(hook.eventId).toBe(eventId);
      await waitForText(`#deliveries tr[data-event-id="${eventId}"] .state-cell`, "succeeded", "the delivery in the log");
      await screenshot("webhook-deliveries");
      await page.click(`#deliveries tr[data-event-id="${eventId}"] .redeliver`);
      await receiver!.waitFor((r) => r.filter((x) => x.eventId === eventId).length === 2);
      await waitForText(`#deliveries tr[data-event-id="${eventId}"] td:nth-child(4)`, "2", "the second attempt in the log");
      await screenshot("webhook-redelivered");
      await page.click("#tab-accounts");

      // 11. The same console over gRPC-Web, in a fresh tab (its own session storage), with more
      // accounts than a browser opens HTTP/1.1 connections to one host (six): the page must still
      // have a connection left for the open account's streams and calls.
      const accounts = createClient(AccountService, createConnectTransport({ baseUrl: base, httpVersion: "1.1", interceptors: [bearer()] }));
      for (let i = 1; i <= 7; i++) await accounts.createAccount({ accountId: `spare-${i}` });
      const tab = await context!.newPage();
      await tab.goto(`${base}/console/`);
      await tab.selectOption("#protocol", "grpc-web");
      await tab.fill("#key", TEST_ADMIN_KEY);
      await tab.click("#sign-in");
      await tab.waitForFunction((id) => document.querySelector(`#accounts li[data-account-id="${id}"] .state`)?.textContent === "connected", ACCOUNT, { timeout: 30_000 });
      expect(await tab.textContent("#who-protocol")).toBe("gRPC-Web");
      expect(await tab.locator("#accounts li").count()).toBe(9);
      await tab.locator(`#accounts li[data-account-id="${ACCOUNT}"]`).click();
      await tab.waitForFunction(() => document.getElementById("feed-status")?.textContent === "live", undefined, { timeout: 30_000 });
      await tab.locator("#feed li .body", { hasText: "one more thing" }).waitFor({ timeout: 30_000 });
      await tab.close();

      // 12. The console hosted on another origin, pointed at the gateway (which lists that origin in CORS_ORIGINS).
      const away = await context!.newPage();
      await away.goto(`${elsewhereUrl}/`);
      await away.click(".advanced summary");
      await away.fill("#gateway", base);
      await away.fill("#key", TEST_ADMIN_KEY);
      await away.click("#sign-in");
      await away.waitForFunction((id) => document.querySelector(`#accounts li[data-account-id="${id}"] .state`)?.textContent === "connected", ACCOUNT, { timeout: 30_000 });
      await away.screenshot({ path: join(SHOTS, `${String(++shot).padStart(2, "0")}-served-elsewhere.png`), fullPage: true });
      await away.close();
    },
    300_000,
  );
});

/** Polls `read` until it yields something (the simulated contact's inbox has no event to wait on). */
async function until<T>(read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error("not there in time");
    await new Promise((r) => setTimeout(r, 200));
  }
}
