import { join } from "node:path";
import { SandboxService } from "../gen/wildcat/v1/sandbox_service_pb.js";
import { systemClock } from "./clock.js";
import type { Config } from "./config.js";
import { startGateway, type GatewayExtras } from "./gateway.js";
import { closeOnSignals, configOrExit, failedToStart } from "./lifecycle.js";
import { createLogger, type Logger } from "./logger.js";
import { simulatorSocketOptions, type SimulatorEndpoint } from "./sim/socket-options.js";
import { SandboxServiceImpl } from "./services/sandbox-service.js";
import { ContactBook } from "./sim/contact-book.js";
import { Simulator } from "./sim/simulator.js";
import { trustSimulatorRoot } from "./sim/trust-root.js";

/**
 * Sandbox mode (`npm run sandbox`): the gateway against a WhatsApp simulator
 * instead of WhatsApp. By default the simulator runs in this process and
 * SandboxService is on the same port to play the phones; with SIMULATOR_URL it
 * is a standalone simulator (`npm run sim`) that serves SandboxService itself.
 * Every account of this process talks to the simulator only.
 */
async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config);
  const { extras, close } = config.simulatorUrl ? await remoteSimulator(config.simulatorUrl) : await localSimulator(config, logger);
  const gateway = await startGateway(config, logger, systemClock, extras);
  logger.info({ port: gateway.server.port, simulator: config.simulatorUrl ?? "in-process" }, "sandbox ready: accounts link to simulated phones (SandboxService)");
  closeOnSignals(logger, config.shutdownTimeoutMs + 4_000, async () => {
    await gateway.close();
    await close();
  });
}

async function localSimulator(config: Config, logger: Logger) {
  const dir = join(config.dataDir, "simulator");
  const sim = await Simulator.start({ dataDir: dir, logger: logger.child({ part: "simulator" }) });
  trustSimulatorRoot(sim.rootPublicKey);
  const contacts = new ContactBook(sim, { dataDir: dir, logger: logger.child({ part: "contacts" }) });
  const extras: GatewayExtras = {
    socketOptions: simulatorSocketOptions(sim),
    mounts: [{ service: SandboxService, routes: (r) => r.service(SandboxService, new SandboxServiceImpl(sim, contacts)) }],
  };
  return {
    extras,
    async close() {
      await contacts.close();
      await sim.close();
    },
  };
}

async function remoteSimulator(url: string) {
  const res = await fetch(`${url}/simulator.json`);
  if (!res.ok) throw new Error(`SIMULATOR_URL: GET ${url}/simulator.json answered ${res.status}`);
  const sim = (await res.json()) as SimulatorEndpoint & { rootPublicKey: string };
  trustSimulatorRoot(Buffer.from(sim.rootPublicKey, "base64"));
  return { extras: { socketOptions: simulatorSocketOptions(sim) } satisfies GatewayExtras, close: async () => {} };
}

main().catch(failedToStart);
