import { systemClock } from "./clock.js";
import { ConfigError, loadConfig } from "./config.js";
import { startGateway } from "./gateway.js";
import { createLogger } from "./logger.js";

/** The composition root: config → logger → store → services → server → signals. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`wildcat: ${e.message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config);
  const gateway = await startGateway(config, logger, systemClock);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    // A backstop in case something refuses to close: never hang past the budget.
    setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs + 2_000).unref();
    await gateway.close();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((e: unknown) => {
  process.stderr.write(`wildcat: failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
