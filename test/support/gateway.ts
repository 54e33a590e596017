import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { systemClock } from "../../src/clock.js";
import { loadConfig, type Config } from "../../src/config.js";
import { startGateway, type Gateway, type GatewayExtras } from "../../src/gateway.js";
import { TEST_ADMIN_KEY } from "./auth.js";

export interface TestGateway {
  gateway: Gateway;
  config: Config;
  baseUrl: string;
  /** Graceful stop, as at SIGTERM; safe to call twice. */
  stop(): Promise<void>;
  /** Stops the gateway (if still running) and removes its data. */
  cleanup(): Promise<void>;
}

/**
 * A real gateway on a free port with its own fresh data directory, configured
 * through the same environment parsing as production, with the test admin key installed
 * (WILDCAT_ADMIN_KEY; give it as "" for none). `env` overrides keys.
 */
export async function startTestGateway(env: Record<string, string> = {}, extras: GatewayExtras = {}): Promise<TestGateway> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), "wildcat-test-"));
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "warn", WILDCAT_ADMIN_KEY: TEST_ADMIN_KEY, ...env });
  const gateway = await startGateway(config, pino({ level: config.logLevel }), systemClock, extras);
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= gateway.close());
  return {
    gateway,
    config,
    baseUrl: `http://127.0.0.1:${gateway.server.port}`,
    stop,
    async cleanup() {
      await stop();
      if (!env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
