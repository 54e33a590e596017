import type { Protocol } from "./api.js";

/**
 * What the console remembers, in this tab's session storage only: the API key (never in a URL,
 * never in local storage, gone when the tab closes), the protocol, the gateway, and the cursor of
 * the last event received, so a reload resumes the live feed exactly where it was.
 */
const KEY = "wildcat.key";
const PROTOCOL = "wildcat.protocol";
const GATEWAY = "wildcat.gateway";
const CURSOR = "wildcat.cursor";

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  protocol: (): Protocol => (sessionStorage.getItem(PROTOCOL) === "grpc-web" ? "grpc-web" : "connect"),
  /** The gateway's base URL: the page's own origin unless the person named another. */
  gateway: (): string => sessionStorage.getItem(GATEWAY) ?? location.origin,
  signIn(key: string, protocol: Protocol, gateway: string): void {
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(PROTOCOL, protocol);
    sessionStorage.setItem(GATEWAY, gateway);
  },
  signOut(): void {
    sessionStorage.clear();
  },
  cursor: (): string | null => sessionStorage.getItem(CURSOR),
  setCursor(cursor: string | undefined): void {
    if (cursor) sessionStorage.setItem(CURSOR, cursor);
    else sessionStorage.removeItem(CURSOR);
  },
};
