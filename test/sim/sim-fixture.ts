import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { Simulator } from "../../src/sim/simulator.js";
import { trustSimulatorRoot } from "../../src/sim/trust-root.js";
import { BaileysClient } from "./baileys-client.js";

/**
 * One simulator for a test file, and bare Baileys clients that are disposed after
 * each test, which fails if any client logged a problem or sent an unknown iq.
 */
export function simulatorWithClients() {
  let sim: Simulator | undefined;
  const clients: BaileysClient[] = [];

  beforeAll(async () => {
    sim = await Simulator.start();
    trustSimulatorRoot(sim.rootPublicKey);
  });

  afterEach(() => {
    const current = clients.splice(0);
    for (const c of current) c.dispose();
    for (const c of current) expect(c.problems()).toEqual([]);
    expect(sim!.unknownIqs).toEqual([]);
  });

  afterAll(async () => {
    await sim?.close();
  });

  return {
    get sim(): Simulator {
      return sim!;
    },
    client(name: string, socketOptions?: ConstructorParameters<typeof BaileysClient>[2]): BaileysClient {
      const c = new BaileysClient(sim!, name, socketOptions);
      clients.push(c);
      return c;
    },
  };
}
