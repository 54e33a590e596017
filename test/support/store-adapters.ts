import { ConnectError } from "@connectrpc/connect";
import { randomBytes } from "node:crypto";
import { uniqueDbName } from "./ferretdb.js";

/** One store adapter a gateway test runs on: its name, whether it is unavailable, and the env that selects it. */
export interface GatewayStore {
  name: string;
  skip: boolean;
  env(): Record<string, string>;
}

/**
 * The adapters a gateway test that stores something runs on: the embedded SQLite store always, and
 * MongoDB (FerretDB, a database of its own) when the suite started one (`inject("mongodbUri")`).
 */
export function gatewayStores(mongodbUri: string | undefined, dbPrefix: string): GatewayStore[] {
  return [
    { name: "the embedded store (SQLite)", skip: false, env: () => ({}) },
    {
      name: "MongoDB (FerretDB)",
      skip: !mongodbUri,
      env: () => ({ MONGODB_URI: mongodbUri!, MONGODB_DB: uniqueDbName(dbPrefix), AUTH_STATE_KEY: randomBytes(32).toString("hex") }),
    },
  ];
}

/** The error a call failed with, for matching its code and message; throws if the call succeeded. */
export async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("the call succeeded");
}
