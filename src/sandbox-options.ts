import { Agent as HttpsAgent } from "node:https";
import { proto, type UserFacingSocketConfig } from "@whiskeysockets/baileys";
import { Agent as UndiciAgent } from "undici";

/** How to reach a simulator: in-process (a `Simulator`) or another process (its `/simulator.json`). */
export interface SimulatorEndpoint {
  wsUrl: string;
  /** PEM of the CA that signed the simulator's media host certificate. */
  mediaCaCert: string;
}

/**
 * Baileys options that point every account's socket at the simulator instead of
 * WhatsApp. Only for sandbox and test processes, which must also have called
 * `trustSimulatorRoot` with the simulator's root key.
 */
export function simulatorSocketOptions(sim: SimulatorEndpoint): Partial<UserFacingSocketConfig> {
  return {
    waWebSocketUrl: sim.wsUrl,
    // Uploads go through node:https with this agent, downloads through fetch with this dispatcher.
    fetchAgent: new HttpsAgent({ ca: sim.mediaCaCert }),
    options: { dispatcher: new UndiciAgent({ connect: { ca: sim.mediaCaCert } }) } as UserFacingSocketConfig["options"],
    // The simulated phone sends no history; do not wait for a recent-history sync.
    shouldSyncHistoryMessage: (msg) => msg.syncType !== proto.HistorySync.HistorySyncType.RECENT,
  };
}
