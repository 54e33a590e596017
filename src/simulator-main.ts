import { join } from "node:path";
import { pino } from "pino";
import { SandboxService } from "../gen/wildcat/v1/sandbox_service_pb.js";
import { closeOnSignals, configOrExit, failedToStart } from "./lifecycle.js";
import { startServer } from "./server/server.js";
import { SandboxServiceImpl } from "./services/sandbox-service.js";
import { ContactBook } from "./sim/contact-book.js";
import { Simulator } from "./sim/simulator.js";
import { trustSimulatorRoot } from "./sim/trust-root.js";

/**
 * The simulator on its own (`npm run sim`), for testing any Baileys code: its
 * WebSocket for Baileys, and SandboxService on PORT to play the phones. The first
 * line on stdout is JSON with what a client needs; logs go to stderr.
 */
async function main(): Promise<void> {
  const config = configOrExit();
  const logger = pino({ level: config.logLevel, base: { service: "wildcat-simulator" } }, pino.destination(2));
  const sim = await Simulator.start({ host: "127.0.0.1", dataDir: join(config.dataDir, "simulator"), logger });
  // This process runs simulated contacts (Baileys clients) that must trust the simulator.
  trustSimulatorRoot(sim.rootPublicKey);
  const contacts = new ContactBook(sim, { dataDir: join(config.dataDir, "simulator"), logger: logger.child({ part: "contacts" }) });
  const server = await startServer(
    config,
    logger,
    [{ service: SandboxService, routes: (r) => r.service(SandboxService, new SandboxServiceImpl(sim, contacts)) }],
    // What a sandbox gateway in another process needs to connect (SIMULATOR_URL).
    { "/simulator.json": () => ({ wsUrl: sim.wsUrl, rootPublicKey: Buffer.from(sim.rootPublicKey).toString("base64"), mediaCaCert: sim.mediaCaCert }) },
  );
  const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
  process.stdout.write(
    `${JSON.stringify({ wsUrl: sim.wsUrl, rootPublicKey: Buffer.from(sim.rootPublicKey).toString("base64"), sandboxUrl: `http://${host}:${server.port}` })}\n`,
  );
  closeOnSignals(logger, config.shutdownTimeoutMs + 4_000, async () => {
    await server.shutdown();
    await contacts.close();
    await sim.close();
  });
}

main().catch(failedToStart);
