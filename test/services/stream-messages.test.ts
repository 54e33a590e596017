import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createHandlerContext, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountState, type Account } from "../../gen/wildcat/v1/account_pb.js";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { EventType, type Event } from "../../gen/wildcat/v1/event_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { MessageService, StreamMessagesRequestSchema, StreamStart, type StreamMessagesRequest } from "../../gen/wildcat/v1/message_service_pb.js";
import { MessageServiceImpl } from "../../src/services/message-service.js";
import type { EventLog } from "../../src/store/events.js";
import { simulatorSocketOptions } from "../../src/sim/socket-options.js";
import { Simulator } from "../../src/sim/simulator.js";
import { trustSimulatorRoot } from "../../src/sim/trust-root.js";
import { AccountWatcher } from "../support/account-watcher.js";
import { adminContextValues } from "../support/auth.js";
import { systemClock } from "../../src/clock.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { bearer } from "../support/auth.js";

let sim: Simulator;
let gw: TestGateway;
let accounts: Client<typeof AccountService>;
let messages: Client<typeof MessageService>;

beforeAll(async () => {
  sim = await Simulator.start({ logger: pino({ level: "silent" }) });
  trustSimulatorRoot(sim.rootPublicKey);
  gw = await startTestGateway({}, { socketOptions: { ...simulatorSocketOptions(sim), logger: pino({ level: "silent" }) } });
  const transport = createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] });
  accounts = createClient(AccountService, transport);
  messages = createClient(MessageService, transport);
  // One linked account: its state changes are the events of these tests.
  await accounts.createAccount({ accountId: "streamed" });
  const w = new AccountWatcher(accounts, "streamed");
  await accounts.connectAccount({ accountId: "streamed" });
  const { qrCode } = await w.until((s) => s.qrCode !== undefined);
  await sim.linkDevice(qrCode!.code, "15557000001");
  await w.until((s) => s.account!.state === AccountState.CONNECTED);
  w.close();
});
afterAll(async () => {
  await gw?.cleanup();
  await sim?.close();
});

/** Reads events until `count` have arrived, then cancels the stream. */
async function take(req: MessageInitShape<typeof StreamMessagesRequestSchema>, count: number, onOpen?: () => Promise<unknown>): Promise<Event[]> {
  const abort = new AbortController();
  const got: Event[] = [];
  const stream = messages.streamMessages(req as StreamMessagesRequest, { signal: abort.signal });
  const opened = onOpen?.();
  try {
    for await (const res of stream) {
      got.push(res.event!);
      if (got.length === count) break;
    }
  } finally {
    abort.abort();
  }
  await opened;
  return got;
}

const stateOf = (e: Event) => (e.payload.value as Account).state;
const LINKED = [AccountState.CONNECTING, AccountState.WAITING_FOR_LOGIN, AccountState.CONNECTING, AccountState.CONNECTED];

describe("StreamMessages", () => {
  it("when a stream starts at the oldest event, then it gets the account's events in order, each with a cursor", async () => {
    const events = await take({ accountIds: ["streamed"], start: StreamStart.OLDEST }, 4);
    expect(events.map(stateOf)).toEqual(LINKED);
    expect(events.every((e) => e.type === EventType.ACCOUNT_STATE_CHANGED && e.accountId === "streamed" && e.cursor !== "")).toBe(true);
    expect(new Set(events.map((e) => e.cursor)).size).toBe(4);
  });

  it("when one subscriber streams Connect JSON and another binary gRPC, then both get the same events with the same cursors", async () => {
    const json = createClient(MessageService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", useBinaryFormat: false, interceptors: [bearer()] }));
    const grpc = createClient(MessageService, createGrpcTransport({ baseUrl: gw.baseUrl, interceptors: [bearer()] }));
    const read = async (client: Client<typeof MessageService>) => {
      const got: Event[] = [];
      for await (const res of client.streamMessages({ accountIds: ["streamed"], start: StreamStart.OLDEST })) {
        got.push(res.event!);
        if (got.length === 4) break;
      }
      return got;
    };

    const [fromJson, fromGrpc] = await Promise.all([read(json), read(grpc)]);

    expect(fromJson.map(stateOf)).toEqual(LINKED);
    expect(fromGrpc).toEqual(fromJson);
  });

  it("when a stream resumes after a cursor, then it gets exactly the events after it, then new ones live", async () => {
    const first = await take({ accountIds: ["streamed"], start: StreamStart.OLDEST }, 2);
    const resumed = await take({ accountIds: ["streamed"], afterCursor: first[1].cursor }, 3, () =>
      // Appended while the resumed stream is open: it must arrive live, after the backlog.
      accounts.disconnectAccount({ accountId: "streamed" }),
    );
    expect(resumed.map(stateOf)).toEqual([AccountState.CONNECTING, AccountState.CONNECTED, AccountState.DISCONNECTED]);
    expect(resumed.map((e) => e.eventId)).not.toContain(first[1].eventId);
  });

  it("when a stream starts now, then it skips the past and gets only what is appended after it opened", async () => {
    // The service called directly, over an observed (real) event log, to know when the stream waits.
    let waiting!: () => void;
    const isWaiting = new Promise<void>((resolve) => (waiting = resolve));
    const log = gw.gateway.store.events;
    const observed: EventLog = {
      append: (e) => log.append(e),
      get: (id) => log.get(id),
      read: (o) => log.read(o),
      latestCursor: () => log.latestCursor(),
      prune: (o) => log.prune(o),
      waitForAppend: (after, signal) => {
        waiting();
        return log.waitForAppend(after, signal);
      },
    };
    const abort = new AbortController();
    const stream = new MessageServiceImpl({ ...gw.gateway.store, messaging: gw.gateway.messaging, sockets: gw.gateway.sockets, events: observed, clock: systemClock, sendRatePerMinute: 60, streamBuffer: 64, streamStallMs: 30_000 }).streamMessages(
      create(StreamMessagesRequestSchema, { accountIds: ["streamed"] }),
      createHandlerContext({ service: MessageService, method: MessageService.method.streamMessages, protocolName: "test", requestMethod: "POST", url: "", requestSignal: abort.signal, contextValues: adminContextValues() }),
    );
    const first = stream.next();
    await isWaiting;
    await accounts.disconnectAccount({ accountId: "streamed" });
    const { value } = await first;
    expect(stateOf(value!.event!)).toBe(AccountState.DISCONNECTED);
    abort.abort();
    await stream.return(undefined);
    await accounts.connectAccount({ accountId: "streamed" });
  });

  it("when the cursor is not one the server gave, then the stream fails with invalid_argument", async () => {
    const err = await take({ afterCursor: "not-a-cursor" }, 1).catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.InvalidArgument });
  });
});
