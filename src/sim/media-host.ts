import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent as HttpsAgent } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { MEDIA_PATH_MAP } from "@whiskeysockets/baileys";
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

/** What `media_conn` announces and the host enforces when nothing else is configured: WhatsApp's 100 MiB. */
export const DEFAULT_MEDIA_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

/** The upload paths Baileys uses (`/mms/image`, `/mms/video`, `/mms/audio`, `/mms/document`, …; stickers go to /mms/image). */
const UPLOAD_PATHS = new Set(Object.values(MEDIA_PATH_MAP).filter(Boolean));

type Answer = { status: number; body: string | Buffer; type: string; headers?: Record<string, string> };
const jsonError = (status: number, error: string): Answer => ({ status, body: JSON.stringify({ error }), type: "application/json" });

/**
 * WhatsApp's media servers in miniature, over HTTPS with the simulator's own CA: accepts uploads
 * of already encrypted media (`POST /mms/{type}/{encSha256}?auth=…`, auth from `media_conn`) and
 * serves them back by direct path, whole or by byte range. It stores opaque bytes; the media keys
 * never reach it.
 */
export class MediaHost {
  private readonly blobs = new Map<string, Buffer>();
  /** The token `media_conn` hands out; uploads without it are refused. */
  readonly auth = randomBytes(24).toString("base64url");
  /** While true, every download answers 503: an outage of WhatsApp's media servers. */
  downloadsFailing = false;
  private uploadPause?: { arrived: () => void; resumed: Promise<void> };

  private constructor(
    private readonly server: Server,
    private readonly tls: MediaTls,
    private readonly host: string,
    private readonly dataDir: string | undefined,
    /** Largest upload (encrypted bytes) accepted; `media_conn` announces it. */
    readonly maxUploadBytes: number,
    private readonly logger: Logger,
  ) {}

  static async start(opts: {
    host: string;
    port: number;
    tls: MediaTls;
    dataDir?: string;
    maxUploadBytes?: number;
    logger: Logger;
  }): Promise<MediaHost> {
    const server = createServer({ key: opts.tls.serverKey, cert: opts.tls.serverCert });
    const dataDir = opts.dataDir ? join(opts.dataDir, "media") : undefined;
    const host = new MediaHost(server, opts.tls, opts.host, dataDir, opts.maxUploadBytes ?? DEFAULT_MEDIA_MAX_UPLOAD_BYTES, opts.logger);
    if (host.dataDir) mkdirSync(host.dataDir, { recursive: true });
    server.on("request", (req, res) => {
      host.onRequest(req.method ?? "GET", req.url ?? "/", req.headers, req).then(
        ({ status, body, type, headers }) => {
          // an upload refused before its body was read: do not keep reading it
          if (status >= 400 && req.method === "POST" && !req.readableEnded) res.setHeader("connection", "close");
          res.writeHead(status, { "content-type": type, ...headers });
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
    headers: IncomingHttpHeaders,
    body: AsyncIterable<Buffer>,
  ): Promise<Answer> {
    const url = new URL(rawUrl, "https://media.invalid");
    if (method === "POST") return this.upload(url, headers, body);
    if (this.downloadsFailing) return { status: 503, body: "", type: "text/plain" };
    // encrypted media by direct path, or a profile picture (plain JPEG) by the URL publish() gave
    const match = method === "GET" ? /^\/(?:v\/t62\.7118-24\/([0-9a-f]{32})\.enc|pp\/([0-9a-f]{32})\.jpg)$/.exec(url.pathname) : null;
    const blob = match ? this.get((match[1] ?? match[2])!) : undefined;
    if (!blob) return { status: 404, body: "", type: "text/plain" };
    return rangeOf(blob, headers.range);
  }

  /**
   * Fault: the next uploads wait, unanswered, until `resume` is called; `arrived` resolves when
   * the first one does. Shows what a client does while its upload is in flight.
   */
  pauseUploads(): { arrived: Promise<void>; resume: () => void } {
    let resume!: () => void;
    const resumed = new Promise<void>((r) => (resume = r));
    const arrived = new Promise<void>((arrived) => (this.uploadPause = { arrived, resumed }));
    return {
      arrived,
      resume: () => {
        this.uploadPause = undefined;
        resume();
      },
    };
  }

  /** `POST {upload path}/{encSha256}?auth=…`: stores the encrypted file and names its direct path. */
  private async upload(url: URL, headers: IncomingHttpHeaders, body: AsyncIterable<Buffer>): Promise<Answer> {
    const pause = this.uploadPause;
    if (pause) {
      pause.arrived();
      await pause.resumed;
    }
    if (!UPLOAD_PATHS.has(url.pathname.slice(0, url.pathname.lastIndexOf("/")))) return jsonError(404, "unknown media type");
    if (url.searchParams.get("auth") !== this.auth) return jsonError(401, "auth");
    const tooLarge = jsonError(413, `larger than ${this.maxUploadBytes} bytes`);
    if (Number(headers["content-length"] ?? 0) > this.maxUploadBytes) return tooLarge;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > this.maxUploadBytes) return tooLarge;
      chunks.push(chunk);
    }
    const id = randomBytes(16).toString("hex");
    const directPath = `/v/t62.7118-24/${id}.enc?ccb=11-4&oh=sim&oe=0`;
    this.put(id, Buffer.concat(chunks));
    return {
      status: 200,
      type: "application/json",
      body: JSON.stringify({ url: `https://${this.hostname}${directPath}`, direct_path: directPath }),
    };
  }

  /** Stores a profile picture (plain bytes, anyone may fetch it, as WhatsApp's picture URLs) and returns its URL. */
  publish(bytes: Buffer): string {
    const id = randomBytes(16).toString("hex");
    this.put(id, bytes);
    return `https://${this.hostname}/pp/${id}.jpg`;
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

/** The whole blob, or the one byte range asked for (`Range: bytes=start-[end]`, end inclusive), as HTTP says. */
function rangeOf(blob: Buffer, range: string | undefined): Answer {
  const type = "application/octet-stream";
  const match = range ? /^bytes=(\d+)-(\d*)$/.exec(range.trim()) : null;
  if (!match) return { status: 200, body: blob, type, headers: { "accept-ranges": "bytes" } };
  const start = Number(match[1]);
  const end = Math.min(match[2] ? Number(match[2]) : blob.length - 1, blob.length - 1);
  if (start > end) return { status: 416, body: "", type, headers: { "content-range": `bytes */${blob.length}` } };
  return {
    status: 206,
    body: blob.subarray(start, end + 1),
    type,
    headers: { "accept-ranges": "bytes", "content-range": `bytes ${start}-${end}/${blob.length}` },
  };
}
