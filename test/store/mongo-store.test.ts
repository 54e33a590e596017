import { MongoClient } from "mongodb";
import { describe, inject } from "vitest";
import { openMongoStore } from "../../src/store/mongo/mongo-store.js";
import { uniqueDbName } from "../support/ferretdb.js";
import { accountStoreContract } from "./account-store.contract.js";
import { authStateContract } from "./contracts/auth-state.contract.js";
import { eventLogContract } from "./contracts/events.contract.js";
import { apiKeysContract } from "./contracts/api-keys.contract.js";
import { leasesContract } from "./contracts/leases.contract.js";
import { mediaContract } from "./contracts/media.contract.js";
import { messagesContract } from "./contracts/messages.contract.js";
import { webhooksContract } from "./contracts/webhooks.contract.js";
import { groupsContract } from "./contracts/groups.contract.js";
import { mongoAdapter } from "./harness.js";

const uri = inject("mongodbUri");

describe.skipIf(!uri)("MongoDB adapter", () => {
  accountStoreContract("MongoDB", async () => {
    const dbName = uniqueDbName("mongo_store");
    return {
      store: await openMongoStore(uri, dbName),
      reopen: () => openMongoStore(uri, dbName),
      cleanup: async () => {
        const client = new MongoClient(uri);
        try {
          await client.db(dbName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });
  const adapter = mongoAdapter(uri);
  authStateContract("MongoDB", adapter);
  messagesContract("MongoDB", adapter);
  eventLogContract("MongoDB", adapter);
  mediaContract("MongoDB", adapter);
  webhooksContract("MongoDB", adapter);
  groupsContract("MongoDB", adapter);
  leasesContract("MongoDB", adapter);
  apiKeysContract("MongoDB", adapter);
});
