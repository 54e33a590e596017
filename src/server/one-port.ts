import http from "node:http";
import http2 from "node:http2";
import net from "node:net";

/** The connection preface every HTTP/2 client sends first (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

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
export async function listenOnePort(handler: RequestHandler, port: number, host: string, keepaliveMs = 0): Promise<OnePortServer> {
  const serve: RequestHandler = (req, res) => {
    if (req instanceof http2.Http2ServerRequest) endUnreadHttp2Body(req.stream);
    else drainUnreadHttp1Body(req, res as http.ServerResponse);
    handler(req, res);
  };
  const h1 = http.createServer(serve as http.RequestListener);
  const h2 = http2.createServer({}, serve as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
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
    routeByPreface(socket, (isH2) => (isH2 ? h2 : h1).emit("connection", socket));
  });
  // h1 only ever sees sockets handed to it; its own timeouts still apply.
  h1.keepAliveTimeout = 5_000;

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

/** Reads just enough of the first bytes to tell HTTP/2 from HTTP/1.x, then puts them back. */
function routeByPreface(socket: net.Socket, route: (isH2: boolean) => void): void {
  // Paused mode (read/unshift, never a 'data' listener): the HTTP/2 session picks
  // the put-back bytes up from the socket's buffer when it attaches.
  let seen = Buffer.alloc(0);
  const onReadable = () => {
    let chunk: Buffer | null;
    while ((chunk = socket.read() as Buffer | null) !== null) seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const matches = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (matches && n < H2_PREFACE.length) return; // undecided: wait for more bytes
    socket.off("readable", onReadable);
    socket.unshift(seen);
    route(matches);
  };
  socket.on("readable", onReadable);
  socket.once("error", () => socket.destroy());
}
