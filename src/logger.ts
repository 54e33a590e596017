import { pino, type Logger } from "pino";
import type { Config } from "./config.js";

export type { Logger };

/** JSON lines to stdout; pretty only when asked for (development). */
export function createLogger(config: Pick<Config, "logLevel" | "logPretty">): Logger {
  return pino({
    level: config.logLevel,
    base: { service: "wildcat" },
    redact: { paths: ["*.authorization", "*.secret", "*.authStateKey", "*.mongodbUri"], censor: "[redacted]" },
    transport: config.logPretty ? { target: "pino-pretty" } : undefined,
  });
}
