import type * as grpc from "@grpc/grpc-js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import { MessageService, type StreamMessagesRequestSchema, type StreamMessagesResponse } from "../../gen/wildcat/v1/message_service_pb.js";
import type { GrpcJsClient } from "../support/clients.js";
import type { BaileysClient } from "../sim/baileys-client.js";

/** A StreamMessages subscriber over grpc-js that keeps every event and lets a test wait for one. */
export class EventSubscriber {
  readonly events: Event[] = [];
  private readonly call: grpc.ClientReadableStream<StreamMessagesResponse>;
  private readonly waiters = new Set<() => void>();
  /** The response headers, once they arrived. */
  headers?: grpc.Metadata;
  /** Set when the stream ended with an error (or cleanly: null). */
  ended?: grpc.ServiceError | null;

  constructor(client: GrpcJsClient, request: MessageInitShape<typeof StreamMessagesRequestSchema>) {
    this.call = client.serverStream(MessageService.method.streamMessages, request);
    this.call.on("metadata", (headers: grpc.Metadata) => (this.headers = headers));
    this.call.on("data", (res: StreamMessagesResponse) => {
      this.events.push(res.event!);
      this.check();
    });
    this.call.on("error", (err: grpc.ServiceError) => {
      this.ended = err;
      this.check();
    });
    this.call.on("end", () => {
      this.ended ??= null;
      this.check();
    });
  }

  /** Resolves with the first event matching `predicate` (already received or later). */
  until(predicate: (e: Event) => boolean, what = "a matching event", timeoutMs = 25_000): Promise<Event> {
    return this.wait(() => this.events.find(predicate), what, timeoutMs);
  }

  /** Sends a text from a simulated contact to `toJid` and resolves with its id once the account stored it (MESSAGE_RECEIVED). */
  async textFrom(from: BaileysClient, toJid: string, text: string): Promise<string> {
    const sent = await from.sock.sendMessage(toJid, { text });
    const id = sent!.key.id!;
    await this.until((e) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message" && e.payload.value.messageId === id, `message ${id}`);
    return id;
  }

  /** Resolves once `count` events matching `predicate` have arrived. */
  async count(predicate: (e: Event) => boolean, count: number, timeoutMs = 60_000): Promise<Event[]> {
    return this.wait(() => {
      const found = this.events.filter(predicate);
      return found.length >= count ? found : undefined;
    }, `${count} matching events`, timeoutMs);
  }

  /** Resolves when the stream has ended, with its error (null when it ended cleanly). */
  closed(timeoutMs = 60_000): Promise<grpc.ServiceError | null> {
    return this.wait(() => (this.ended === undefined ? undefined : { error: this.ended }), "the end of the stream", timeoutMs).then((r) => r.error);
  }

  pause(): void {
    this.call.pause();
  }

  cancel(): void {
    this.call.cancel();
  }

  private wait<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = probe();
        if (found === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`stream: no ${what} after ${timeoutMs} ms (got ${this.events.length} events, ended: ${String(this.ended?.message ?? this.ended)})`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  private check(): void {
    for (const w of [...this.waiters]) w();
  }
}
