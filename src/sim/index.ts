/** The WhatsApp simulator's public surface (for the sandbox service and tests). */
export { ContactBook } from "./contact-book.js";
export { type ContactMessage, SimulatedContact, type SimulatedContactOptions } from "./contact.js";
export type { MediaClientAgents } from "./media-host.js";
export type { LinkedDevice } from "./pairing.js";
export { type Fault, Simulator, type SimulatorOptions } from "./simulator.js";
export { trustSimulatorRoot } from "./trust-root.js";
