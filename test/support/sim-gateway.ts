import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import { AccountState } from "../../gen/wildcat/v1/account_pb.js";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { MediaService } from "../../gen/wildcat/v1/media_service_pb.js";
import { MessageService } from "../../gen/wildcat/v1/message_service_pb.js";
import { Simulator } from "../../src/sim/simulator.js";
import { simulatorSocketOptions } from "../../src/sim/socket-options.js";
import { trustSimulatorRoot } from "../../src/sim/trust-root.js";
import { AccountWatcher } from "./account-watcher.js";
import { bearer } from "./auth.js";
import { startTestGateway, type TestGateway } from "./gateway.js";

/** An in-process simulator whose root this test process trusts. */
export async function startTrustedSimulator(): Promise<Simulator> {
  const sim = await Simulator.start({ logger: pino({ level: "silent" }) });
  trustSimulatorRoot(sim.rootPublicKey);
  return sim;
}

/** A test gateway whose accounts connect to `sim`. */
export function startSimGateway(sim: Simulator, env: Record<string, string> = {}): Promise<TestGateway> {
  return startTestGateway(env, { socketOptions: { ...simulatorSocketOptions(sim), logger: pino({ level: "silent" }) } });
}

export interface ApiClients {
  accounts: Client<typeof AccountService>;
  messages: Client<typeof MessageService>;
  media: Client<typeof MediaService>;
}

/** Connect clients (HTTP/2) for the gateway, sending `key` (by default the test admin key). */
export function apiClients(gw: TestGateway, key?: string): ApiClients {
  const transport = createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer(key)] });
  return {
    accounts: createClient(AccountService, transport),
    messages: createClient(MessageService, transport),
    media: createClient(MediaService, transport),
  };
}

/** Creates an account, shows its QR code to a simulated phone with `phoneNumber`, and waits for CONNECTED. */
export async function linkAccount(gw: TestGateway, sim: Simulator, accountId: string, phoneNumber: string): Promise<void> {
  const { accounts } = apiClients(gw);
  await accounts.createAccount({ accountId });
  const w = new AccountWatcher(accounts, accountId);
  try {
    await accounts.connectAccount({ accountId });
    const { qrCode } = await w.until((s) => s.qrCode !== undefined);
    await sim.linkDevice(qrCode!.code, phoneNumber);
    await w.until((s) => s.account!.state === AccountState.CONNECTED);
  } finally {
    w.close();
  }
}
