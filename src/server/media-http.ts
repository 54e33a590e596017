import type http from "node:http";
import type http2 from "node:http2";
import { pipeline } from "node:stream/promises";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import type { Authenticator } from "../auth/authenticator.js";
import type { DownloadUrls } from "../auth/download-urls.js";
import { hasPermission, visibleTo, type Principal } from "../auth/principal.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { codeName } from "./interceptors.js";
import { isMediaId, type MediaStore } from "../store/media.js";
import type { HttpRoute } from "./server.js";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

const PREFIX = "/media/";

/** Who may download: API keys (the authorization header) and signed download URLs (`?token=`). */
export interface MediaAccess {
  authenticator: Authenticator;
  downloadUrls: DownloadUrls;
  clock: Clock;
}

/**
 * `GET` and `HEAD /media/{media_id}`: a stored file over plain HTTP, for browsers and curl,
 * with a single `Range: bytes=…` answered by 206. Streamed with backpressure; the store's read
 * is destroyed when the client goes away. Without `access` (tests of the file path alone)
 * nothing is checked; the gateway always passes it.
 */
export function mediaHttpRoute(media: MediaStore, logger: Logger, access?: MediaAccess): HttpRoute {
  return {
    prefix: PREFIX,
    handle(req, res) {
      serveMedia(media, req, res, access).catch((e: unknown) => {
        if (e instanceof ConnectError) return answerAuthError(res, e);
        if ((e as { code?: string }).code === "ERR_STREAM_PREMATURE_CLOSE") return; // the client left
        // The path only: a download URL's token is a credential.
        logger.error({ err: e, path: req.url?.split("?")[0] }, "serving media over HTTP failed");
        if (!res.headersSent) answer(res, 500, "internal", "reading the file failed");
        else res.destroy();
      });
    },
  };
}

async function serveMedia(media: MediaStore, req: Request, res: Response, access?: MediaAccess): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return answer(res, 405, "unimplemented", `${req.method} is not supported here; use GET or HEAD`);
  }
  const url = new URL(req.url ?? "/", "http://gateway");
  const mediaId = url.pathname.slice(PREFIX.length);
  // The same credentials and checks as the RPCs, before anything about the file (even
  // whether it exists) is answered.
  let principal: Principal | undefined;
  if (access) {
    const token = url.searchParams.get("token");
    const peer = req.socket?.remoteAddress ?? "unknown";
    principal =
      token === null
        ? await access.authenticator.authenticate(req.headers.authorization, peer)
        : await access.authenticator.authenticateUrl(access.downloadUrls.verify(mediaId, token, access.clock.now()), peer);
    if (!hasPermission(principal, "read")) {
      throw new ConnectError(`API key ${principal.keyId} lacks the permission READ that downloads need`, Code.PermissionDenied);
    }
  }
  const found = isMediaId(mediaId) ? await media.get(mediaId) : undefined;
  // Another account's file is answered exactly like a missing one.
  const record = found && (!principal || visibleTo(principal, found.accountId)) ? found : undefined;
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

const HTTP_STATUS: Partial<Record<Code, number>> = {
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
};

/**
 * An auth refusal as HTTP (401, 403, 429), with the Connect error body and, for rate limits,
 * Retry-After. Shared by every plain-HTTP route behind API keys.
 */
export function answerAuthError(res: Response, e: ConnectError): void {
  if (e.code === Code.Unauthenticated) res.setHeader("www-authenticate", "Bearer");
  const retry = e.findDetails(RetryInfoSchema)[0]?.retryDelay;
  if (retry) res.setHeader("retry-after", String(Math.max(1, Math.ceil(durationMs(retry) / 1000))));
  answer(res, HTTP_STATUS[e.code] ?? 500, codeName(e.code), e.rawMessage);
}

function answer(res: Response, status: number, code: string, message: string): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ code, message }));
}
