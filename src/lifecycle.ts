import type { Logger } from "./logger.js";
import { ConfigError, loadConfig, type Config } from "./config.js";

/** Reads the configuration, or exits 2 with a message naming every bad key. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`wildcat: ${e.message}\n`);
    process.exit(2);
  }
}

/** On SIGTERM or SIGINT: `close()` once, then exit 0; exit 1 if it takes longer than the budget. */
export function closeOnSignals(logger: Logger, budgetMs: number, close: () => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, budgetMs).unref();
    await close();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

/** For a composition root's `main().catch(...)`. */
export function failedToStart(e: unknown): never {
  process.stderr.write(`wildcat: failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
}
