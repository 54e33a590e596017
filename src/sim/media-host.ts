import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent as HttpsAgent } from "node:https";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Logger } from "pino";
import { Agent as UndiciAgent } from "undici";
import type { MediaTls } from "./media-tls.js";

/** What a Baileys client needs to trust the media host: `fetchAgent` (upload) and a fetch dispatcher (download). */
export interface MediaClientAgents {
  /** Pass as `makeWASocket({ fetchAgent })`: Baileys uploads with node:https and this agent. */
  fetchAgent: HttpsAgent;
  /** Pass as `downloadMediaMessage(msg, type, { options: { dispatcher } })`: downloads use fetch. */
  dispatcher: UndiciAgent;
}

/** Agents that trust only the media CA `caCert` (PEM): for uploads (node:https) and downloads (fetch). */
export function mediaClientAgents(caCert: string): MediaClientAgents {
  return { fetchAgent: new HttpsAgent({ ca: caCert }), dispatcher: new UndiciAgent({ connect: { ca: caCert } }) };
}

/**
 * WhatsApp's media servers in miniature, over HTTPS with the simulator's own CA: accepts uploads
 * of already encrypted media (`POST /mms/{type}/{encSha256}?auth=…`, auth from `media_conn`) and
 * serves them back by direct path. It stores opaque bytes; the media keys never reach it.
 */
export class MediaHost {
  private readonly blobs = new Map<string, Buffer>();
  /** The token `media_conn` hands out; uploads without it are refused. */
  readonly auth = randomBytes(24).toString("base64url");

  private constructor(
    private readonly server: Server,
    private readonly tls: MediaTls,
    private readonly host: string,
    private readonly dataDir: string | undefined,
    private readonly logger: Logger,
  ) {}

  static async start(opts: { host: string; port: number; tls: MediaTls; dataDir?: string; logger: Logger }): Promise<MediaHost> {
    const server = createServer({ key: opts.tls.serverKey, cert: opts.tls.serverCert });
    const host = new MediaHost(server, opts.tls, opts.host, opts.dataDir ? join(opts.dataDir, "media") : undefined, opts.logger);
    if (host.dataDir) mkdirSync(host.dataDir, { recursive: true });
    server.on("request", (req, res) => {
      host.onRequest(req.method ?? "GET", req.url ?? "/", req).then(
        ({ status, body, type }) => {
          res.writeHead(status, { "content-type": type });
          res.end(body);
        },
        (err: unknown) => {
          host.logger.warn({ err }, "media request failed");
          res.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
    return host;
  }

  /** `host:port`, as `media_conn` names it (Baileys builds `https://{hostname}{path}`). */
  get hostname(): string {
    return `${this.host}:${(this.server.address() as AddressInfo).port}`;
  }

  /** The CA certificate (PEM) clients must trust for media. */
  get caCert(): string {
    return this.tls.caCert;
  }

  /** Agents that trust only this host's CA, for a client's upload and download. */
  clientAgents(): MediaClientAgents {
    return mediaClientAgents(this.tls.caCert);
  }

  private async onRequest(
    method: string,
    rawUrl: string,
    body: AsyncIterable<Buffer>,
  ): Promise<{ status: number; body: string | Buffer; type: string }> {
    const url = new URL(rawUrl, "https://media.invalid");
    if (method === "POST" && url.pathname.startsWith("/mms/")) {
      if (url.searchParams.get("auth") !== this.auth) return { status: 401, body: '{"error":"auth"}', type: "application/json" };
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk);
      const id = randomBytes(16).toString("hex");
      const directPath = `/v/t62.7118-24/${id}.enc?ccb=11-4&oh=sim&oe=0`;
      this.put(id, Buffer.concat(chunks));
      return {
        status: 200,
        type: "application/json",
        body: JSON.stringify({ url: `https://${this.hostname}${directPath}`, direct_path: directPath }),
      };
    }
    const match = method === "GET" ? /^\/v\/t62\.7118-24\/([0-9a-f]{32})\.enc$/.exec(url.pathname) : null;
    const blob = match ? this.get(match[1]!) : undefined;
    if (!blob) return { status: 404, body: "", type: "text/plain" };
    return { status: 200, body: blob, type: "application/octet-stream" };
  }

  private put(id: string, bytes: Buffer): void {
    if (this.dataDir) writeFileSync(join(this.dataDir, id), bytes);
    else this.blobs.set(id, bytes);
  }

  private get(id: string): Buffer | undefined {
    if (!this.dataDir) return this.blobs.get(id);
    try {
      return readFileSync(join(this.dataDir, id));
    } catch {
      return undefined;
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
