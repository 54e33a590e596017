import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Logger } from "../logger.js";

/** The connection preface every HTTP/2 client sends first (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

/** Bounds on what one client can hold open (each from a config key; see README "Reliability"). */
export interface ConnectionLimits {
  /** HTTP2_MAX_CONCURRENT_STREAMS: streams open at once on one HTTP/2 connection. */
  maxConcurrentStreams?: number;
  /** HTTP_HEADERS_TIMEOUT_MS: time for a connection's first bytes and an HTTP/1.1 request's headers. */
  headersTimeoutMs?: number;
  /** REQUEST_BODY_TIMEOUT_MS: time for a request body to be complete… */
  bodyTimeoutMs?: number;
  /** REQUEST_BODY_MIN_BYTES_PER_SECOND: …unless it keeps averaging at least this rate. */
  bodyMinBytesPerSecond?: number;
  /** Where a cut-off client is reported. */
  logger?: Logger;
  /**
   * Paths whose requests may be answered before any of their body comes (client- and
   * bidi-streaming procedures). Every other HTTP/2 request is handed on only once its body
   * starts or ends: nothing can be done for it before, and a client that opens streams by the
   * thousand and never sends a body then costs each stream's wrapper objects, not a call.
   */
  answersBeforeBody?: (path: string) => boolean;
}

export interface OnePortServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /**
   * Stops accepting connections, lets in-flight requests finish, and after
   * `timeoutMs` cuts whatever is still open.
   */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Serves HTTP/1.1 and cleartext HTTP/2 (h2c, prior knowledge) on one TCP port.
 * Node's `http2.createServer({ allowHTTP1 })` only falls back to HTTP/1.1 over TLS
 * (ALPN), so each connection is routed by its first bytes instead: the HTTP/2
 * preface goes to an HTTP/2 server, anything else to an HTTP/1.1 server, both
 * sharing one request handler.
 */
export async function listenOnePort(
  handler: RequestHandler,
  port: number,
  host: string,
  keepaliveMs = 0,
  limits: ConnectionLimits = {},
): Promise<OnePortServer> {
  const headersTimeoutMs = limits.headersTimeoutMs ?? 10_000;
  const serve: RequestHandler = (req, res) => {
    guardBody(req, limits.bodyTimeoutMs ?? 10_000, limits.bodyMinBytesPerSecond ?? 1024, limits.logger);
    if (!(req instanceof http2.Http2ServerRequest)) {
      drainUnreadHttp1Body(req, res as http.ServerResponse);
      return handler(req, res);
    }
    endUnreadHttp2Body(req.stream);
    if (req.stream.endAfterHeaders || limits.answersBeforeBody?.(req.url.split("?", 1)[0])) return handler(req, res);
    onFirstBody(req.stream, () => handler(req, res));
  };
  // Node checks headersTimeout on this interval, so it must be well under the timeout to bound it.
  const h1 = http.createServer({ connectionsCheckingInterval: Math.min(1_000, Math.ceil(headersTimeoutMs / 4)) }, serve as http.RequestListener);
  // Bodies are bounded by guardBody (by rate, so a large upload is not cut at a fixed time).
  h1.headersTimeout = headersTimeoutMs;
  h1.requestTimeout = 0;
  const h2Options: http2.ServerOptions = { settings: { maxConcurrentStreams: limits.maxConcurrentStreams ?? 250 } };
  const h2 = http2.createServer(h2Options, serve as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.Http2Session>();
  // HTTP/1.1 requests in progress per socket, so that closing ends idle keep-alive
  // sockets at once and busy ones right after their response.
  const busy = new Map<net.Socket, number>();
  let closing = false;
  h1.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    if (closing) res.setHeader("connection", "close");
    res.once("close", () => {
      const left = (busy.get(socket) ?? 1) - 1;
      busy.set(socket, left);
      if (closing && left === 0) socket.end();
    });
  });
  h2.on("session", (session) => {
    sessions.add(session);
    // HTTP/2 pings keep long-lived streams (StreamMessages, WatchAccount) from being cut
    // by proxies and load balancers that close connections they think idle.
    const pinger = keepaliveMs > 0 ? setInterval(() => !session.closed && session.ping(() => undefined), keepaliveMs).unref() : undefined;
    session.once("close", () => {
      clearInterval(pinger);
      sessions.delete(session);
    });
  });

  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
    routeByPreface(socket, headersTimeoutMs, (isH2) => (isH2 ? h2 : h1).emit("connection", socket));
  });
  // h1 only ever sees sockets handed to it. Node arms its headers timeout check when a server
  // starts listening, which h1 never does: arm it here, or a slowloris client holds on forever.
  h1.keepAliveTimeout = 5_000;
  h1.emit("listening");

  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, host, () => {
      tcp.off("error", reject);
      resolve();
    });
  });

  return {
    port: (tcp.address() as net.AddressInfo).port,
    async close(timeoutMs) {
      closing = true;
      h1.close(() => undefined); // stops its timeout checks; it listens on nothing itself
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const [socket, n] of busy) if (n === 0) socket.end();
      for (const session of sessions) session.close();
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, timeoutMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
}

/** Past this, a body nobody reads any more is cut off rather than drained. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * A handler that stops reading a body early (Connect does at the size limit, and
 * destroys the request with an AbortError), or answers without reading it at all
 * (a declared length over the limit), would leave unread bytes behind on the
 * HTTP/1.1 connection; closing it then makes the kernel answer them with a reset,
 * and the client loses the error response, or the next request on that keep-alive
 * connection; and a request destroyed after its response stops Node's parser, which
 * stalls the connection until a timeout resets it. The rest is read and dropped
 * instead, up to MAX_DRAIN_BYTES. A request whose socket is already gone is
 * destroyed as asked.
 */
