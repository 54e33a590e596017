import { EventEmitter } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { until } from "../../src/sim/until.js";

/** One request a receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The body's eventId ("" when it is not JSON with one). */
  eventId: string;
  path: string;
  /** When it arrived (ms since epoch). */
  time: number;
  /** Whether the answer went out on a connection still open, i.e. the sender could see it. */
  answered: boolean;
}

/** What to answer: a status (and headers), or nothing at all (the request hangs). */
export type Answer = { status: number; headers?: Record<string, string> } | "hang";

/**
 * A webhook receiver: a real node:http server on a loopback address that records every
 * request and answers as `answer` says (200 by default).
 */
export class Receiver extends EventEmitter {
  readonly received: Received[] = [];
  answer: (r: Received) => Answer = () => ({ status: 200 });
  /** How long to think before answering, in ms (a slow receiver); 0 answers at once. */
  delay: () => number = () => 0;
  readonly #server: Server;
  readonly #hanging = new Set<ServerResponse>();

  private constructor(server: Server) {
    super();
    this.#server = server;
  }

  static async start(host = "127.0.0.1"): Promise<Receiver> {
    const server = createServer();
    const receiver = new Receiver(server);
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        let eventId = "";
        try {
          eventId = (JSON.parse(body) as { eventId?: string }).eventId ?? "";
        } catch {
          // not JSON: eventId stays empty
        }
        const r: Received = { headers: req.headers, body, eventId, path: req.url ?? "", time: Date.now(), answered: false };
        const answer = receiver.answer(r);
        // Recorded when answered, so `answered` is final by the time anyone sees it.
        const respond = () => {
          receiver.received.push(r);
          if (answer === "hang") receiver.#hanging.add(res);
          else {
            r.answered = !req.socket.destroyed;
            res.writeHead(answer.status, answer.headers).end();
          }
          receiver.emit("change");
        };
        const delay = receiver.delay();
        if (delay > 0) setTimeout(respond, delay);
        else respond();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return receiver;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The URL of `path` on this receiver. */
  url(path = "/hook"): string {
    const { address, family } = this.#server.address() as AddressInfo;
    return `http://${family === "IPv6" ? `[${address}]` : address}:${this.port}${path}`;
  }

  /** Resolves with the requests once `check` accepts what was received so far. */
  waitFor(check: (received: Received[]) => boolean, timeoutMs = 20_000): Promise<Received[]> {
    return until(this, () => (check(this.received) ? this.received : undefined), timeoutMs, () => new Error(`receiver: condition not met in ${timeoutMs} ms; got ${this.received.length} requests`));
  }

  /** The requests carrying `eventId`. */
  of(eventId: string): Received[] {
    return this.received.filter((r) => r.eventId === eventId);
  }

  async close(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Verifies a request with the independent `standardwebhooks` implementation; throws when it does not verify. */
export function verify(secret: string, r: Pick<Received, "headers" | "body">): unknown {
  return new Webhook(secret).verify(r.body, {
    "webhook-id": String(r.headers["webhook-id"]),
    "webhook-timestamp": String(r.headers["webhook-timestamp"]),
    "webhook-signature": String(r.headers["webhook-signature"]),
  });
}
