/** The WhatsApp simulator's public surface (for the sandbox service and tests). */
export { ContactBook } from "./contact-book.js";
export {
  type ContactMessage,
  type ContactMessageKind,
  type ContactPresence,
  type MediaKind,
  type MediaOptions,
  type SendOptions,
  SimulatedContact,
  type SimulatedContactOptions,
  type TextOptions,
} from "./contact.js";
export { type CallOptions, CallStateError, type SimCall, type SimCallOutcome, type SimCallState, UnknownCallError } from "./calls.js";
export type { MediaClientAgents } from "./media-host.js";
export type { LinkedDevice } from "./pairing.js";
export type { GroupAddressing } from "./sim-state.js";
export { type Fault, Simulator, type SimulatorOptions } from "./simulator.js";
export { trustSimulatorRoot } from "./trust-root.js";
