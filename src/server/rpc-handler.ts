import type * as http from "node:http";
import * as http2 from "node:http2";
import { create, fromBinary, fromJsonString, isMessage, toBinary, toJsonString, type DescMessage, type DescMethodUnary, type DescService } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createConnectRouter,
  createServiceImplSpec,
  type ConnectRouter,
  type ConnectRouterOptions,
  type ContextValues,
  type HandlerContext,
  type Interceptor,
  type MethodImplSpec,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, errorToJsonBytes, parseTimeout as parseConnectTimeout, trailerMux } from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { compressionBrotli, compressionGzip, universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { RequestHandler } from "./one-port.js";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;

export interface RpcHandlerOptions {
  routes(router: ConnectRouter): void;
  interceptors: Interceptor[];
  contextValues(req: NodeRequest): ContextValues;
  /** Largest request message, in bytes. */
  readMaxBytes: number;
  /** Longest deadline a call may ask for, in ms. */
  maxTimeoutMs: number;
  /** Aborted when the server shuts down: every call in progress ends with its reason. */
  shutdownSignal: AbortSignal;
  /** Answers a request for no known procedure. */
  fallback: RequestHandler;
}

type UnarySpec = Extract<MethodImplSpec, { kind: "unary" }>;

/** The protocols a plain unary call is answered in directly; everything else goes through connect. */
type Protocol = "grpc" | "grpc-web" | "connect-proto" | "connect-json";

const PROTOCOL_BY_TYPE: ReadonlyMap<string, Protocol> = new Map([
  ["application/grpc", "grpc"],
  ["application/grpc+proto", "grpc"],
  ["application/grpc-web", "grpc-web"],
  ["application/grpc-web+proto", "grpc-web"],
  ["application/proto", "connect-proto"],
  ["application/json", "connect-json"],
  ["application/json; charset=utf-8", "connect-json"],
]);

/** The gRPC and gRPC-Web envelope: a flags byte and a 32-bit length before each message. */
const ENVELOPE_BYTES = 5;

/**
 * The RPC request handler: connect-node's routing and protocols, with a lean path of our own in
 * front for the call that dominates a gateway's traffic, a plain unary call. connect-node runs
 * every call, unary included, through a pipeline of async iterables, linked abort signals and
 * header conversions that costs several times what the HTTP/2 stack and our handlers cost
 * together; the lean path reads the body in one go, runs the same interceptors (their chain built
 * once per method) and implementation, and writes the answer in one go, with connect's public
 * protocol helpers for deadlines, status trailers and error JSON. `npm run bench:rpc` measures it.
 *
 * It takes only what it answers exactly as connect would: POST, an uncompressed body in binary
 * protobuf (gRPC, gRPC-Web, Connect) or JSON (Connect), a well-formed deadline, one well-formed
 * message. Anything else — streams, GET, compression, other codecs, a body over the limit, an
 * envelope or message that does not parse — is handed to connect as it came (the bytes already
 * read are given back in front of the rest), so its errors and edge cases stay connect's.
 */
export function createRpcHandler(options: RpcHandlerOptions): RequestHandler {
  const routerOptions: ConnectRouterOptions = {
    interceptors: options.interceptors,
    readMaxBytes: options.readMaxBytes,
    maxTimeoutMs: options.maxTimeoutMs,
    shutdownSignal: options.shutdownSignal,
    // As connect-node's adapter does.
    acceptCompression: [compressionGzip, compressionBrotli],
  };
  const router = createConnectRouter(routerOptions);
  const unary = new Map<string, LeanMethod>();
  const recorder: ConnectRouter = {
    get handlers() {
      return router.handlers;
    },
    service(service, implementation, serviceOptions) {
      router.service(service, implementation, serviceOptions);
      // Options other than response compression (which the lean path never applies) keep a service on connect's path.
      if (Object.keys(serviceOptions ?? {}).every((k) => k === "compressMinBytes")) {
        for (const spec of Object.values(createServiceImplSpec(service, implementation).methods)) {
          if (spec.kind === "unary") unary.set(`/${service.typeName}/${spec.method.name}`, leanMethod(spec, options.interceptors));
        }
      }
      return recorder;
    },
    rpc(method, implementation, rpcOptions) {
      router.rpc(method, implementation, rpcOptions);
      return recorder;
    },
  };
  options.routes(recorder);
  const handlers = new Map<string, UniversalHandler>(router.handlers.map((h) => [h.requestPath, h]));
  const shutdownSignal = options.shutdownSignal;
  const live = new Set<LeanCall>();
  shutdownSignal.addEventListener("abort", () => {
    for (const call of live) call.abort(shutdownSignal.reason);
  });

  /** connect-node's path for the request, its body starting with `read` when some was read already. */
  const viaConnect = (handler: UniversalHandler, req: NodeRequest, res: NodeResponse, read?: Buffer) => {
    let uReq = universalRequestFromNodeRequest(req, res, undefined, options.contextValues(req));
    if (read) uReq = { ...uReq, body: prepend(read, uReq.body as AsyncIterable<Uint8Array>) };
    handler(uReq)
      .then((uRes) => universalResponseToNodeResponse(uRes, res))
      .catch(() => {
        // A response that could not be written (the client is gone); the logging interceptor has recorded the call.
      });
  };

  return (req, res) => {
    const path = req.url?.split("?", 1)[0] ?? "";
    const handler = handlers.get(path);
    if (!handler) return options.fallback(req, res);
    const lean = req.method === "POST" ? unary.get(path) : undefined;
    const protocol = lean && leanProtocol(req);
    const timeoutMs = protocol && leanTimeout(req, protocol, options.maxTimeoutMs);
    if (!lean || !protocol || timeoutMs === null) return viaConnect(handler, req, res);
    const limit = options.readMaxBytes + (protocol === "grpc" || protocol === "grpc-web" ? ENVELOPE_BYTES : 0);
    readBody(req, limit, (body, complete) => {
      const input = complete ? parseInput(lean.method.input, protocol, body) : undefined;
      if (!input) return viaConnect(handler, req, res, body);
      const call = new LeanCall(lean, protocol, req, res, timeoutMs, options.contextValues(req));
      if (shutdownSignal.aborted) call.abort(shutdownSignal.reason);
      live.add(call);
      void call.run(input).finally(() => live.delete(call));
    });
  };
}

/** The protocol of a request the lean path may answer, from its headers; undefined for connect's path. */
function leanProtocol(req: NodeRequest): Protocol | undefined {
  const protocol = PROTOCOL_BY_TYPE.get(req.headers["content-type"]?.toLowerCase() ?? "");
  if (!protocol) return undefined;
  const identity = (v: string | string[] | undefined) => v === undefined || v === "identity";
  if (protocol === "grpc" || protocol === "grpc-web") {
    if (protocol === "grpc" && req.httpVersionMajor !== 2) return undefined;
    return identity(req.headers["grpc-encoding"]) ? protocol : undefined;
  }
  const version = req.headers["connect-protocol-version"];
  return identity(req.headers["content-encoding"]) && (version === undefined || version === "1") ? protocol : undefined;
}

/** The call's deadline in ms (undefined: none); null when the header is malformed, for connect to refuse. */
function leanTimeout(req: NodeRequest, protocol: Protocol, maxTimeoutMs: number): number | undefined | null {
  const grpc = protocol === "grpc" || protocol === "grpc-web";
  const value = req.headers[grpc ? "grpc-timeout" : "connect-timeout-ms"];
  if (value === undefined) return undefined;
  if (typeof value !== "string") return null;
  const parsed = grpc ? parseGrpcTimeout(value, maxTimeoutMs) : parseConnectTimeout(value, maxTimeoutMs);
  return parsed.error ? null : parsed.timeoutMs;
}

/**
 * Collects the request body; `complete` is false when it grew past `limit` (the rest is left
 * unread for connect). A request whose client goes away first never calls back.
 */
function readBody(req: NodeRequest, limit: number, done: (body: Buffer, complete: boolean) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size <= limit) return;
    req.pause();
    detach();
    done(Buffer.concat(chunks, size), false);
  };
  const onEnd = () => {
    detach();
    done(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size), true);
  };
  const detach = () => {
    req.off("data", onData);
    req.off("end", onEnd);
  };
  req.on("data", onData);
  req.on("end", onEnd);
}

