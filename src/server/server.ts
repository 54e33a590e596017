import { setMaxListeners } from "node:events";
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { createValidateInterceptor } from "@connectrpc/validate";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { createCors } from "./cors.js";
import { clampDeadline, deadlineBound } from "./deadline.js";
import { HealthState, healthRoutes } from "./health.js";
import { loggingInterceptor } from "./interceptors.js";
import { listenOnePort, type RequestHandler } from "./one-port.js";
import { rawRequestValues } from "./raw-request.js";
import { createRpcHandler } from "./rpc-handler.js";
import { ReflectionIndex, reflectionRoutes } from "./reflection.js";

/** A service to serve: its descriptor (for health and reflection) and its routes. */
export interface Mount {
  service: DescService;
  routes: (router: ConnectRouter) => void;
}

/** Plain HTTP on the same port for paths under `prefix` (e.g. `/media/`), answered before Connect. */
export interface HttpRoute {
  prefix: string;
  handle: RequestHandler;
}

/**
 * Answers a request no route matched. An RPC to an unknown procedure is `unimplemented` in
 * its own protocol (gRPC and gRPC-Web: HTTP 200 with the status in the headers, a
 * trailers-only response; Connect: HTTP 404 with a Connect error), as the protocols' specs
 * and the conformance suite require; any other request is a plain 404.
 */
function unknownRoute(
  req: { method?: string; url?: string; headers: Record<string, string | string[] | undefined> },
  res: { writeHead(status: number, headers: Record<string, string>): unknown; end(): unknown; end(body: string): unknown },
): void {
  const message = `no route for ${req.method} ${req.url}`;
  const type = String(req.headers["content-type"] ?? "");
  if (req.method === "POST" && /^application\/grpc(-web(-text)?)?([+;]|$)/.test(type)) {
    res.writeHead(200, { "content-type": type, "grpc-status": String(Code.Unimplemented), "grpc-message": encodeURIComponent(message) });
    res.end();
    return;
  }
  const rpc = req.method === "POST" && /^application\/(connect\+)?(proto|json)([+;]|$)/.test(type);
  res.writeHead(404, { "content-type": "application/json" });
  res.end(JSON.stringify({ code: rpc ? "unimplemented" : "not_found", message }));
}

export interface RunningServer {
  readonly port: number;
  readonly health: HealthState;
  /**
   * Graceful stop: health goes NOT_SERVING, open streams end with `unavailable`,
   * in-flight unary calls finish, and connections still open after the configured
   * timeout are cut.
   */
  shutdown(): Promise<void>;
}

type ServerConfig = Pick<Config, "port" | "host" | "corsOrigins" | "maxRequestBytes" | "maxTimeoutMs" | "shutdownTimeoutMs"> &
  Partial<Pick<Config, "streamKeepaliveMs" | "http2MaxConcurrentStreams" | "httpHeadersTimeoutMs" | "requestBodyTimeoutMs" | "requestBodyMinBytesPerSecond">>;

/**
 * Serves the given services, health and reflection on one port for gRPC, gRPC-Web and Connect.
 * `jsonGets` answers plain GETs of the given paths with JSON (e.g. the simulator's connection facts);
 * `httpRoutes` serve plain HTTP under their path prefixes, over HTTP/1.1 and HTTP/2 alike.
 */
export async function startServer(
  config: ServerConfig,
  logger: Logger,
  mounts: Mount[],
  jsonGets: Record<string, () => unknown> = {},
  httpRoutes: HttpRoute[] = [],
  /** The auth interceptor (between logging and validation); the gateway always passes one. */
  auth?: Interceptor,
  /** Where the logging interceptor counts calls; the gateway always passes it. */
  metrics?: Metrics,
): Promise<RunningServer> {
  const health = new HealthState(mounts.map((m) => m.service.typeName));
  const services = [...mounts.map((m) => m.service), Health, ServerReflection, ServerReflectionV1alpha];
  const reflection = new ReflectionIndex(services);
  const shutdown = new AbortController();
  // Every call in progress listens on it (connect-node links each call's signal to it until the call
  // ends): thousands of open streams are expected, not a leak to warn operators about.
  setMaxListeners(0, shutdown.signal);
  // Never 0: connect-node would take 0 as a bound refusing every deadline, where MAX_TIMEOUT_MS=0 means none.
  const maxDeadlineMs = deadlineBound(config.maxTimeoutMs);

  const connect = createRpcHandler({
    routes(router) {
      for (const m of mounts) m.routes(router);
      healthRoutes(health)(router);
      reflectionRoutes(reflection)(router);
    },
    interceptors: [loggingInterceptor(logger, metrics), ...(auth ? [auth] : []), createValidateInterceptor()],
    contextValues: rawRequestValues,
    readMaxBytes: config.maxRequestBytes,
    maxTimeoutMs: maxDeadlineMs,
    shutdownSignal: shutdown.signal,
    fallback(req, res) {
      const json = req.method === "GET" && req.url ? jsonGets[req.url] : undefined;
      if (json) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(json()));
        return;
      }
      if (req.method === "GET" && req.url === "/healthz") {
        const reason = health.reason();
        res.writeHead(reason ? 503 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify(reason ? { status: "NOT_SERVING", reason } : { status: "SERVING" }));
        return;
      }
      unknownRoute(req, res);
    },
  });
  // Procedures whose client streams its requests: they may answer before the first one comes.
  const streamingRequests = new Set(
    services.flatMap((s) => s.methods.filter((m) => m.methodKind === "client_streaming" || m.methodKind === "bidi_streaming").map((m) => `/${s.typeName}/${m.name}`)),
  );
  const applyCors = createCors(config.corsOrigins);
  const handler: RequestHandler = (req, res) => {
    if (applyCors(req, res)) return;
    const route = httpRoutes.find((r) => req.url?.startsWith(r.prefix));
    if (route) return route.handle(req, res);
    clampDeadline(req.headers, maxDeadlineMs);
    connect(req, res);
  };

  const server = await listenOnePort(handler, config.port, config.host, config.streamKeepaliveMs, {
    maxConcurrentStreams: config.http2MaxConcurrentStreams,
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    bodyTimeoutMs: config.requestBodyTimeoutMs,
    bodyMinBytesPerSecond: config.requestBodyMinBytesPerSecond,
    logger,
    answersBeforeBody: (path) => streamingRequests.has(path),
  });
  logger.info({ port: server.port, host: config.host }, "listening (gRPC, gRPC-Web, Connect)");
  return {
    port: server.port,
    health,
    async shutdown() {
      health.setNotServing();
      shutdown.abort(new ConnectError("server is shutting down", Code.Unavailable));
      await server.close(config.shutdownTimeoutMs);
    },
  };
}
