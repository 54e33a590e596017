import { systemClock } from "./clock.js";
import { startGateway } from "./gateway.js";
import { closeOnSignals, configOrExit, failedToStart } from "./lifecycle.js";
import { createLogger } from "./logger.js";

/**
 * The composition root: config → logger → store → services → server → signals.
 * Production path: it never loads the simulator, so Baileys trusts only WhatsApp.
 */
async function main(): Promise<void> {
  const config = configOrExit();
  if (config.simulatorUrl) {
    process.stderr.write("wildcat: SIMULATOR_URL is for sandbox mode (npm run sandbox); the gateway never mixes the simulator with WhatsApp\n");
    process.exit(2);
  }
  const logger = createLogger(config);
  const gateway = await startGateway(config, logger, systemClock);
  // Budget: the server's own shutdown timeout plus time to close sockets and the store.
  closeOnSignals(logger, config.shutdownTimeoutMs + 2_000, () => gateway.close());
}

main().catch(failedToStart);
