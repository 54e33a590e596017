import { proto, type UserFacingSocketConfig } from "@whiskeysockets/baileys";
import { mediaClientAgents, type MediaClientAgents } from "./media-host.js";

/** How to reach a simulator: in-process (a `Simulator`) or another process (its `/simulator.json`). */
export interface SimulatorEndpoint {
  wsUrl: string;
  /** PEM of the CA that signed the simulator's media host certificate. */
  mediaCaCert: string;
}

/**
 * Baileys options that point a socket at the simulator instead of WhatsApp: the
 * one place that knows what a simulator client needs. Only for sandbox and test
 * processes, which must also have called `trustSimulatorRoot` with its root key.
 */
export function simulatorSocketOptions(
  sim: SimulatorEndpoint,
  agents: MediaClientAgents = mediaClientAgents(sim.mediaCaCert),
): Partial<UserFacingSocketConfig> {
  return {
    waWebSocketUrl: sim.wsUrl,
    // Uploads go through node:https with this agent, downloads through fetch with this dispatcher.
    fetchAgent: agents.fetchAgent,
    options: { dispatcher: agents.dispatcher } as UserFacingSocketConfig["options"],
    // The simulated phone sends history as INITIAL_BOOTSTRAP, PUSH_NAME and ON_DEMAND syncs, never
    // RECENT: do not hold events back waiting for a recent-history one.
    shouldSyncHistoryMessage: (msg) => msg.syncType !== proto.HistorySync.HistorySyncType.RECENT,
  };
}
