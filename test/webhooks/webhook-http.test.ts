import { execFile } from "node:child_process";
import type { LookupAddress } from "node:dns";
import { getEventListeners, once } from "node:events";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, Server as HttpsServer } from "node:https";
import type { AddressInfo, LookupFunction } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { issueMediaTls, type MediaTls } from "../../src/sim/media-tls.js";
import { AddressGuard } from "../../src/webhooks/address-guard.js";
import { newWebhookSecret, signWebhook } from "../../src/webhooks/signing.js";
import { MAX_RETRY_AFTER_MS, postWebhook, WEBHOOK_USER_AGENT, type WebhookPostOptions } from "../../src/webhooks/webhook-http.js";

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}
type Handler = (res: ServerResponse, req: Received) => void;

/** A real node:http(s) receiver on 127.0.0.1 that records every request it gets. */
class Receiver {
  readonly requests: Received[] = [];

  private constructor(private readonly server: Server) {}

  static async start(handler: Handler, tls?: { key: string; cert: string }, listen = { host: "127.0.0.1", port: 0 }): Promise<Receiver> {
    const server: Server = tls ? createHttpsServer(tls) : createHttpServer();
    const receiver = new Receiver(server);
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        const received = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
        receiver.requests.push(received);
        server.emit("received", received);
        handler(res, received);
      });
    });
    server.listen(listen.port, listen.host);
    await once(server, "listening");
    receivers.push(receiver);
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(host = "127.0.0.1", path = "/hook"): string {
    return `${this.server instanceof HttpsServer ? "https" : "http"}://${host}:${this.port}${path}`;
  }

  /** Resolves with the next request this receiver gets (waits on the event, no polling). */
  async nextRequest(): Promise<Received> {
    const [received] = (await once(this.server, "received")) as [Received];
    return received;
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}

const receivers: Receiver[] = [];
afterEach(() => {
  for (const receiver of receivers.splice(0)) receiver.close();
});

const ok: Handler = (res) => res.writeHead(200, { "content-type": "text/plain" }).end("thanks");
const body = JSON.stringify({ eventId: "evt_1", type: "MESSAGE_RECEIVED" });
const options = (allow: string[], more: Partial<WebhookPostOptions> = {}): WebhookPostOptions => ({ timeoutMs: 5_000, guard: new AddressGuard(allow), ...more });

/** A test resolver that answers from `answers`, one per call (the last one repeats), and counts calls. */
function scriptedLookup(...answers: string[][]): LookupFunction & { calls: number } {
  const lookup = ((_hostname, options, callback) => {
    const addresses: LookupAddress[] = answers[Math.min(lookup.calls, answers.length - 1)].map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    lookup.calls++;
    setImmediate(() => (options.all ? callback(null, addresses) : callback(null, addresses[0].address, addresses[0].family)));
  }) as LookupFunction & { calls: number };
  lookup.calls = 0;
  return lookup;
}

