import type { Authenticator } from "../auth/authenticator.js";
import { hasPermission, type Principal } from "../auth/principal.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { answerAuthError } from "./media-http.js";
import type { HttpRoute } from "./server.js";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Metrics describe every account (how many, in which state, how much traffic), so only a key
 * that may see every account may read them: an admin key, or a key with READ on all accounts.
 */
export function mayReadMetrics(p: Principal): boolean {
  return hasPermission(p, "admin") || (hasPermission(p, "read") && p.scope === "all");
}

/**
 * `GET /metrics`: the Prometheus text format, behind the same API keys as the RPCs
 * (`authorization: Bearer <key>`, checked by the shared authenticator with its rate and
 * failure limits).
 */
export function metricsRoute(metrics: Metrics, authenticator: Authenticator, logger: Logger): HttpRoute {
  return {
    prefix: "/metrics",
    handle(req, res) {
      serve(req, res).catch((e: unknown) => {
        if (e instanceof ConnectError) return answerAuthError(res, e);
        logger.error({ err: e }, "serving /metrics failed");
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ code: "internal", message: "collecting the metrics failed" }));
        } else res.destroy();
      });
    },
  };

  async function serve(req: Parameters<HttpRoute["handle"]>[0], res: Parameters<HttpRoute["handle"]>[1]): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      res.statusCode = 404;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ code: "not_found", message: `no route for ${req.method} ${path}` }));
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.statusCode = 405;
      res.setHeader("allow", "GET, HEAD");
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ code: "unimplemented", message: `${req.method} is not supported here; use GET` }));
      return;
    }
    const principal = await authenticator.authenticate(req.headers.authorization, req.socket?.remoteAddress ?? "unknown");
    if (!mayReadMetrics(principal)) {
      throw new ConnectError(`API key ${principal.keyId} may not read metrics: that needs ADMIN, or READ on all accounts`, Code.PermissionDenied);
    }
    const body = Buffer.from(await metrics.scrape());
    res.statusCode = 200;
    res.setHeader("content-type", metrics.contentType);
    res.setHeader("content-length", String(body.length));
    res.setHeader("cache-control", "no-store");
    if (req.method === "HEAD") res.end();
    else res.end(body);
  }
}
