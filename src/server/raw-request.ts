import * as http2 from "node:http2";
import type * as http from "node:http";
import { createContextKey, createContextValues, type ContextValues, type HandlerContext } from "@connectrpc/connect";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;

const rawRequest = createContextKey<NodeRequest | undefined>(undefined, { description: "the Node request under a call" });

/** For the adapter's `contextValues`: lets a handler reach its transport when it must cut a call short. */
export function rawRequestValues(req: NodeRequest): ContextValues {
  return createContextValues().set(rawRequest, req);
}

/**
 * Ends a streaming call whose writer is stuck on a client that stopped reading: a status can
 * no longer be written behind the unread data, so the HTTP/2 stream is reset with
 * ENHANCE_YOUR_CALM, which gRPC and Connect clients report as RESOURCE_EXHAUSTED. Over
 * HTTP/1.1 there is no such signal; the connection is closed.
 */
export function resetExhaustedCall(ctx: HandlerContext): void {
  const req = ctx.values.get(rawRequest);
  if (!req) return;
  if ("stream" in req) req.stream.close(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
  else req.socket.destroy();
}

/** The remote address of a call ("unknown" when it came through no socket, as in tests in memory). */
export function peerOf(values: ContextValues): string {
  return values.get(rawRequest)?.socket?.remoteAddress ?? "unknown";
}
