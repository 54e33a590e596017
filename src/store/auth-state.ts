import type { AuthenticationState } from "@whiskeysockets/baileys";

/** Baileys' auth state for one account, kept in the store, encrypted at rest. */
export interface LoadedAuthState {
  state: AuthenticationState;
  /** Persists `state.creds` (Baileys emits `creds.update`; call this then). */
  saveCreds(): Promise<void>;
}

export interface AuthStateStore {
  /** The account's state; fresh creds when none are stored. Throws AuthStateKeyError on a wrong key. */
  load(accountId: string): Promise<LoadedAuthState>;
  /** Whether the account has stored creds (it has been linked or is linking). */
  exists(accountId: string): Promise<boolean>;
  /** Removes every key and the creds (logout, account deletion). */
  delete(accountId: string): Promise<void>;
  /** Re-encrypts every row of the account with the current master key; returns rows rewritten. */
  rotate(accountId: string): Promise<number>;
}

/** Auth state cannot be decrypted with the configured key(s). Never a reason to re-pair silently. */
export class AuthStateKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthStateKeyError";
  }
}