describe("postWebhook SSRF guard", () => {
  it.each([
    ["127.0.0.1", /refused to connect to 127\.0\.0\.1: loopback/],
    ["[::1]", /refused to connect to ::1: loopback/],
    ["[::ffff:127.0.0.1]", /refused to connect to ::ffff:7f00:1: loopback/],
    ["0x7f.1", /refused to connect to 127\.0\.0\.1: loopback/],
    ["localhost", /refused to connect to localhost \((127\.0\.0\.1|::1)\): loopback/],
    ["169.254.169.254", /refused to connect to 169\.254\.169\.254: linkLocal/],
    ["10.0.0.1", /refused to connect to 10\.0\.0\.1: private/],
  ])("when the URL host is %s and it is not allow-listed, then the attempt is refused and no request is made", async (host, error) => {
    const receiver = await Receiver.start(ok);
    const attempt = await postWebhook(receiver.url(host), {}, body, options(["hooks.example.com", "192.0.2.0/24"]));
    expect(attempt).toMatchObject({ ok: false, error: expect.stringMatching(error) });
    expect(attempt.statusCode).toBeUndefined();
    expect(receiver.requests).toHaveLength(0);
  });

  it.each([["127.0.0.1"], ["127.0.0.0/8"], ["localhost"], ["LOCALHOST"]])(
    "when %s is allow-listed, then a receiver on loopback gets the delivery",
    async (allow) => {
      const receiver = await Receiver.start(ok);
      const host = allow.toLowerCase() === "localhost" ? "localhost" : "127.0.0.1";
      const attempt = await postWebhook(receiver.url(host), {}, body, options([allow]));
      expect(attempt).toMatchObject({ ok: true, statusCode: 200 });
      expect(attempt.error).toBeUndefined();
      expect(receiver.requests).toHaveLength(1);
    },
  );

  it("when the allow-listed receiver redirects to a refused URL, then the attempt fails naming the Location and the refused URL gets no request", async () => {
    const target = await Receiver.start(ok);
    const location = target.url("127.0.0.1", "/internal");
    const redirecting = await Receiver.start((res) => res.writeHead(302, { location }).end());
    const attempt = await postWebhook(redirecting.url("localhost"), {}, body, options(["localhost"]));
    expect(attempt).toMatchObject({ ok: false, statusCode: 302, error: `redirect 302 to ${location} not followed` });
    expect(redirecting.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
  });

  it("when a name first resolves to a public address and then to loopback (DNS rebinding), then the connect-time check refuses it", async () => {
    const receiver = await Receiver.start(ok);
    const lookup = scriptedLookup(["93.184.216.34"], ["127.0.0.1"]);
    const guard = new AddressGuard([]);
    // An earlier check (say when the webhook was created) saw a public address…
    const [first] = await new Promise<LookupAddress[]>((resolve) => lookup("rebind.test", { all: true }, (_e, a) => resolve(a as LookupAddress[])));
    expect(guard.refusal("rebind.test", first.address)).toBeNull();
    // …but the connection goes where the name resolves now.
    const attempt = await postWebhook(`http://rebind.test:${receiver.port}/hook`, {}, body, { timeoutMs: 5_000, guard, lookup });
    expect(attempt).toMatchObject({ ok: false, error: expect.stringMatching(/refused to connect to rebind\.test \(127\.0\.0\.1\): loopback/) });
    expect(lookup.calls).toBe(2);
    expect(receiver.requests).toHaveLength(0);
  });

  it("when the injected resolver is used and the name is allow-listed, then the delivery goes to the address it resolved to", async () => {
    // The control for the rebinding test: the injected lookup really is what the socket connects with.
    const receiver = await Receiver.start(ok);
    const lookup = scriptedLookup(["127.0.0.1"]);
    const attempt = await postWebhook(`http://rebind.test:${receiver.port}/hook`, {}, body, options(["rebind.test"], { lookup }));
    expect(attempt).toMatchObject({ ok: true, statusCode: 200 });
    expect(receiver.requests[0].headers.host).toBe(`rebind.test:${receiver.port}`);
  });

  it("when a name resolves to refused and allowed addresses, then only an allowed one is connected to", async () => {
    // Two receivers on one port: 127.0.0.2 (not allow-listed, listed first) and 127.0.0.1 (allow-listed).
    const refused = await Receiver.start(ok, undefined, { host: "127.0.0.2", port: 0 });
    const allowed = await Receiver.start(ok, undefined, { host: "127.0.0.1", port: refused.port });
    const lookup = scriptedLookup(["127.0.0.2", "10.0.0.5", "127.0.0.1"]);
    const attempt = await postWebhook(`http://mixed.test:${refused.port}/hook`, {}, body, options(["127.0.0.1"], { lookup }));
    expect(attempt).toMatchObject({ ok: true, statusCode: 200 });
    expect(refused.requests).toHaveLength(0);
    expect(allowed.requests).toHaveLength(1);
  });

  it("when every address a name resolves to is refused, then the first one's reason is given", async () => {
    const lookup = scriptedLookup(["10.0.0.5", "127.0.0.1"]);
    const attempt = await postWebhook("http://internal.test:8080/hook", {}, body, options([], { lookup }));
    expect(attempt).toMatchObject({ ok: false, error: expect.stringMatching(/internal\.test \(10\.0\.0\.5\): private/) });
  });
});

describe("postWebhook delivery", () => {
  it("when delivered, then the receiver gets a POST of the JSON body with the signature headers and verifies it", async () => {
    const receiver = await Receiver.start(ok);
    const secret = newWebhookSecret();
    const headers = signWebhook([secret], "evt_1", Math.floor(Date.now() / 1000), body);
    const attempt = await postWebhook(receiver.url(), headers, body, options(["127.0.0.1"]));
    expect(attempt.ok).toBe(true);
    expect(attempt.durationMs).toBeGreaterThan(0);
    const [received] = receiver.requests;
    expect(received).toMatchObject({ method: "POST", url: "/hook", body });
    expect(received.headers).toMatchObject({ "content-type": "application/json", "user-agent": WEBHOOK_USER_AGENT, ...headers });
    expect(new Webhook(secret).verify(received.body, received.headers as Record<string, string>)).toEqual(JSON.parse(body));
  });

  it.each([200, 201, 202, 204])("when the receiver answers %i, then the attempt is ok", async (status) => {
    const receiver = await Receiver.start((res) => res.writeHead(status).end());
    expect(await postWebhook(receiver.url(), {}, body, options(["127.0.0.1"]))).toMatchObject({ ok: true, statusCode: status });
  });

  it.each([301, 303, 307, 308])("when the receiver answers %i, then it is a failure and the redirect is not followed", async (status) => {
    const receiver = await Receiver.start((res, req) => (req.url === "/hook" ? res.writeHead(status, { location: "/moved" }).end() : ok(res, req)));
    const attempt = await postWebhook(receiver.url(), {}, body, options(["127.0.0.1"]));
    expect(attempt).toMatchObject({ ok: false, statusCode: status, error: `redirect ${status} to /moved not followed` });
    expect(receiver.requests.map((r) => r.url)).toEqual(["/hook"]);
  });

  it.each([400, 410, 500])("when the receiver answers %i, then the status comes back as a failure without Retry-After", async (status) => {
    const receiver = await Receiver.start((res) => res.writeHead(status, { "retry-after": "30" }).end("gone"));
    const attempt = await postWebhook(receiver.url(), {}, body, options(["127.0.0.1"]));
    expect(attempt).toEqual({ ok: false, statusCode: status, error: `HTTP ${status}`, durationMs: expect.any(Number) });
  });

  it.each([
    [429, "120", 120_000],
    [503, "0", 0],
    [503, " 7 ", 7_000],
    [429, "999999999", MAX_RETRY_AFTER_MS],
    [503, "Wed, 01 Jun 2026 12:02:30 GMT", 150_000],
    [503, "Wed, 01 Jun 2026 11:00:00 GMT", 0],
    [429, "soon", undefined],
    [429, "1.5", undefined],
    [503, "-5", undefined],
    [503, undefined, undefined],
  ])("when the receiver answers %i with Retry-After %j, then retryAfterMs is %j", async (status, retryAfter, expected) => {
    const receiver = await Receiver.start((res) => res.writeHead(status, retryAfter === undefined ? {} : { "retry-after": retryAfter }).end());
    const clock = { now: () => new Date("2026-06-01T12:00:00Z") };
    const attempt = await postWebhook(receiver.url(), {}, body, options(["127.0.0.1"], { clock }));
    expect(attempt).toMatchObject({ ok: false, statusCode: status });
    expect(attempt.retryAfterMs).toBe(expected);
  });

  it("when the receiver never answers, then the attempt times out", async () => {
    const receiver = await Receiver.start(() => {});
    const attempt = await postWebhook(receiver.url(), {}, body, options(["127.0.0.1"], { timeoutMs: 300 }));
    expect(attempt).toEqual({ ok: false, error: "timed out after 300 ms", durationMs: expect.any(Number) });
  });

  it("when the receiver sends headers but never finishes the body, then the attempt times out with the status", async () => {
    const receiver = await Receiver.start((res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial");
    });
    const attempt = await postWebhook(receiver.url(), {}, body, options(["127.0.0.1"], { timeoutMs: 300 }));
    expect(attempt).toMatchObject({ ok: false, statusCode: 200, error: "timed out after 300 ms reading the response body" });
  });

  it("when the receiver streams an endless body, then only a bounded part is read and the attempt is ok", async () => {
    let written = 0;
    const receiver = await Receiver.start((res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const chunk = Buffer.alloc(16 * 1024, 120);
      const pump = () => {
        while (!res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) break;
        }
      };
      res.on("drain", pump);
      pump();
    });
    // Reading it all would end in the timeout; stopping early returns ok long before.
    const attempt = await postWebhook(receiver.url(), {}, body, options(["127.0.0.1"], { timeoutMs: 20_000 }));
    expect(attempt).toMatchObject({ ok: true, statusCode: 200 });
    expect(written).toBeGreaterThan(64 * 1024);
  });

  it("when the caller's signal aborts, then the attempt fails as aborted", async () => {
    const receiver = await Receiver.start(() => {});
    const controller = new AbortController();
    const pending = postWebhook(receiver.url(), {}, body, options(["127.0.0.1"], { signal: controller.signal }));
    await receiver.nextRequest();
    controller.abort();
    expect(await pending).toMatchObject({ ok: false, error: "aborted" });
  });

  it("when the caller's signal is already aborted, then no request is made", async () => {
    const receiver = await Receiver.start(ok);
    const attempt = await postWebhook(receiver.url(), {}, body, options(["127.0.0.1"], { signal: AbortSignal.abort() }));
    expect(attempt).toMatchObject({ ok: false, error: "aborted" });
    expect(receiver.requests).toHaveLength(0);
  });

  it("when attempts share a long-lived caller signal, then none leaves a listener on it", async () => {
    const receiver = await Receiver.start((res, req) => (req.url === "/hook" ? ok(res, req) : res.writeHead(500).end()));
    const shutdown = new AbortController();
    for (const path of ["/hook", "/fail"]) await postWebhook(receiver.url("127.0.0.1", path), {}, body, options(["127.0.0.1"], { signal: shutdown.signal }));
    await postWebhook(receiver.url("localhost"), {}, body, options([], { signal: shutdown.signal }));
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
  });

  it("when nothing listens on the port, then the connection error comes back", async () => {
    const receiver = await Receiver.start(ok);
    const url = receiver.url();
    receiver.close();
    const attempt = await postWebhook(url, {}, body, options(["127.0.0.1"]));
    expect(attempt).toMatchObject({ ok: false, error: expect.stringMatching(/ECONNREFUSED/) });
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])("when timeoutMs is %d, then it is a failure, not an exception", async (timeoutMs) => {
    expect(await postWebhook("http://127.0.0.1:9/hook", {}, body, options(["127.0.0.1"], { timeoutMs }))).toMatchObject({ ok: false, error: expect.any(String) });
  });

  it.each(["not a url", "ftp://127.0.0.1/hook", "file:///etc/passwd"])("when the URL is %j, then it is a failure, not an exception", async (url) => {
    expect(await postWebhook(url, {}, body, options(["127.0.0.1"]))).toMatchObject({ ok: false, error: expect.any(String) });
  });
});

