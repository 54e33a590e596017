import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { describe, expect, inject, it } from "vitest";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { uniqueDbName } from "../support/ferretdb.js";
import { startTestGateway } from "../support/gateway.js";
import { bearer } from "../support/auth.js";

const mongodbUri = inject("mongodbUri");

/** Creates and updates accounts, restarts the gateway on the same store, and reads them back. */
async function survivesRestart(env: Record<string, string>) {
  const first = await startTestGateway(env);
  const client = createClient(AccountService, createConnectTransport({ baseUrl: first.baseUrl, httpVersion: "1.1", interceptors: [bearer()] }));
  await client.createAccount({ accountId: "kept", displayName: "Before" });
  await client.createAccount({ accountId: "gone" });
  const { account: updated } = await client.updateAccount({
    account: { accountId: "kept", displayName: "After" },
    updateMask: { paths: ["display_name"] },
  });
  await client.deleteAccount({ accountId: "gone" });
  await first.stop();

  const second = await startTestGateway(env);
  try {
    const again = createClient(AccountService, createConnectTransport({ baseUrl: second.baseUrl, httpVersion: "1.1", interceptors: [bearer()] }));
    expect((await again.getAccount({ accountId: "kept" })).account).toEqual(updated);
    expect((await again.listAccounts({})).accounts.map((a) => a.accountId)).toEqual(["kept"]);
  } finally {
    await second.stop();
  }
}

describe("accounts persist across a restart", () => {
  it("when the gateway restarts on the embedded store, then every account is as it was", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "wildcat-persist-"));
    try {
      await survivesRestart({ DATA_DIR: dataDir });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it.skipIf(!mongodbUri)("when the gateway restarts on MongoDB, then every account is as it was", async () => {
    const db = uniqueDbName("persist");
    try {
      await survivesRestart({ MONGODB_URI: mongodbUri, MONGODB_DB: db, AUTH_STATE_KEY: "a".repeat(64) });
    } finally {
      const client = await MongoClient.connect(mongodbUri);
      await client.db(db).dropDatabase();
      await client.close();
    }
  });
});
