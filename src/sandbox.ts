import { join } from "node:path";
import { SandboxService } from "../gen/wildcat/v1/sandbox_service_pb.js";
import { systemClock } from "./clock.js";
import { startGateway } from "./gateway.js";
import { closeOnSignals, configOrExit, failedToStart } from "./lifecycle.js";
import { createLogger } from "./logger.js";
import { simulatorSocketOptions } from "./sandbox-options.js";
import { SandboxServiceImpl } from "./services/sandbox-service.js";
import { ContactBook } from "./sim/contact-book.js";
import { Simulator } from "./sim/simulator.js";
import { trustSimulatorRoot } from "./sim/trust-root.js";

/**
 * Sandbox mode (`npm run sandbox`): the gateway with an in-process WhatsApp
 * simulator instead of WhatsApp, and SandboxService on the same port to play the
 * phones. Every account of this process talks to the simulator only.
 */
async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config);
  const simDir = join(config.dataDir, "simulator");
  const sim = await Simulator.start({ dataDir: simDir, logger: logger.child({ part: "simulator" }) });
  trustSimulatorRoot(sim.rootPublicKey);
  const contacts = new ContactBook(sim, { dataDir: simDir, logger: logger.child({ part: "contacts" }) });
  const gateway = await startGateway(config, logger, systemClock, {
    socketOptions: simulatorSocketOptions(sim),
    mounts: [{ service: SandboxService, routes: (r) => r.service(SandboxService, new SandboxServiceImpl(sim, contacts)) }],
  });
  logger.info({ port: gateway.server.port, simulator: sim.wsUrl }, "sandbox ready: accounts link to simulated phones (SandboxService)");
  closeOnSignals(logger, config.shutdownTimeoutMs + 4_000, async () => {
    await gateway.close();
    await contacts.close();
    await sim.close();
  });
}

main().catch(failedToStart);
