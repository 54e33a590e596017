import type http from "node:http";
import type http2 from "node:http2";
import { pipeline } from "node:stream/promises";
import type { Logger } from "../logger.js";
import { isMediaId, type MediaStore } from "../store/media.js";
import type { HttpRoute } from "./server.js";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

const PREFIX = "/media/";

/**
 * `GET` and `HEAD /media/{media_id}`: a stored file over plain HTTP, for browsers and curl,
 * with a single `Range: bytes=…` answered by 206. Streamed with backpressure; the store's read
 * is destroyed when the client goes away.
 */
export function mediaHttpRoute(media: MediaStore, logger: Logger): HttpRoute {
  return {
    prefix: PREFIX,
    handle(req, res) {
      serveMedia(media, req, res).catch((e: unknown) => {
        if ((e as { code?: string }).code === "ERR_STREAM_PREMATURE_CLOSE") return; // the client left
        logger.error({ err: e, url: req.url }, "serving media over HTTP failed");
        if (!res.headersSent) answer(res, 500, "internal", "reading the file failed");
        else res.destroy();
      });
    },
  };
}

async function serveMedia(media: MediaStore, req: Request, res: Response): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return answer(res, 405, "unimplemented", `${req.method} is not supported here; use GET or HEAD`);
  }
  // Authorization goes here once the API has it: the same credentials and check as the RPCs'
  // auth interceptor, before anything about the file (even whether it exists) is answered.
  const mediaId = (req.url ?? "").slice(PREFIX.length).split("?")[0];
  const record = isMediaId(mediaId) ? await media.get(mediaId) : undefined;
  if (!record) return answer(res, 404, "not_found", `media ${mediaId} not found`);

  const size = record.sizeBytes;
  const range = parseRange(req.headers.range, size);
  res.setHeader("accept-ranges", "bytes");
  res.setHeader("etag", `"${record.sha256}"`);
  if (range === "unsatisfiable") {
    res.setHeader("content-range", `bytes */${size}`);
    return answer(res, 416, "out_of_range", `range ${req.headers.range} is outside the file's ${size} bytes`);
  }
  const { start, end } = range ?? { start: 0, end: size };
  res.setHeader("content-type", record.mimeType);
  res.setHeader("content-length", String(end - start));
  if (record.fileName) res.setHeader("content-disposition", `inline; filename*=UTF-8''${encodeURIComponent(record.fileName)}`);
  if (range) res.setHeader("content-range", `bytes ${start}-${end - 1}/${size}`);
  res.statusCode = range ? 206 : 200;
  if (req.method === "HEAD" || end === start) {
    res.end();
    return;
  }
  const content = await media.open(mediaId, { offset: start, length: end - start });
  if (!content) {
    res.removeHeader("content-length");
    return answer(res, 404, "not_found", `media ${mediaId} not found`); // deleted in between
  }
  await pipeline(content, res as NodeJS.WritableStream);
}

/**
 * The one range a `Range` header asks for, as [start, end); undefined to send the whole file
 * (no header, another unit, several ranges or a malformed one, which RFC 9110 lets a server ignore).
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | undefined {
  const m = header ? /^bytes=\s*(\d*)-(\d*)\s*$/.exec(header) : null;
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(m[1]);
  const last = m[2] === "" ? Infinity : Number(m[2]);
  if (last < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return { start, end: Math.min(last, size - 1) + 1 };
}

function answer(res: Response, status: number, code: string, message: string): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ code, message }));
}