/** The one request message, or undefined when the body is anything else (connect then answers it). */
function parseInput(schema: DescMessage, protocol: Protocol, body: Buffer): object | undefined {
  let bytes: Uint8Array = body;
  if (protocol === "grpc" || protocol === "grpc-web") {
    if (body.length < ENVELOPE_BYTES || body[0] !== 0 || body.readUInt32BE(1) !== body.length - ENVELOPE_BYTES) return undefined;
    bytes = body.subarray(ENVELOPE_BYTES);
  }
  try {
    // The options connect uses by default: unknown JSON fields are ignored.
    return protocol === "connect-json" ? fromJsonString(schema, body.toString("utf8"), { ignoreUnknownFields: true }) : fromBinary(schema, bytes);
  } catch {
    return undefined;
  }
}

async function* prepend(first: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  yield first;
  yield* rest;
}

/** A unary method as the lean path calls it: its interceptor chain, built once. */
interface LeanMethod {
  method: DescMethodUnary;
  invoke(req: UnaryRequest): Promise<UnaryResponse>;
}

/** The context of each call in flight, found from its context values (which every interceptor passes on). */
const contexts = new WeakMap<ContextValues, LeanContext>();

function leanMethod(spec: UnarySpec, interceptors: Interceptor[]): LeanMethod {
  const { method } = spec;
  const output = method.output;
  let invoke = async (req: UnaryRequest): Promise<UnaryResponse> => {
    const context = contexts.get(req.contextValues)!;
    const answer = await spec.impl(req.message, context.forRequest(req));
    return {
      stream: false,
      service: method.parent,
      method,
      message: isMessage(answer, output) ? answer : create(output, answer as never),
      header: context.responseHeader,
      trailer: context.responseTrailer,
    };
  };
  // As connect applies them: the first interceptor is the outermost.
  for (const interceptor of [...interceptors].reverse()) invoke = interceptor(invoke as never) as typeof invoke;
  return { method, invoke };
}

