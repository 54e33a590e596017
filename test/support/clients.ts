import { execFile } from "node:child_process";
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type DescMethodClientStreaming,
  type DescMethodServerStreaming,
  type DescMethodUnary,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { once } from "node:events";
import * as grpc from "@grpc/grpc-js";
import { TEST_AUTH_HEADER } from "./auth.js";

/**
 * A grpc-js client that calls any method of the generated descriptors, no proto loader needed.
 * Every call carries `authorization` metadata (by default the test admin key; null for none).
 */
export class GrpcJsClient {
  private readonly client: grpc.Client;

  constructor(
    address: string,
    options: grpc.ChannelOptions = {},
    private readonly authorization: string | null = TEST_AUTH_HEADER,
  ) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), options);
  }

  private metadata(given = new grpc.Metadata()): grpc.Metadata {
    if (this.authorization !== null && given.get("authorization").length === 0) given.set("authorization", this.authorization);
    return given;
  }

  unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: MessageInitShape<I>,
    metadata = new grpc.Metadata(),
  ): Promise<MessageShape<O>> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        `/${method.parent.typeName}/${method.name}`,
        (m: MessageInitShape<I>) => Buffer.from(toBinary(method.input, create(method.input, m))),
        (b: Buffer) => fromBinary(method.output, b),
        request,
        this.metadata(metadata),
        (err, value) => (err ? reject(err) : resolve(value!)),
      );
    });
  }

  /** Opens a server stream; the caller reads it (it is a Node readable of response messages). */
  serverStream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodServerStreaming<I, O>,
    request: MessageInitShape<I>,
  ): grpc.ClientReadableStream<MessageShape<O>> {
    return this.client.makeServerStreamRequest(
      `/${method.parent.typeName}/${method.name}`,
      (m: MessageInitShape<I>) => Buffer.from(toBinary(method.input, create(method.input, m))),
      (b: Buffer) => fromBinary(method.output, b),
      request,
      this.metadata(),
    );
  }

  /** Calls a client-streaming method, writing `requests` with backpressure, and resolves with the response. */
  async clientStream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodClientStreaming<I, O>,
    requests: AsyncIterable<MessageInitShape<I>>,
  ): Promise<MessageShape<O>> {
    let call!: grpc.ClientWritableStream<MessageInitShape<I>>;
    const response = new Promise<MessageShape<O>>((resolve, reject) => {
      call = this.client.makeClientStreamRequest(
        `/${method.parent.typeName}/${method.name}`,
        (m: MessageInitShape<I>) => Buffer.from(toBinary(method.input, create(method.input, m))),
        (b: Buffer) => fromBinary(method.output, b),
        this.metadata(),
        (err, value) => (err ? reject(err) : resolve(value!)),
      );
    });
    try {
      for await (const request of requests) {
        if (!call.write(request)) await Promise.race([once(call, "drain"), response]);
      }
      call.end();
    } catch (e) {
      call.cancel();
      throw e;
    }
    return response;
  }

  close(): void {
    this.client.close();
  }
}

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never rejects on a non-zero exit. */
export function run(command: string, args: string[], input?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") return reject(err);
      resolve({ code: typeof err?.code === "number" ? err.code : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** The buf CLI that npm installed. */
export const BUF = new URL("../../node_modules/.bin/buf", import.meta.url).pathname;

/** POSTs Connect JSON with curl, with the test admin key, and returns the parsed body; curl must not complain. */
export async function curlJson(url: string, body: unknown, authorization = TEST_AUTH_HEADER): Promise<Record<string, unknown>> {
  const out = await run("curl", ["-sS", "-X", "POST", "-H", "content-type: application/json", "-H", `authorization: ${authorization}`, "-d", JSON.stringify(body), url]);
  if (out.stderr !== "") throw new Error(`curl: ${out.stderr}`);
  return JSON.parse(out.stdout) as Record<string, unknown>;
}
