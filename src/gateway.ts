import { AccountService } from "../gen/wildcat/v1/account_service_pb.js";
import { CallService } from "../gen/wildcat/v1/call_service_pb.js";
import { ChatService } from "../gen/wildcat/v1/chat_service_pb.js";
import { ContactService } from "../gen/wildcat/v1/contact_service_pb.js";
import { ProfileService } from "../gen/wildcat/v1/profile_service_pb.js";
import { GroupService } from "../gen/wildcat/v1/group_service_pb.js";
import { MediaService } from "../gen/wildcat/v1/media_service_pb.js";
import { MessageService } from "../gen/wildcat/v1/message_service_pb.js";
import { WebhookService } from "../gen/wildcat/v1/webhook_service_pb.js";
import type { UserFacingSocketConfig } from "@whiskeysockets/baileys";
import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { Clock } from "./clock.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { EventRetention } from "./events/event-retention.js";
import { startServer, type Mount, type RunningServer } from "./server/server.js";
import { MediaIngest } from "./media/media-ingest.js";
import { MediaLeases } from "./media/media-leases.js";
import { UploadSessions } from "./media/upload-sessions.js";
import { mediaHttpRoute } from "./server/media-http.js";
import { openApiRoute } from "./server/openapi-http.js";
import { AccountServiceImpl } from "./services/account-service.js";
import { CallTracker } from "./calls/call-tracker.js";
import { CallServiceImpl } from "./services/call-service.js";
import { ChatServiceImpl } from "./services/chat-service.js";
import { ChatSync } from "./chats/chat-sync.js";
import { ContactServiceImpl } from "./services/contact-service.js";
import { ProfileServiceImpl } from "./services/profile-service.js";
import { PresenceTracker } from "./presence/presence-tracker.js";
import { ContactTracker } from "./contacts/contact-tracker.js";
import { GroupServiceImpl } from "./services/group-service.js";
import { GroupTracker } from "./groups/group-tracker.js";
import { MediaServiceImpl } from "./services/media-service.js";
import { Messaging } from "./messaging/messaging.js";
import { MessageServiceImpl } from "./services/message-service.js";
import { WebhookServiceImpl } from "./services/webhook-service.js";
import { AddressGuard } from "./webhooks/address-guard.js";
import { WebhookDispatcher } from "./webhooks/dispatcher.js";
import { WebhookFanout } from "./webhooks/fanout.js";
import { openAuthCipher, openStoreWhenReachable } from "./store/open-store.js";
import { StoreHealth } from "./store/store-health.js";
import { ApiKeyService } from "../gen/wildcat/v1/api_key_service_pb.js";
import { ApiKeys } from "./auth/api-keys.js";
import { authInterceptor } from "./auth/auth-interceptor.js";
import { Authenticator } from "./auth/authenticator.js";
import { DownloadUrls } from "./auth/download-urls.js";
import { ApiKeyServiceImpl } from "./services/api-key-service.js";
import { ClusterService } from "../gen/wildcat/v1/cluster_service_pb.js";
import { ClusterServiceImpl } from "./services/cluster-service.js";
import type { HistorySyncPolicy, Store } from "./store/store.js";
import { SocketManager } from "./whatsapp/socket-manager.js";
import { instrumentStore } from "./metrics/instrument-store.js";
import { Metrics } from "./metrics/metrics.js";
import { metricsRoute } from "./server/metrics-http.js";
import { consoleRoute } from "./server/console-http.js";
import { FencedAuthState } from "./cluster/fenced-auth-state.js";
import { fencedEvents, fencedMessages } from "./cluster/fenced-writes.js";
import { Forwarder } from "./cluster/forwarding.js";
import { Ownership } from "./cluster/ownership.js";

