/**
 * The byte layer under Baileys' auth state: one opaque (already encrypted) value per
 * (account, type, id). Serialization, encryption and per-account serialization of calls
 * live above it, in `auth/`, shared by every adapter.
 */

/** One row to write; `value: null` deletes the row. */
export interface AuthRecordWrite {
  type: string;
  id: string;
  value: Uint8Array | null;
}

/** A stored row. */
export interface AuthRecord {
  type: string;
  id: string;
  value: Uint8Array;
}

/**
 * Callers serialize calls per account (see `auth/store-auth-state.ts`); different accounts
 * may be used concurrently.
 */
export interface AuthRecordStore {
  /** The values stored for these ids of one type; missing ids are absent from the map. */
  read(accountId: string, type: string, ids: readonly string[]): Promise<Map<string, Uint8Array>>;
  /** Every row of the account (for key rotation). */
  readAll(accountId: string): Promise<AuthRecord[]>;
  /**
   * Applies every write or none of them, even if the process dies halfway; a failed write
   * throws (and whatever was journalled is completed before the account's next read).
   */
  write(accountId: string, writes: readonly AuthRecordWrite[]): Promise<void>;
  /** Removes every row (and pending journal) of the account. */
  clear(accountId: string): Promise<void>;
  /**
   * Forgets what this process assumed about the account's rows (that no journal is pending):
   * another process may have written them since. Called when this process takes the account
   * over (cluster mode); the next read then completes any journal first.
   */
  forget?(accountId: string): void;
}

/**
 * Fault injection for crash tests only: called after each row is written while a batch is
 * applied, with the number of rows written so far in that batch.
 */
export interface AuthWriteFaults {
  afterRowWritten?(rowsWritten: number): void;
}
