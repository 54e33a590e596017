import { create, createRegistry } from "@bufbuild/protobuf";
import { anyPack, anyUnpack, type Any } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import {
  BidiStreamRequestSchema,
  ClientStreamRequestSchema,
  ConformancePayload_RequestInfoSchema,
  ConformancePayloadSchema,
  ConformanceService,
  IdempotentUnaryRequestSchema,
  ServerStreamRequestSchema,
  UnaryRequestSchema,
  type ConformancePayload_RequestInfo,
  type Error as ConformanceError,
  type Header,
  type StreamResponseDefinition,
  type UnaryResponseDefinition,
} from "../../gen/connectrpc/conformance/v1/service_pb.js";

/** JSON codec needs the request types to print the Any values the payloads echo back. */
export const conformanceRegistry = createRegistry(
  UnaryRequestSchema,
  ServerStreamRequestSchema,
  ClientStreamRequestSchema,
  BidiStreamRequestSchema,
  IdempotentUnaryRequestSchema,
  ConformancePayload_RequestInfoSchema,
);

function requestInfo(ctx: HandlerContext, requests: Any[]): ConformancePayload_RequestInfo {
  const timeoutMs = ctx.timeoutMs();
  const requestHeaders: Header[] = [];
  ctx.requestHeader.forEach((value, name) => requestHeaders.push({ $typeName: "connectrpc.conformance.v1.Header", name, value: [value] }));
  let connectGetInfo;
  if (ctx.requestMethod === "GET") {
    const query: Header[] = [];
    new URL(ctx.url).searchParams.forEach((value, name) => query.push({ $typeName: "connectrpc.conformance.v1.Header", name, value: [value] }));
    connectGetInfo = { queryParams: query };
  }
  return create(ConformancePayload_RequestInfoSchema, {
    requestHeaders,
    requests,
    connectGetInfo,
    ...(timeoutMs !== undefined ? { timeoutMs: BigInt(timeoutMs) } : {}),
  });
}

function setHeaders(target: Headers, headers: Header[]): void {
  for (const h of headers) for (const v of h.value) target.append(h.name, v);
}

function toConnectError(err: ConformanceError, info?: ConformancePayload_RequestInfo): ConnectError {
  const details = err.details.map((d) => {
    const m = anyUnpack(d, conformanceRegistry);
    if (!m) throw new Error(`cannot unpack error detail ${d.typeUrl}`);
    return { desc: ConformancePayload_RequestInfoSchema, value: m as ConformancePayload_RequestInfo };
  });
  if (info) details.push({ desc: ConformancePayload_RequestInfoSchema, value: info });
  return new ConnectError(err.message ?? "", err.code as number as Code, undefined, details);
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });
}

async function unaryAnswer(def: UnaryResponseDefinition | undefined, requests: Any[], ctx: HandlerContext) {
  setHeaders(ctx.responseHeader, def?.responseHeaders ?? []);
  setHeaders(ctx.responseTrailer, def?.responseTrailers ?? []);
  const info = requestInfo(ctx, requests);
  await delay(def?.responseDelayMs ?? 0, ctx.signal);
  if (def?.response.case === "error") throw toConnectError(def.response.value, info);
  return { payload: create(ConformancePayloadSchema, { requestInfo: info, data: def?.response.case === "responseData" ? def.response.value : undefined }) };
}

/**
 * The Connect conformance suite's ConformanceService, answering as its
 * reference server does: echo the request, then the response it asks for.
 */
export function conformanceRoutes(router: ConnectRouter): void {
  router.service(
    ConformanceService,
    {
      unary: (req, ctx) => unaryAnswer(req.responseDefinition, [anyPack(UnaryRequestSchema, req)], ctx),
      idempotentUnary: (req, ctx) => unaryAnswer(req.responseDefinition, [anyPack(IdempotentUnaryRequestSchema, req)], ctx),
      async clientStream(reqs, ctx) {
        let def: UnaryResponseDefinition | undefined;
        const seen: Any[] = [];
        for await (const req of reqs) {
          if (seen.length === 0) def = req.responseDefinition;
          seen.push(anyPack(ClientStreamRequestSchema, req));
        }
        return unaryAnswer(def, seen, ctx);
      },
      async *serverStream(req, ctx) {
        const def = req.responseDefinition;
        setHeaders(ctx.responseHeader, def?.responseHeaders ?? []);
        setHeaders(ctx.responseTrailer, def?.responseTrailers ?? []);
        const info = requestInfo(ctx, [anyPack(ServerStreamRequestSchema, req)]);
        let first = true;
        for (const data of def?.responseData ?? []) {
          await delay(def?.responseDelayMs ?? 0, ctx.signal);
          yield { payload: create(ConformancePayloadSchema, { requestInfo: first ? info : undefined, data }) };
          first = false;
        }
        if (def?.error) throw toConnectError(def.error, first ? info : undefined);
      },
      async *bidiStream(reqs, ctx) {
        let def: StreamResponseDefinition | undefined;
        let fullDuplex = false;
        let sent = 0;
        let pending: Any[] = [];
        let first = true;
        for await (const req of reqs) {
          if (first) {
            def = req.responseDefinition;
            fullDuplex = req.fullDuplex;
            setHeaders(ctx.responseHeader, def?.responseHeaders ?? []);
            setHeaders(ctx.responseTrailer, def?.responseTrailers ?? []);
            first = false;
          }
          pending.push(anyPack(BidiStreamRequestSchema, req));
          if (!fullDuplex) continue;
          if (!def || sent >= def.responseData.length) break;
          await delay(def.responseDelayMs, ctx.signal);
          yield { payload: create(ConformancePayloadSchema, { requestInfo: requestInfo(ctx, pending), data: def.responseData[sent] }) };
          sent++;
          pending = [];
        }
        const info = requestInfo(ctx, pending);
        for (; def && sent < def.responseData.length; sent++) {
          await delay(def.responseDelayMs, ctx.signal);
          yield { payload: create(ConformancePayloadSchema, { requestInfo: sent === 0 ? info : undefined, data: def.responseData[sent] }) };
        }
        if (def?.error) throw toConnectError(def.error, def.responseData.length === 0 ? info : undefined);
      },
    },
    { jsonOptions: { registry: conformanceRegistry } },
  );
}
