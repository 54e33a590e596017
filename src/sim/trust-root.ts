import { WA_CERT_DETAILS } from "@whiskeysockets/baileys";

let trusted = false;

/**
 * Makes every Baileys socket in this process accept Noise certificates issued by the simulator's
 * root key instead of WhatsApp's. Baileys reads `WA_CERT_DETAILS.PUBLIC_KEY` at handshake time, so
 * the patch is process-wide: ONLY sandbox and test processes (which never talk to the real
 * WhatsApp) may call this. A production gateway process must never call it.
 */
export function trustSimulatorRoot(publicKey: Uint8Array): void {
  (WA_CERT_DETAILS as { PUBLIC_KEY: Buffer }).PUBLIC_KEY = Buffer.from(publicKey);
  trusted = true;
}

/** True once this process trusts the simulator: it must then never open a socket to real WhatsApp. */
export function simulatorRootTrusted(): boolean {
  return trusted;
}