describe("postWebhook over https", () => {
  let tls: MediaTls;
  beforeAll(() => {
    tls = issueMediaTls("localhost");
  });

  it("when the receiver's certificate is not trusted, then the attempt fails on verification and no request arrives", async () => {
    const receiver = await Receiver.start(ok, { key: tls.serverKey, cert: tls.serverCert });
    const attempt = await postWebhook(receiver.url("localhost"), {}, body, options(["localhost"]));
    expect(attempt).toMatchObject({ ok: false, error: expect.stringMatching(/certificate/i) });
    expect(receiver.requests).toHaveLength(0);
  });

  it("when the receiver's CA is trusted (NODE_EXTRA_CA_CERTS in a fresh process), then the delivery arrives over TLS", async () => {
    const receiver = await Receiver.start(ok, { key: tls.serverKey, cert: tls.serverCert });
    const dir = mkdtempSync(join(tmpdir(), "wildcat-webhook-tls-"));
    try {
      writeFileSync(join(dir, "ca.pem"), tls.caCert);
      const script = `
        const { AddressGuard } = await import("./src/webhooks/address-guard.ts");
        const { postWebhook } = await import("./src/webhooks/webhook-http.ts");
        const attempt = await postWebhook(${JSON.stringify(receiver.url("localhost"))}, {}, ${JSON.stringify(body)}, { timeoutMs: 10000, guard: new AddressGuard(["localhost"]) });
        console.log(JSON.stringify(attempt));`;
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: fileURLToPath(new URL("../..", import.meta.url)),
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, "ca.pem") },
      });
      expect(JSON.parse(stdout)).toMatchObject({ ok: true, statusCode: 200 });
      expect(receiver.requests).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
