import { randomUUID } from "node:crypto";
import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { isStoreUnavailable } from "../store/store-errors.js";

const REQUEST_ID = "x-request-id";

/**
 * One log line per call (rpc, protocol, request id, code, duration) and the
 * place where unexpected errors become `internal`: their cause is logged here,
 * once, and never sent to the client. With `metrics`, the same facts are counted there
 * (calls and durations by service, method, protocol and code; streams open).
 */
export function loggingInterceptor(logger: Logger, metrics?: Metrics): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const requestId = validRequestId(req.header.get(REQUEST_ID)) ?? randomUUID();
    const protocol = protocolOf(req.header);
    const rpc = `${req.service.typeName}/${req.method.name}`;
    const finish = (error?: unknown): ConnectError | undefined => {
      const ms = Math.round(performance.now() - started);
      const count = (code: string) => metrics?.countRpc(req.service.typeName, req.method.name, protocol, code, (performance.now() - started) / 1000);
      // One object per line, not a child logger per call: the call's fields are written once.
      if (error === undefined) {
        count("ok");
        logger.info({ rpc, protocol, requestId, code: "ok", ms }, "rpc");
        return undefined;
      }
      const ce = toConnectError(error, req.signal);
      const code = codeName(ce.code);
      count(code);
      if (ce.code === Code.Internal && !(error instanceof ConnectError)) {
        logger.error({ rpc, protocol, requestId, err: error, code, ms }, "rpc failed unexpectedly");
      } else if (ce.code === Code.Canceled) {
        // The client went away: nothing for an operator to act on.
        logger.debug({ rpc, protocol, requestId, code, ms }, "rpc");
      } else {
        logger.info({ rpc, protocol, requestId, code, ms, error: ce.rawMessage }, "rpc");
      }
      return ce;
    };
    let res;
    try {
      res = await next(req);
    } catch (e) {
      throw finish(e);
    }
    res.header.set(REQUEST_ID, requestId);
    if (!res.stream) {
      finish();
      return res;
    }
    const stream = { service: req.service.typeName, method: req.method.name };
    metrics?.openStreams.inc(stream);
    return { ...res, message: logStreamEnd(res, finish, () => metrics?.openStreams.dec(stream)) };
  };
}

/** `closed` runs once however the stream ends, also when the consumer stops iterating (return()). */
async function* logStreamEnd(res: StreamResponse, finish: (e?: unknown) => ConnectError | undefined, closed: () => void) {
  try {
    yield* res.message;
  } catch (e) {
    throw finish(e);
  } finally {
    closed();
  }
  finish();
}

/** Node's errors for a write to a stream or connection the peer has closed. */
const CLIENT_GONE = new Set(["ERR_HTTP2_INVALID_STREAM", "ERR_HTTP2_STREAM_CANCEL", "ERR_STREAM_DESTROYED", "ERR_STREAM_PREMATURE_CLOSE", "ECONNRESET", "EPIPE"]);

function toConnectError(e: unknown, signal: AbortSignal): ConnectError {
  if (e instanceof ConnectError) return e;
  // A handler's wait ended by the call's own signal (client gone, deadline, shutdown)
  // surfaces as an AbortError: the call ended for the signal's reason, not a bug.
  if (signal.aborted && e instanceof Error && e.name === "AbortError") {
    return signal.reason instanceof ConnectError ? signal.reason : new ConnectError("the client canceled the call", Code.Canceled);
  }
  // Writing to a stream or connection the client already closed.
  if (e instanceof Error && CLIENT_GONE.has((e as NodeJS.ErrnoException).code ?? "")) {
    return new ConnectError("the client canceled the call", Code.Canceled);
  }
  // The store is gone for a while: the client should retry, not report a bug.
  if (isStoreUnavailable(e)) return new ConnectError("the store (database) is unreachable; retry with backoff", Code.Unavailable, undefined, undefined, e);
  // A plain Error here is a bug or an outage below us; its text may hold internals.
  return new ConnectError("internal error", Code.Internal, undefined, undefined, e);
}

/** "permission_denied" for Code.PermissionDenied: the name Connect uses on the wire. */
export function codeName(code: Code): string {
  return Code[code].replace(/[A-Z]/g, (c, i: number) => (i ? "_" : "") + c.toLowerCase());
}

/** Which of the three protocols a request came in on, from its content type. */
function protocolOf(header: Headers): string {
  const type = header.get("content-type") ?? "";
  if (type.startsWith("application/grpc-web")) return "grpc-web";
  if (type.startsWith("application/grpc")) return "grpc";
  return "connect";
}

function validRequestId(id: string | null): string | undefined {
  return id && /^[\w.:-]{1,128}$/.test(id) ? id : undefined;
}