/**
 * A unary call's HandlerContext. Its signal is made on first use only: most calls never look at
 * it, and an AbortController with its listeners is a large part of what a call costs. What
 * would abort it (the client gone, the deadline, shutdown) is kept until then.
 */
class LeanContext implements HandlerContext {
  readonly service: DescService;
  readonly requestMethod = "POST";
  readonly responseHeader: Headers;
  readonly responseTrailer = new Headers();
  #controller?: AbortController;
  #reason?: unknown;
  #deadline?: NodeJS.Timeout;
  readonly #expiresAt?: number;

  constructor(
    readonly method: DescMethodUnary,
    readonly protocolName: string,
    readonly url: string,
    readonly requestHeader: Headers,
    readonly values: ContextValues,
    responseType: string,
    timeoutMs: number | undefined,
  ) {
    this.service = method.parent;
    this.responseHeader = new Headers({ "content-type": responseType });
    if (timeoutMs !== undefined) {
      this.#expiresAt = Date.now() + timeoutMs;
      const expire = () => this.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
      if (timeoutMs <= 0) expire();
      else this.#deadline = setTimeout(expire, timeoutMs);
    }
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  timeoutMs = (): number | undefined => (this.#expiresAt === undefined ? undefined : this.#expiresAt - Date.now());

  /** The first reason wins; later ones are ignored. */
  abort(reason: unknown): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    clearTimeout(this.#deadline);
    this.#controller?.abort(reason);
  }

  /** The request this call made; an interceptor that passes on another (other headers, signal or values) gets them in its context. */
  request?: UnaryRequest;

  /** What the implementation gets: this context, or its fields with what an interceptor changed. */
  forRequest(req: UnaryRequest): HandlerContext {
    if (req === this.request) return this;
    return { ...contextFields(this), requestHeader: req.header, signal: req.signal, values: req.contextValues };
  }
}

/** A context's fields as a plain object (its signal getter not run). */
function contextFields(c: LeanContext): Omit<HandlerContext, "signal"> {
  return {
    service: c.service,
    method: c.method,
    protocolName: c.protocolName,
    requestMethod: c.requestMethod,
    url: c.url,
    requestHeader: c.requestHeader,
    responseHeader: c.responseHeader,
    responseTrailer: c.responseTrailer,
    values: c.values,
    timeoutMs: c.timeoutMs,
  };
}

/** One unary call on the lean path, from the parsed request to the written answer. */
class LeanCall {
  readonly #context: LeanContext;
  #answered = false;

  constructor(
    private readonly lean: LeanMethod,
    private readonly protocol: Protocol,
    req: NodeRequest,
    private readonly res: NodeResponse,
    timeoutMs: number | undefined,
    contextValues: ContextValues,
  ) {
    const header = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (key.startsWith(":") || value === undefined) continue;
      if (typeof value === "string") header.set(key, value);
      else for (const v of value) header.append(key, v);
    }
    const grpc = protocol === "grpc" || protocol === "grpc-web";
    const url = `http://${req.headers[":authority"] ?? req.headers.host ?? "localhost"}${req.url}`;
    this.#context = new LeanContext(lean.method, grpc ? protocol : "connect", url, header, contextValues, RESPONSE_TYPE[protocol], timeoutMs);
    contexts.set(contextValues, this.#context);
    // The client hanging up aborts the call (not once the answer is written).
    res.once("close", () => {
      if (!this.#answered) this.abort(new ConnectError("the client canceled the call", Code.Canceled));
    });
  }

  abort(reason: unknown): void {
    this.#context.abort(reason);
  }

  async run(input: object): Promise<void> {
    const context = this.#context;
    const { method } = this.lean;
    try {
      // As on connect's path, a deadline or shutdown aborts the call's signal and the implementation answers.
      const request: UnaryRequest = {
        stream: false,
        service: method.parent,
        method,
        requestMethod: "POST",
        url: context.url,
        header: context.requestHeader,
        contextValues: context.values,
        message: input as never,
        // Made only if an interceptor or the implementation looks at it.
        get signal() {
          return context.signal;
        },
      };
      context.request = request;
      const res = await this.lean.invoke(request);
      copyInto(res.header, context.responseHeader);
      copyInto(res.trailer, context.responseTrailer);
      this.#answer(res.message);
    } catch (e) {
      this.#fail(e instanceof ConnectError ? e : new ConnectError("internal error", Code.Internal, undefined, undefined, e));
    } finally {
      context.abort(CALL_ENDED);
      contexts.delete(context.values);
    }
  }

  #answer(output: object): void {
    const { protocol } = this;
    const { output: schema } = this.lean.method;
    const context = this.#context;
    if (protocol === "connect-json" || protocol === "connect-proto") {
      return this.#writeConnect(200, protocol === "connect-json" ? Buffer.from(toJsonString(schema, output as never)) : toBinary(schema, output as never));
    }
    const message = toBinary(schema, output as never);
    const envelope = Buffer.allocUnsafe(ENVELOPE_BYTES + message.byteLength);
    envelope[0] = 0;
    envelope.writeUInt32BE(message.byteLength, 1);
    envelope.set(message, ENVELOPE_BYTES);
    context.responseTrailer.set("grpc-status", "0");
    if (protocol === "grpc-web") return this.#write(200, context.responseHeader, Buffer.concat([envelope, grpcWebTrailer(context.responseTrailer)]));
    this.#write(200, context.responseHeader, envelope, context.responseTrailer);
  }

  #fail(error: ConnectError): void {
    const { protocol } = this;
    const context = this.#context;
    if (protocol === "connect-json" || protocol === "connect-proto") {
      context.responseHeader.set("content-type", "application/json");
      error.metadata.forEach((value, key) => context.responseHeader.set(key, value));
      return this.#writeConnect(codeToHttpStatus(error.code), errorToJsonBytes(error, {}));
    }
    setTrailerStatus(context.responseTrailer, error);
    if (protocol === "grpc-web") return this.#write(200, context.responseHeader, grpcWebTrailer(context.responseTrailer));
    this.#write(200, context.responseHeader, undefined, context.responseTrailer);
  }

  /** A Connect unary answer: one body, its trailers as `trailer-` headers. */
  #writeConnect(status: number, body: Uint8Array): void {
    const header = trailerMux(this.#context.responseHeader, this.#context.responseTrailer);
    header.set("content-length", String(body.byteLength));
    this.#write(status, header, body);
  }

  #write(status: number, header: Headers, body?: Uint8Array, trailer?: Headers): void {
    this.#answered = true;
    const { res } = this;
    if (res.headersSent || res.destroyed || ("stream" in res && res.stream.destroyed)) return;
    (res as http.ServerResponse).writeHead(status, headerObject(header));
    if (trailer) (res as http.ServerResponse).addTrailers(headerObject(trailer));
    if (body) res.end(body);
    else res.end();
  }
}

