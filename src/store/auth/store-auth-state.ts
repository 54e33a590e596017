import {
  BufferJSON,
  initAuthCreds,
  proto,
  type AuthenticationCreds,
  type SignalDataSet,
  type SignalDataTypeMap,
} from "@whiskeysockets/baileys";
import type { AuthRecordStore, AuthRecordWrite } from "../auth-records.js";
import type { AuthStateStore, LoadedAuthState } from "../auth-state.js";
import type { AuthCipher } from "./auth-cipher.js";
import { KeyedMutex } from "../keyed-mutex.js";

const CREDS_TYPE = "creds";
const CREDS_ID = "creds";

/**
 * Baileys' AuthenticationState over any {@link AuthRecordStore}: values serialized with
 * Baileys' own BufferJSON (so every Buffer/Uint8Array round-trips byte for byte), sealed by
 * the {@link AuthCipher}, and every get/set/saveCreds of one account run one at a time so a
 * read never observes half of a concurrent batch from this process.
 */
export class StoreAuthState implements AuthStateStore {
  readonly #records: AuthRecordStore;
  readonly #cipher: AuthCipher | undefined;
  readonly #mutex = new KeyedMutex();

  /** Without a cipher every call throws: the store was opened without a master key. */
  constructor(records: AuthRecordStore, cipher: AuthCipher | undefined) {
    this.#records = records;
    this.#cipher = cipher;
  }

  async load(accountId: string): Promise<LoadedAuthState> {
    const cipher = this.#needCipher();
    const stored = await this.#mutex.run(accountId, () => this.#records.read(accountId, CREDS_TYPE, [CREDS_ID]));
    const sealed = stored.get(CREDS_ID);
    const creds: AuthenticationCreds = sealed
      ? (decode(cipher.open(accountId, CREDS_TYPE, CREDS_ID, sealed)) as AuthenticationCreds)
      : initAuthCreds();
    const write = (writes: AuthRecordWrite[]) => this.#mutex.run(accountId, () => this.#records.write(accountId, writes));
    return {
      state: {
        creds,
        keys: {
          get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
            const rows = await this.#mutex.run(accountId, () => this.#records.read(accountId, type, ids));
            const out: { [id: string]: SignalDataTypeMap[T] } = {};
            for (const [id, value] of rows) {
              let data = decode(cipher.open(accountId, type, id, value));
              if (type === "app-state-sync-key") data = proto.Message.AppStateSyncKeyData.fromObject(data as object);
              out[id] = data as SignalDataTypeMap[T];
            }
            return out;
          },
          set: async (data: SignalDataSet) => {
            const writes: AuthRecordWrite[] = [];
            for (const [type, entries] of Object.entries(data)) {
              for (const [id, value] of Object.entries(entries ?? {})) {
                writes.push({
                  type,
                  id,
                  value: value === null || value === undefined ? null : cipher.seal(accountId, type, id, encode(value)),
                });
              }
            }
            if (writes.length > 0) await write(writes);
          },
          clear: () => this.#mutex.run(accountId, () => this.#records.clear(accountId)),
        },
      },
      saveCreds: () =>
        write([{ type: CREDS_TYPE, id: CREDS_ID, value: cipher.seal(accountId, CREDS_TYPE, CREDS_ID, encode(creds)) }]),
    };
  }

  async exists(accountId: string): Promise<boolean> {
    const rows = await this.#mutex.run(accountId, () => this.#records.read(accountId, CREDS_TYPE, [CREDS_ID]));
    return rows.has(CREDS_ID);
  }

  delete(accountId: string): Promise<void> {
    return this.#mutex.run(accountId, () => this.#records.clear(accountId));
  }

  rotate(accountId: string): Promise<number> {
    const cipher = this.#needCipher();
    return this.#mutex.run(accountId, async () => {
      const stale = (await this.#records.readAll(accountId)).filter((row) => cipher.isStale(row.value));
      const writes = stale.map((row) => ({
        type: row.type,
        id: row.id,
        value: cipher.seal(accountId, row.type, row.id, cipher.open(accountId, row.type, row.id, row.value)),
      }));
      // One batch: all-or-nothing, so a crash mid-rotation leaves every row readable.
      if (writes.length > 0) await this.#records.write(accountId, writes);
      return writes.length;
    });
  }

  #needCipher(): AuthCipher {
    if (!this.#cipher) throw new Error("auth state needs a master key: open the store with an AuthCipher");
    return this.#cipher;
  }
}

function encode(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, BufferJSON.replacer), "utf8");
}

function decode(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString("utf8"), BufferJSON.reviver);
}
