import { proto, type UserFacingSocketConfig } from "@whiskeysockets/baileys";
import type { Simulator } from "./sim/simulator.js";

/**
 * Baileys options that point every account's socket at the simulator instead of
 * WhatsApp. Only for sandbox and test processes, which must also have called
 * `trustSimulatorRoot(sim.rootPublicKey)`.
 */
export function simulatorSocketOptions(sim: Simulator): Partial<UserFacingSocketConfig> {
  const agents = sim.mediaAgents();
  return {
    waWebSocketUrl: sim.wsUrl,
    fetchAgent: agents.fetchAgent,
    options: { dispatcher: agents.dispatcher } as UserFacingSocketConfig["options"],
    // The simulated phone sends no history; do not wait for a recent-history sync.
    shouldSyncHistoryMessage: (msg) => msg.syncType !== proto.HistorySync.HistorySyncType.RECENT,
  };
}
