import { AccountService } from "../gen/wildcat/v1/account_service_pb.js";
import { MediaService } from "../gen/wildcat/v1/media_service_pb.js";
import { MessageService } from "../gen/wildcat/v1/message_service_pb.js";
import { WebhookService } from "../gen/wildcat/v1/webhook_service_pb.js";
import type { Clock } from "./clock.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { startServer, type RunningServer } from "./server/server.js";
import { AccountServiceImpl } from "./services/account-service.js";
import { openStore } from "./store/open-store.js";
import type { Store } from "./store/store.js";

export interface Gateway {
  readonly server: RunningServer;
  readonly store: Store;
  /** Graceful stop of the server, then the store. */
  close(): Promise<void>;
}

/** Wires store → services → server. Everything it needs comes in; nothing is global. */
export async function startGateway(config: Config, logger: Logger, clock: Clock): Promise<Gateway> {
  const store = await openStore(config);
  logger.info({ store: config.mongodbUri ? "mongodb" : "sqlite", db: config.mongodbUri ? config.mongodbDb : config.dataDir }, "store open");
  let server: RunningServer;
  try {
    server = await startServer(config, logger, [
      { service: AccountService, routes: (r) => r.service(AccountService, new AccountServiceImpl(store.accounts, clock)) },
      // Contract published in full; these answer `unimplemented` until their issues land.
      { service: MessageService, routes: (r) => r.service(MessageService, {}) },
      { service: MediaService, routes: (r) => r.service(MediaService, {}) },
      { service: WebhookService, routes: (r) => r.service(WebhookService, {}) },
    ]);
  } catch (e) {
    await store.close();
    throw e;
  }
  return {
    server,
    store,
    async close() {
      await server.shutdown();
      await store.close();
    },
  };
}
