import type { Protocol } from "./api.js";

/**
 * What the console remembers, in this tab's session storage only: the API key (never in a URL,
 * never in local storage, gone when the tab closes), the protocol, and per account the cursor of
 * the last event shown, so a reload resumes the live feed exactly where it was.
 */
const KEY = "wildcat.key";
const PROTOCOL = "wildcat.protocol";
const GATEWAY = "wildcat.gateway";
const cursorKey = (accountId: string) => `wildcat.cursor.${accountId}`;

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
  cursor: (accountId: string): string | null => sessionStorage.getItem(cursorKey(accountId)),
  setCursor(accountId: string, cursor: string | undefined): void {
    if (cursor) sessionStorage.setItem(cursorKey(accountId), cursor);
    else sessionStorage.removeItem(cursorKey(accountId));
  },
};