/** Makes `to` hold what `from` holds, when an interceptor answered with headers of its own. */
function copyInto(from: Headers, to: Headers): void {
  if (from === to) return;
  for (const key of [...to.keys()]) to.delete(key);
  from.forEach((value, key) => to.set(key, value));
}

const RESPONSE_TYPE: Record<Protocol, string> = {
  grpc: "application/grpc+proto",
  "grpc-web": "application/grpc-web+proto",
  "connect-proto": "application/proto",
  "connect-json": "application/json",
};

/** What the call's signal says after it was answered (never seen by a well-behaved handler). */
const CALL_ENDED = new ConnectError("the call has ended", Code.Canceled);

/** gRPC-Web's trailers: the last envelope of the body, flagged as trailers. */
function grpcWebTrailer(trailer: Headers): Buffer {
  const data = trailerSerialize(trailer);
  const frame = Buffer.allocUnsafe(ENVELOPE_BYTES + data.byteLength);
  frame[0] = trailerFlag;
  frame.writeUInt32BE(data.byteLength, 1);
  frame.set(data, ENVELOPE_BYTES);
  return frame;
}

/** Node's header object from fetch Headers (a repeated field as an array, set-cookie kept apart). */
function headerObject(header: Headers): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  header.forEach((value, key) => {
    out[key] = value;
  });
  const cookies = header.getSetCookie();
  if (cookies.length) out["set-cookie"] = cookies;
  return out;
}