export interface Gateway {
  readonly server: RunningServer;
  readonly store: Store;
  readonly sockets: SocketManager;
  readonly messaging: Messaging;
  /** API keys: what every call authenticates with. */
  readonly apiKeys: ApiKeys;
  /** Holds on stored files that pending sends need (DeleteMedia refuses held files). */
  readonly mediaLeases: MediaLeases;
  /** The Prometheus metrics served at GET /metrics. */
  readonly metrics: Metrics;
  /** Resolves when the accounts connected before the last stop have been restored. */
  readonly restored: Promise<number>;
  /** Cluster mode (ADVERTISE_URL set): which accounts this process owns. */
  readonly ownership?: Ownership;
  /** Cluster mode: calls answered here vs. forwarded to owners. */
  readonly forwarder?: Forwarder;
  /** Graceful stop: the server, then unfinished uploads (their bytes removed), the sockets (no logout), the store. */
  close(): Promise<void>;
}

/** What only sandbox mode and tests add: the simulator's Baileys options and SandboxService. */
export interface GatewayExtras {
  socketOptions?: Partial<UserFacingSocketConfig>;
  mounts?: Mount[];
}

/** Wires store → socket manager → services → server. Everything it needs comes in; nothing is global. */
export async function startGateway(config: Config, logger: Logger, clock: Clock, extras: GatewayExtras = {}): Promise<Gateway> {
  const authCipher = openAuthCipher(config);
  const metrics = new Metrics();
  // Everything below sees the counting store; the gauges read the store itself.
  const rawStore = await openStoreWhenReachable(config, authCipher, logger, config.storeCheckMs);
  const store = instrumentStore(rawStore, metrics);
  const storeHealth = new StoreHealth(() => rawStore.ping(), { intervalMs: config.storeCheckMs, timeoutMs: config.storeTimeoutMs }, logger);
  metrics.watchStore(rawStore, clock);
  const apiKeys = new ApiKeys(store.apiKeys, clock, logger, { cacheMs: config.apiKeyCacheMs });
  try {
    await apiKeys.bootstrap({ adminKey: config.adminKey, adminKeyFile: config.adminKeyFile, dataDir: config.dataDir });
  } catch (e) {
    await store.close();
    throw e;
  }
  const authenticator = new Authenticator(apiKeys, clock, {
    ratePerSecond: config.apiKeyRatePerSecond,
    failures: { slowAfter: config.authFailureSlowAfter, limit: config.authFailureLimit, windowMs: config.authFailureWindowMs },
  });
  const downloadUrls = new DownloadUrls(authCipher.purposeKey("download urls"));
  // Cluster mode: what an account's socket writes (auth state, messages, events, its state)
  // is fenced by the account's lease, so a process that lost the account writes nothing more.
  const ownership = config.advertiseUrl
    ? new Ownership(store.leases, store.accounts, clock, logger, {
        advertiseUrl: config.advertiseUrl,
        ttlMs: config.accountLeaseTtlMs,
        maxAccounts: config.maxAccountsPerProcess,
        // Another process may have written the account's auth rows since this one last read them.
        onAcquired: (accountId) => store.authRecords.forget?.(accountId),
      })
    : undefined;
  const forwarder = ownership && new Forwarder(ownership, logger);
  const check = (accountId: string) => ownership!.check(accountId);
  const pipeline: Store = ownership
    ? {
        ...store,
        authState: new FencedAuthState(store.authState, store.leases, (id) => ownership.leaseOf(id), () => clock.now()),
        events: fencedEvents(store.events, check),
        messages: fencedMessages(store.messages, check),
      }
    : store;
  const routed = <S extends DescService>(service: S, impl: ServiceImpl<S>): ServiceImpl<S> => (forwarder ? forwarder.wrap(service, impl) : impl);
  const socketOptions = extras.socketOptions ?? {};
  const mediaLeases = new MediaLeases();
  const defaultMediaPolicy = { mode: config.mediaDownload, types: config.mediaDownloadTypes, maxBytes: config.mediaDownloadMaxBytes };
  const historyPolicy = async (accountId: string): Promise<HistorySyncPolicy> => {
    const own = (await store.accounts.get(accountId))?.historySync;
    return { mode: own?.mode ?? config.historySync, recentDays: own?.recentDays || config.historySyncRecentDays };
  };
  const messaging = new Messaging({
    ...pipeline,
    clock,
    logger,
    mediaFetchOptions: socketOptions.options,
    inboundMedia: {
      concurrency: config.mediaDownloadConcurrency,
      attempts: config.mediaDownloadAttempts,
      retryBaseMs: 1_000,
      maxBytes: config.mediaMaxBytes,
      resumeWithinMs: config.mediaDownloadResumeHours * 3600_000,
    },
    mediaPolicy: async (accountId) => (await store.accounts.get(accountId))?.mediaDownload ?? defaultMediaPolicy,
    historyPolicy,
    // contactTracker is made below; history only arrives once sockets run
    historyContacts: (accountId, sock, contacts) => contactTracker.fromHistory(accountId, sock, contacts),
    leases: mediaLeases,
    storeHealth,
  });
  const groupTracker = new GroupTracker({ groups: store.groups, events: pipeline.events, clock, logger });
  const presenceTracker = new PresenceTracker({ events: pipeline.events, clock, logger });
  const contactTracker = new ContactTracker({
    contacts: store.contacts,
    media: store.media,
    events: pipeline.events,
    clock,
    logger,
    maxPictureBytes: config.profilePictureMaxBytes,
    fetchOptions: socketOptions.options,
  });
  const callTracker = new CallTracker({ events: pipeline.events, accounts: store.accounts, messaging, clock, logger });
  const chatSync = new ChatSync({ chats: store.chats, messages: pipeline.messages, events: pipeline.events, clock, logger });
  const sockets = new SocketManager(pipeline, clock, logger, {
    backoff: { baseMs: config.reconnectBaseMs, maxMs: config.reconnectMaxMs, maxAttempts: config.reconnectMaxAttempts },
    restoreConcurrency: config.restoreConcurrency,
    watchBuffer: config.watchBuffer,
    socketOptions,
    attach: (accountId, sock) => {
      messaging.attach(accountId, sock);
      groupTracker.attach(accountId, sock);
      presenceTracker.attach(accountId, sock);
      contactTracker.attach(accountId, sock);
      callTracker.attach(accountId, sock);
      chatSync.attach(accountId, sock);
    },
    getMessage: (accountId, key) => messaging.getMessage(accountId, key),
    settled: (accountId) => messaging.idle(accountId),
    storeHealth,
    ownership,
  });
  const mediaIngest = new MediaIngest(store.media, clock, config.mediaMaxBytes);
  const uploads = new UploadSessions(mediaIngest, clock, { ttlMs: config.mediaUploadTtlMs, maxOpen: config.mediaUploadMaxOpen }, logger);
  const dispatcher = new WebhookDispatcher(
    { ...store, clock, logger },
    {
      workers: config.webhookWorkers,
      endpointConcurrency: config.webhookEndpointConcurrency,
      leaseMs: config.webhookLeaseMs,
      timeoutMs: config.webhookTimeoutMs,
      retry: { schedule: config.webhookRetrySchedule, jitter: 0.2 },
      disableAfterMs: config.webhookDisableAfterHours * 3600_000,
      pollMs: config.webhookPollMs,
      guard: new AddressGuard(config.webhookAllowHosts),
    },
  );
  const fanout = new WebhookFanout({ ...store, clock, logger, onEnqueued: () => dispatcher.wake() });
  logger.info({ store: config.mongodbUri ? "mongodb" : "sqlite", db: config.mongodbUri ? config.mongodbDb : config.dataDir }, "store open");
  let server: RunningServer;
  try {
    server = await startServer(config, logger, [
      { service: AccountService, routes: (r) => r.service(AccountService, routed(AccountService, new AccountServiceImpl(store.accounts, sockets, clock, [store.messages, store.media, store.chats, store.groups, store.contacts], ownership))) },
      {
        service: MessageService,
        routes: (r) =>
          r.service(
            MessageService,
            routed(MessageService, new MessageServiceImpl({
              messaging,
              sockets,
              ...store,
              clock,
              streamBuffer: config.streamBuffer,
              streamStallMs: config.streamStallMs,
              sendRatePerMinute: config.sendRatePerMinute,
              streamReaders: metrics.streamReaders,
            })),
            {
            // Per-message gzip for every subscriber of small events costs more than it saves.
            compressMinBytes: config.streamCompression ? 1024 : Number.MAX_SAFE_INTEGER,
          }),
      },
      {
        service: MediaService,
        routes: (r) =>
          r.service(MediaService, new MediaServiceImpl({ media: store.media, accounts: store.accounts, ingest: mediaIngest, uploads, leases: mediaLeases, downloadUrls, clock }), {
            // Files are mostly compressed already (JPEG, MP4, Opus): gzip would cost CPU for nothing.
            compressMinBytes: Number.MAX_SAFE_INTEGER,
          }),
      },
      { service: WebhookService, routes: (r) => r.service(WebhookService, new WebhookServiceImpl({ ...store, clock, dispatcher })) },
      { service: GroupService, routes: (r) => r.service(GroupService, routed(GroupService, new GroupServiceImpl({ sockets, groups: store.groups, accounts: store.accounts, clock, tracker: groupTracker }))) },
      {
        service: ChatService,
        routes: (r) => r.service(ChatService, routed(ChatService, new ChatServiceImpl({ chats: store.chats, accounts: store.accounts, sockets, messages: store.messages, sync: chatSync, clock, historyPolicy }))),
      },
      { service: ContactService, routes: (r) => r.service(ContactService, routed(ContactService, new ContactServiceImpl({ sockets, contacts: store.contacts, accounts: store.accounts, tracker: contactTracker }))) },
      { service: ProfileService, routes: (r) => r.service(ProfileService, routed(ProfileService, new ProfileServiceImpl({ sockets, media: store.media, maxPictureBytes: config.profilePictureMaxBytes }))) },
      { service: CallService, routes: (r) => r.service(CallService, routed(CallService, new CallServiceImpl({ sockets, tracker: callTracker }))) },
      { service: ApiKeyService, routes: (r) => r.service(ApiKeyService, new ApiKeyServiceImpl(apiKeys, clock)) },
      { service: ClusterService, routes: (r) => r.service(ClusterService, new ClusterServiceImpl(ownership)) },
      ...(extras.mounts ?? []),
    ], {}, [
      mediaHttpRoute(store.media, logger, { authenticator, downloadUrls, clock }),
      openApiRoute(),
      metricsRoute(metrics, authenticator, logger),
      consoleRoute(),
    ], authInterceptor(authenticator, logger), metrics);
  } catch (e) {
    await store.close();
    throw e;
  }
  const retention = new EventRetention(
    store.events,
    store.messages,
    {
      maxAgeMs: config.eventRetentionHours * 3600_000,
      maxEvents: config.eventRetentionMaxEvents,
      intervalMs: config.eventPruneIntervalMs,
      requestIdMaxAgeMs: config.requestIdRetentionHours * 3600_000,
    },
    clock,
    logger,
  );
  storeHealth.onChange((available) => server.health.setStoreAvailable(available));
  storeHealth.start();
  retention.start();
  apiKeys.start();
  uploads.startSweeper();
  fanout.start();
  dispatcher.start();
  // Serving first, restoring after: health and the API answer while accounts reconnect.
  const restored = sockets.restore().catch((e: unknown) => {
    logger.error({ err: e }, "restoring accounts failed");
    return 0;
  });
  return {
    server,
    store,
    sockets,
    messaging,
    apiKeys,
    mediaLeases,
    metrics,
    restored,
    ownership,
    forwarder,
    async close() {
      await server.shutdown();
      storeHealth.stop();
      // Attempts in flight are aborted; their leases expire and they are retried, never lost.
      await dispatcher.stop();
      await fanout.stop();
      // Unfinished resumable uploads die with the process: remove their bytes now.
      await uploads.stop();
      await sockets.shutdown();
      // What the closed sockets handed over is written while this process still holds the
      // leases; then they are released: the next owner takes over at once, and a device never
      // has two connections.
      await messaging.idle();
      await groupTracker.idle();
      await contactTracker.idle();
      await callTracker.idle();
      await ownership?.stop();
      await messaging.inboundMedia.stop();
      await restored;
      await retention.stop();
      await apiKeys.stop();
      await store.close();
    },
  };
}
