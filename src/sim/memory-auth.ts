import {
  type AuthenticationState,
  initAuthCreds,
  proto,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from "@whiskeysockets/baileys";

/** A Map-backed Signal key store: Baileys' `useMultiFileAuthState` without the files. */
export function memoryKeyStore(): SignalKeyStore {
  const store = new Map<string, unknown>();
  return {
    get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
      const out: { [id: string]: SignalDataTypeMap[T] } = {};
      for (const id of ids) {
        let value = store.get(`${type}:${id}`);
        if (value === undefined) continue;
        // Baileys expects a proto instance here (as useMultiFileAuthState revives it)
        if (type === "app-state-sync-key") value = proto.Message.AppStateSyncKeyData.fromObject(value as object);
        out[id] = value as SignalDataTypeMap[T];
      }
      return out;
    },
    set: async (data: SignalDataSet) => {
      for (const [type, entries] of Object.entries(data)) {
        for (const [id, value] of Object.entries(entries ?? {})) {
          if (value) store.set(`${type}:${id}`, value);
          else store.delete(`${type}:${id}`);
        }
      }
    },
  };
}

/** Fresh in-memory auth state; Baileys mutates `creds` in place, so it survives reconnects. */
export function memoryAuthState(): AuthenticationState {
  return { creds: initAuthCreds(), keys: memoryKeyStore() };
}
