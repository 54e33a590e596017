import type http from "node:http";
import type http2 from "node:http2";
import { cors } from "@connectrpc/connect";

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

/**
 * CORS for browser clients (connect-web's Connect and gRPC-Web transports).
 * Returns true when it answered the request itself (a preflight).
 */
export function createCors(allowedOrigins: readonly string[]) {
  const any = allowedOrigins.includes("*");
  const exposed = [...cors.exposedHeaders, "X-Request-Id"].join(", ");
  return (req: Req, res: Res): boolean => {
    const origin = req.headers.origin;
    if (!origin || !(any || allowedOrigins.includes(origin))) return false;
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("vary", "Origin");
    res.setHeader("access-control-expose-headers", exposed);
    if (req.method !== "OPTIONS") return false;
    res.setHeader("access-control-allow-methods", cors.allowedMethods.join(", "));
    res.setHeader("access-control-allow-headers", [...cors.allowedHeaders, "Authorization", "X-Request-Id"].join(", "));
    res.setHeader("access-control-max-age", "7200");
    res.writeHead(204);
    res.end();
    return true;
  };
}