function drainUnreadHttp1Body(req: http.IncomingMessage, res: http.ServerResponse): void {
  const destroy = req.destroy.bind(req);
  // Node detaches the socket from the request once the response is finished, but its parser
  // keeps pushing the rest of the body into this request.
  const socket = req.socket;
  let draining = false;
  req.destroy = ((error?: Error) => {
    if (req.complete || socket.destroyed) return destroy(error);
    if (draining) return req;
    draining = true;
    let drained = 0;
    // A reader that gave up (an async iterator) may leave its 'readable' listener, which keeps
    // the request paused whatever resume() says.
    req.removeAllListeners("readable");
    req.on("data", (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > MAX_DRAIN_BYTES) destroy();
    });
    req.resume();
    // The parser stopped reading the socket when the request's buffer was full.
    socket.resume();
    return req;
  }) as typeof req.destroy;
  res.once("finish", () => {
    if (!req.complete) req.destroy();
  });
}

/**
 * Over HTTP/2 a destroyed request only drops Node's wrapper: the stream stays open with a full
 * flow-control window, and a client still sending (a client stream whose later message was over
 * the size limit) waits forever, even after it has the complete answer. Once the answer is sent,
 * a body nobody reads any more is refused with RST_STREAM(NO_ERROR), as RFC 9113 §8.1 provides:
 * the client keeps the response and stops sending.
 */
function endUnreadHttp2Body(stream: http2.ServerHttp2Stream): void {
  // Node's compatibility layer sends every response's trailers (possibly none) on 'wantTrailers';
  // the reset is queued behind them.
  stream.once("wantTrailers", () =>
    setImmediate(() => {
      if (!stream.readableEnded && !stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
    }),
  );
}

/**
 * Calls `then` once the first bytes of the stream's body, or its end, have come in (they are
 * buffered in the stream; nothing is read). A stream reset or cut before that never calls it.
 */
function onFirstBody(stream: http2.ServerHttp2Stream, then: () => void): void {
  // The body may have come with the headers, before this request was handed over.
  if (stream.readableLength > 0 || stream.state.remoteClose) return then();
  const push = stream.push;
  stream.push = function (this: http2.ServerHttp2Stream, chunk: unknown, encoding?: BufferEncoding) {
    stream.push = push;
    const more = push.call(this, chunk, encoding);
    // The end of a stream that is being torn down (reset, connection gone) is no body.
    process.nextTick(() => !stream.destroyed && !stream.aborted && then());
    return more;
  } as typeof stream.push;
}

/**
 * Bounds how long a request body may take: it must be complete within `timeoutMs` of the
 * headers, or from then on have averaged at least `minBytesPerSecond` since they came. A
 * client sending headers only, or a byte a second, is cut (HTTP/2: RST_STREAM CANCEL, its
 * connection and other streams untouched; HTTP/1.1: the connection is closed), while a large
 * upload at a reasonable rate may take as long as it needs. Bytes are counted as they are
 * pushed into the request, whoever reads it.
 */
function guardBody(req: http.IncomingMessage | http2.Http2ServerRequest, timeoutMs: number, minBytesPerSecond: number, logger?: Logger): void {
  const started = Date.now();
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  const push = req.push.bind(req);
  req.push = ((chunk: Buffer | null, encoding?: BufferEncoding) => {
    if (chunk === null) clearTimeout(timer);
    else received += chunk.length;
    return push(chunk, encoding);
  }) as typeof req.push;
  const h2stream = "stream" in req ? req.stream : undefined;
  if (h2stream?.endAfterHeaders) return;
  const check = () => {
    if (req.complete || h2stream?.endAfterHeaders || h2stream?.state.remoteClose) return;
    const elapsedMs = Date.now() - started;
    if (minBytesPerSecond > 0 && received >= (minBytesPerSecond * elapsedMs) / 1000) {
      // Look again when the average would fall under the rate if nothing more came.
      timer = setTimeout(check, Math.max(1, Math.ceil((received * 1000) / minBytesPerSecond - elapsedMs) + 1)).unref();
      return;
    }
    logger?.warn({ path: req.url, receivedBytes: received, elapsedMs }, "request body too slow; request cut off");
    if (h2stream) h2stream.close(http2.constants.NGHTTP2_CANCEL);
    else req.socket.destroy();
  };
  timer = setTimeout(check, timeoutMs).unref();
  req.once("close", () => clearTimeout(timer));
}

/**
 * Reads just enough of the first bytes to tell HTTP/2 from HTTP/1.x, then puts them back.
 * A connection that has not told within `timeoutMs` is closed (it holds a socket for nothing).
 */
function routeByPreface(socket: net.Socket, timeoutMs: number, route: (isH2: boolean) => void): void {
  // Paused mode (read/unshift, never a 'data' listener): the HTTP/2 session picks
  // the put-back bytes up from the socket's buffer when it attaches.
  let seen = Buffer.alloc(0);
  const onReadable = () => {
    let chunk: Buffer | null;
    while ((chunk = socket.read() as Buffer | null) !== null) seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const matches = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (matches && n < H2_PREFACE.length) return; // undecided: wait for more bytes
    clearTimeout(silent);
    socket.off("readable", onReadable);
    socket.unshift(seen);
    route(matches);
  };
  const silent = setTimeout(() => socket.destroy(), timeoutMs);
  socket.once("close", () => clearTimeout(silent));
  socket.on("readable", onReadable);
  socket.once("error", () => socket.destroy());
}
