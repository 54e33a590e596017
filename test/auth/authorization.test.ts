import { readdirSync } from "node:fs";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Permission } from "../../gen/wildcat/v1/api_key_pb.js";
import { ApiKeyService } from "../../gen/wildcat/v1/api_key_service_pb.js";
import { MediaService } from "../../gen/wildcat/v1/media_service_pb.js";
import { SandboxService } from "../../gen/wildcat/v1/sandbox_service_pb.js";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import type { Permission as StoredPermission } from "../../src/auth/principal.js";
import { RULES } from "../../src/auth/rules.js";
import { SandboxServiceImpl } from "../../src/services/sandbox-service.js";
import { ContactBook } from "../../src/sim/contact-book.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { simulatorSocketOptions } from "../../src/sim/socket-options.js";
import { bearer } from "../support/auth.js";
import { startTestGateway, type TestGateway } from "../support/gateway.js";
import { startTrustedSimulator } from "../support/sim-gateway.js";
import { receivedEvent } from "../webhooks/events.js";

/**
 * The authorization table: every method of every wildcat.v1 service, found in the generated
 * descriptors (a new *_service_pb.ts is picked up by itself), is called with no key, with a
 * key lacking the rule's permission, with a key whose scope leaves out the account the call
 * is about, and with the right key. A method without a rule in src/auth/rules.ts, or without
 * a sample request here, fails.
 */

const GEN = new URL("../../gen/wildcat/v1/", import.meta.url);

async function allServices(): Promise<DescService[]> {
  const services: DescService[] = [];
  for (const file of readdirSync(GEN).filter((f) => f.endsWith("_service_pb.ts"))) {
    const mod = (await import(new URL(file.replace(/\.ts$/, ".js"), GEN).href)) as Record<string, unknown>;
    for (const v of Object.values(mod)) if ((v as DescService | undefined)?.kind === "service") services.push(v as DescService);
  }
  return services;
}

const ALL_PERMISSIONS: StoredPermission[] = ["accounts", "send", "read", "webhooks"];
const WIRE: Record<StoredPermission, Permission> = {
  admin: Permission.ADMIN,
  accounts: Permission.ACCOUNTS,
  send: Permission.SEND,
  read: Permission.READ,
  webhooks: Permission.WEBHOOKS,
};

/** The account every sample is about; "other" is the one the out-of-scope key may use. */
const ACME = "acme";

interface Fixtures {
  account(id: string): Promise<void>;
  media(accountId: string): Promise<string>;
  upload(accountId: string): Promise<string>;
  webhook(accountIds: string[]): Promise<string>;
  apiKey(): Promise<string>;
  event(accountId: string): Promise<string>;
}

/**
 * What a key whose scope leaves out ACME gets: refused as `permission_denied` (the request
 * names the account), answered `not_found` (a resource of the account, addressed by its id),
 * a list without ACME in it, or nothing to check (admin methods: admin keys have every account).
 */
type OutOfScope = "denied" | "not_found" | { filtered: (response: any) => string[] } | "admin";

interface Sample {
  request: (f: Fixtures) => Promise<unknown>;
  outOfScope: OutOfScope;
}

const named = (request: (f: Fixtures) => Promise<unknown>): Sample => ({ request, outOfScope: "denied" });
const byId = (request: (f: Fixtures) => Promise<unknown>): Sample => ({ request, outOfScope: "not_found" });
const admin = (request: (f: Fixtures) => Promise<unknown>): Sample => ({ request, outOfScope: "admin" });
const withAcme = async (f: Fixtures) => (await f.account(ACME), { accountId: ACME });
const chat = "15550001111@s.whatsapp.net";
const group = "120363000000000001@g.us";

const SAMPLES: Record<string, Sample> = {
  "wildcat.v1.AccountService/CreateAccount": named(async () => ({ accountId: `${ACME}` })),
  "wildcat.v1.AccountService/GetAccount": named(withAcme),
  "wildcat.v1.AccountService/ListAccounts": {
    request: async (f) => (await f.account(ACME), {}),
    outOfScope: { filtered: (r: { accounts: { accountId: string }[] }) => r.accounts.map((a) => a.accountId) },
  },
  "wildcat.v1.AccountService/UpdateAccount": named(async (f) => (await f.account(ACME), { account: { accountId: ACME, displayName: "x" }, updateMask: { paths: ["display_name"] } })),
  "wildcat.v1.AccountService/DeleteAccount": named(withAcme),
  "wildcat.v1.AccountService/ConnectAccount": named(withAcme),
  "wildcat.v1.AccountService/DisconnectAccount": named(withAcme),
  "wildcat.v1.AccountService/LogoutAccount": named(withAcme),
  "wildcat.v1.AccountService/RequestPairingCode": named(async (f) => (await f.account(ACME), { accountId: ACME, phoneNumber: "+15550002222" })),
  "wildcat.v1.AccountService/WatchAccount": named(withAcme),
  "wildcat.v1.MessageService/SendMessage": named(async (f) => (await f.account(ACME), { accountId: ACME, to: chat, content: { case: "text", value: { body: "hi" } } })),
  "wildcat.v1.MessageService/EditMessage": named(async (f) => (await f.account(ACME), { accountId: ACME, chatJid: chat, messageId: "M1", text: "x" })),
  "wildcat.v1.MessageService/DeleteMessage": named(async (f) => (await f.account(ACME), { accountId: ACME, chatJid: chat, messageId: "M1" })),
  "wildcat.v1.MessageService/MarkRead": named(async (f) => (await f.account(ACME), { accountId: ACME, chatJid: chat, messageIds: ["M1"] })),
  "wildcat.v1.MessageService/SendPresence": named(async (f) => (await f.account(ACME), { accountId: ACME, presence: 1 })),
  "wildcat.v1.MessageService/GetMessage": named(async (f) => (await f.account(ACME), { accountId: ACME, chatJid: chat, messageId: "M1" })),
  "wildcat.v1.MessageService/ListMessages": named(withAcme),
  "wildcat.v1.MessageService/StreamMessages": named(async (f) => (await f.event(ACME), { accountIds: [ACME], start: 2 })),
  "wildcat.v1.MediaService/UploadMedia": named(async (f) => {
    await f.account(ACME);
    return [{ part: { case: "metadata", value: { accountId: ACME, mimeType: "text/plain" } } }, { part: { case: "chunk", value: new TextEncoder().encode("hello") } }];
  }),
  "wildcat.v1.MediaService/StartUpload": named(async (f) => (await f.account(ACME), { metadata: { accountId: ACME, mimeType: "text/plain", sizeBytes: 5n } })),
  "wildcat.v1.MediaService/AppendUpload": byId(async (f) => ({ uploadId: await f.upload(ACME), offset: 0n, chunk: new TextEncoder().encode("hello") })),
  "wildcat.v1.MediaService/FinishUpload": byId(async (f) => ({ uploadId: await f.upload(ACME) })),
  "wildcat.v1.MediaService/GetUpload": byId(async (f) => ({ uploadId: await f.upload(ACME) })),
  "wildcat.v1.MediaService/DownloadMedia": byId(async (f) => ({ mediaId: await f.media(ACME) })),
  "wildcat.v1.MediaService/GetMedia": byId(async (f) => ({ mediaId: await f.media(ACME) })),
  "wildcat.v1.MediaService/ListMedia": named(withAcme),
  "wildcat.v1.MediaService/DeleteMedia": byId(async (f) => ({ mediaId: await f.media(ACME) })),
  "wildcat.v1.MediaService/CreateDownloadUrl": byId(async (f) => ({ mediaId: await f.media(ACME) })),
  "wildcat.v1.WebhookService/CreateWebhook": named(async () => ({ url: "http://127.0.0.1:9/hook", accountIds: [ACME] })),
  "wildcat.v1.WebhookService/GetWebhook": byId(async (f) => ({ webhookId: await f.webhook([ACME]) })),
  "wildcat.v1.WebhookService/ListWebhooks": {
    request: async (f) => (await f.webhook([ACME]), {}),
    outOfScope: { filtered: (r: { webhooks: { accountIds: string[] }[] }) => r.webhooks.flatMap((w) => (w.accountIds.length ? w.accountIds : ["(all)"])) },
  },
  "wildcat.v1.WebhookService/UpdateWebhook": byId(async (f) => ({ webhook: { webhookId: await f.webhook([ACME]), description: "x" }, updateMask: { paths: ["description"] } })),
  "wildcat.v1.WebhookService/DeleteWebhook": byId(async (f) => ({ webhookId: await f.webhook([ACME]) })),
  "wildcat.v1.WebhookService/RotateWebhookSecret": byId(async (f) => ({ webhookId: await f.webhook([ACME]) })),
  "wildcat.v1.WebhookService/TestWebhook": byId(async (f) => ({ webhookId: await f.webhook([ACME]) })),
  "wildcat.v1.WebhookService/ListWebhookDeliveries": byId(async (f) => ({ webhookId: await f.webhook([ACME]) })),
  "wildcat.v1.WebhookService/RedeliverWebhookEvent": byId(async (f) => ({ webhookId: await f.webhook([ACME]), eventId: await f.event(ACME) })),
  // acme is not connected: the calls that need WhatsApp end in failed_precondition, past auth.
  "wildcat.v1.ChatService/ListChats": named(withAcme),
  "wildcat.v1.ChatService/GetChat": named(async (f) => (await f.account(ACME), { accountId: ACME, chatJid: chat })),
  "wildcat.v1.ContactService/ListContacts": named(withAcme),
  "wildcat.v1.ContactService/GetContact": named(async (f) => (await f.account(ACME), { accountId: ACME, contact: "+15550001111" })),
  "wildcat.v1.ProfileService/SetProfileName": named(async (f) => (await f.account(ACME), { accountId: ACME, name: "Acme" })),
  "wildcat.v1.ProfileService/SetProfileAbout": named(async (f) => (await f.account(ACME), { accountId: ACME, about: "Open" })),
  "wildcat.v1.ProfileService/SetProfilePicture": named(async (f) => ({ accountId: ACME, mediaId: await f.media(ACME) })),
  "wildcat.v1.ProfileService/RemoveProfilePicture": named(withAcme),
  "wildcat.v1.ProfileService/GetPrivacySettings": named(withAcme),
  "wildcat.v1.ProfileService/UpdatePrivacySettings": named(async (f) => (await f.account(ACME), { accountId: ACME, settings: { lastSeen: 2 } })),
  "wildcat.v1.ChatService/ArchiveChat": named(async (f) => (await f.account(ACME), { accountId: ACME, chatJid: chat, archived: true })),
  "wildcat.v1.ChatService/PinChat": named(async (f) => (await f.account(ACME), { accountId: ACME, chatJid: chat, pinned: true })),
  "wildcat.v1.ChatService/MuteChat": named(async (f) => (await f.account(ACME), { accountId: ACME, chatJid: chat, until: { case: "duration", value: { seconds: 3600n } } })),
  "wildcat.v1.ChatService/UnmuteChat": named(async (f) => (await f.account(ACME), { accountId: ACME, chatJid: chat })),
  "wildcat.v1.ChatService/MarkChatUnread": named(async (f) => (await f.account(ACME), { accountId: ACME, chatJid: chat, unread: true })),
  "wildcat.v1.ChatService/DeleteChat": named(async (f) => (await f.account(ACME), { accountId: ACME, chatJid: chat })),
  "wildcat.v1.ChatService/StarMessage": named(async (f) => (await f.account(ACME), { accountId: ACME, chatJid: chat, messageId: "M1", starred: true })),
  "wildcat.v1.ChatService/RequestHistory": named(async (f) => (await f.account(ACME), { accountId: ACME, chatJid: chat, count: 5 })),
  "wildcat.v1.ContactService/CheckNumbers": named(async (f) => (await f.account(ACME), { accountId: ACME, numbers: ["+15550001111"] })),
  "wildcat.v1.ContactService/GetContactProfile": named(async (f) => (await f.account(ACME), { accountId: ACME, contact: "+15550001111" })),
  "wildcat.v1.ContactService/SubscribePresence": named(async (f) => (await f.account(ACME), { accountId: ACME, contact: "+15550001111" })),
  "wildcat.v1.ContactService/BlockContact": named(async (f) => (await f.account(ACME), { accountId: ACME, contact: "+15550001111" })),
  "wildcat.v1.ContactService/UnblockContact": named(async (f) => (await f.account(ACME), { accountId: ACME, contact: "+15550001111" })),
  "wildcat.v1.ContactService/ListBlockedContacts": named(withAcme),
  "wildcat.v1.CallService/RejectCall": named(async (f) => (await f.account(ACME), { accountId: ACME, callId: "C1" })),
  "wildcat.v1.GroupService/CreateGroup": named(async (f) => (await f.account(ACME), { accountId: ACME, subject: "Shop", participants: ["+15550001111"] })),
  "wildcat.v1.GroupService/GetGroup": named(async (f) => (await f.account(ACME), { accountId: ACME, groupJid: group })),
  "wildcat.v1.GroupService/ListGroups": named(withAcme),
  "wildcat.v1.GroupService/UpdateGroup": named(async (f) => (await f.account(ACME), { accountId: ACME, group: { jid: group, subject: "x" }, updateMask: { paths: ["subject"] } })),
  "wildcat.v1.GroupService/UpdateParticipants": named(async (f) => (await f.account(ACME), { accountId: ACME, groupJid: group, action: 1, participants: [chat] })),
  "wildcat.v1.GroupService/GetInviteLink": named(async (f) => (await f.account(ACME), { accountId: ACME, groupJid: group })),
  "wildcat.v1.GroupService/RevokeInviteLink": named(async (f) => (await f.account(ACME), { accountId: ACME, groupJid: group })),
  "wildcat.v1.GroupService/JoinGroup": named(async (f) => (await f.account(ACME), { accountId: ACME, inviteCode: "AbCdEf123456" })),
  "wildcat.v1.GroupService/LeaveGroup": named(async (f) => (await f.account(ACME), { accountId: ACME, groupJid: group })),
  "wildcat.v1.GroupService/CreateCommunity": named(async (f) => (await f.account(ACME), { accountId: ACME, subject: "Street" })),
  "wildcat.v1.GroupService/LinkCommunityGroup": named(async (f) => (await f.account(ACME), { accountId: ACME, communityJid: group, groupJid: group })),
  "wildcat.v1.GroupService/UnlinkCommunityGroup": named(async (f) => (await f.account(ACME), { accountId: ACME, communityJid: group, groupJid: group })),
  "wildcat.v1.GroupService/ListCommunityGroups": named(async (f) => (await f.account(ACME), { accountId: ACME, communityJid: group })),
  "wildcat.v1.GroupService/GetInviteInfo": named(async (f) => (await f.account(ACME), { accountId: ACME, inviteCode: "AbCdEf123456" })),
  "wildcat.v1.GroupService/ListJoinRequests": named(async (f) => (await f.account(ACME), { accountId: ACME, groupJid: group })),
  "wildcat.v1.GroupService/UpdateJoinRequests": named(async (f) => (await f.account(ACME), { accountId: ACME, groupJid: group, action: 1, participants: [chat] })),
  "wildcat.v1.ApiKeyService/CreateApiKey": admin(async () => ({ name: "made in the table test", permissions: [Permission.READ], allAccounts: true })),
  "wildcat.v1.ApiKeyService/GetApiKey": admin(async (f) => ({ keyId: await f.apiKey() })),
  "wildcat.v1.ApiKeyService/ListApiKeys": admin(async () => ({})),
  "wildcat.v1.ApiKeyService/RevokeApiKey": admin(async (f) => ({ keyId: await f.apiKey() })),
  "wildcat.v1.ApiKeyService/RotateApiKey": admin(async (f) => ({ keyId: await f.apiKey() })),
  "wildcat.v1.ClusterService/ListPeers": admin(async () => ({})),
  "wildcat.v1.SandboxService/LinkDevice": admin(async () => ({ qrCode: "not-a-shown-code", phoneNumber: "+15550003333" })),
  // A malformed code: past auth, validation refuses it at once (a well-formed one waits 10 s for a request).
  "wildcat.v1.SandboxService/EnterPairingCode": admin(async () => ({ phoneNumber: "+15550003333", code: "bad" })),
  "wildcat.v1.SandboxService/SendFromContact": admin(async () => ({ fromPhoneNumber: "+15550003333", toJid: "15550004444@s.whatsapp.net", text: "hi" })),
  "wildcat.v1.SandboxService/ListContactMessages": admin(async () => ({ phoneNumber: "+15550003333" })),
  "wildcat.v1.SandboxService/DownloadContactMedia": admin(async () => ({ phoneNumber: "+15550003333", messageId: "M1" })),
  "wildcat.v1.SandboxService/PhoneChangeChat": admin(async () => ({ phoneNumber: "+15550003333", chatJid: "15550004444@s.whatsapp.net", change: { case: "archived", value: true } })),
  "wildcat.v1.SandboxService/GetPhoneChat": admin(async () => ({ phoneNumber: "+15550003333", chatJid: "15550004444@s.whatsapp.net" })),
  "wildcat.v1.SandboxService/CreateGroup": admin(async () => ({ creatorPhoneNumber: "+15550003333", subject: "g", participants: ["+15550004444"] })),
  "wildcat.v1.SandboxService/ContactJoinGroup": admin(async () => ({ phoneNumber: "+15550003333", inviteCode: "NoSuchCode12345" })),
  "wildcat.v1.SandboxService/ContactUpdateParticipants": admin(async () => ({ phoneNumber: "+15550003333", groupJid: group, action: 3, participants: ["+15550004444"] })),
  "wildcat.v1.SandboxService/ContactLeaveGroup": admin(async () => ({ phoneNumber: "+15550003333", groupJid: group })),
  "wildcat.v1.SandboxService/UpdateContactProfile": admin(async () => ({ phoneNumber: "+15550003333", about: "Open" })),
  // Calls to or about nobody on the simulator: refused past auth, before any contact is opened.
  "wildcat.v1.SandboxService/ContactCall": admin(async () => ({ fromPhoneNumber: "+15550003333", to: "+15550009999" })),
  "wildcat.v1.SandboxService/ContactEndCall": admin(async () => ({ callId: "C1" })),
  "wildcat.v1.SandboxService/AnswerContactCall": admin(async () => ({ callId: "C1" })),
  "wildcat.v1.SandboxService/GetContactCall": admin(async () => ({ callId: "C1" })),
  "wildcat.v1.SandboxService/SetPhoneHistory": admin(async () => ({ phoneNumber: "+15550003333" })),
  "wildcat.v1.SandboxService/InjectFault": admin(async () => ({ jid: "15550003333@s.whatsapp.net", code: 500 })),
};

let sim: Simulator;
let contacts: ContactBook;
let gw: TestGateway;
let services: DescService[];
const transports = new Map<string, Transport>();

function transport(key: string | null): Transport {
  const id = key ?? "";
  let t = transports.get(id);
  if (!t) {
    t = createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: key ? [bearer(key)] : [] });
    transports.set(id, t);
  }
  return t;
}

const show = (o: Outcome) => ("message" in o ? `${Code[o.code]}: ${o.message}` : "ok");

type Outcome = { code: "ok"; response: unknown } | { code: Code; message: string };

/** Calls any method with `key` (null: no header); a stream counts as working once its first message arrives. */
async function call(method: DescMethod, request: unknown, key: string | null): Promise<Outcome> {
  const client = createClient(method.parent, transport(key)) as unknown as Record<string, (...a: unknown[]) => any>;
  const fn = client[method.localName];
  try {
    if (method.methodKind === "server_streaming") {
      for await (const response of fn(request) as AsyncIterable<unknown>) return { code: "ok", response };
      return { code: "ok", response: undefined };
    }
    if (method.methodKind === "client_streaming") {
      return { code: "ok", response: await fn((async function* () { yield* request as unknown[]; })()) };
    }
    return { code: "ok", response: await fn(request) };
  } catch (e) {
    const ce = ConnectError.from(e);
    return { code: ce.code, message: ce.rawMessage };
  }
}

const admins = () => ({
  keys: createClient(ApiKeyService, transport(TEST_KEY)),
  media: createClient(MediaService, transport(TEST_KEY)),
  webhooks: createClient(WebhookService, transport(TEST_KEY)),
});
let TEST_KEY: string;
let api: ReturnType<typeof admins>;

async function makeKey(permissions: StoredPermission[], accountIds: string[] | "all"): Promise<string> {
  const { key } = await api.keys.createApiKey({
    name: `${permissions.join("+")} on ${accountIds === "all" ? "all" : accountIds.join(",")}`,
    permissions: permissions.map((p) => WIRE[p]),
    allAccounts: accountIds === "all",
    accountIds: accountIds === "all" ? [] : accountIds,
  });
  return key;
}

const fixtures: Fixtures = {
  async account(id) {
    if (!(await gw.gateway.store.accounts.get(id))) {
      const now = new Date();
      await gw.gateway.store.accounts.create({ accountId: id, displayName: "", state: "disconnected", createTime: now, updateTime: now });
    }
  },
  async media(accountId) {
    await fixtures.account(accountId);
    const { media } = await api.media.uploadMedia(
      (async function* () {
        yield { part: { case: "metadata" as const, value: { accountId, mimeType: "text/plain" } } };
        yield { part: { case: "chunk" as const, value: new TextEncoder().encode("hello") } };
      })(),
    );
    return media!.mediaId;
  },
  async upload(accountId) {
    await fixtures.account(accountId);
    return (await api.media.startUpload({ metadata: { accountId, mimeType: "text/plain", sizeBytes: 5n } })).upload!.uploadId;
  },
  async webhook(accountIds) {
    return (await api.webhooks.createWebhook({ url: "http://127.0.0.1:9/hook", accountIds })).webhook!.webhookId;
  },
  async apiKey() {
    return (await api.keys.createApiKey({ name: "target", permissions: [Permission.READ], allAccounts: true })).apiKey!.keyId;
  },
  async event(accountId) {
    return (await gw.gateway.store.events.append(receivedEvent(accountId))).eventId;
  },
};

beforeAll(async () => {
  services = await allServices();
  sim = await startTrustedSimulator();
  const dir = (await import("node:fs")).mkdtempSync(`${(await import("node:os")).tmpdir()}/wildcat-authz-`);
  contacts = new ContactBook(sim, { dataDir: dir, logger: pino({ level: "silent" }) });
  gw = await startTestGateway(
    // Many keys, calls and wrong keys in a burst: the limits have tests of their own.
    { API_KEY_RATE_PER_SECOND: "100000", AUTH_FAILURE_LIMIT: "1000000", AUTH_FAILURE_SLOW_AFTER: "1000000", WEBHOOK_ALLOW_HOSTS: "127.0.0.1", RECONNECT_MAX_ATTEMPTS: "1" },
    {
      socketOptions: { ...simulatorSocketOptions(sim), logger: pino({ level: "silent" }) },
      mounts: [{ service: SandboxService, routes: (r) => r.service(SandboxService, new SandboxServiceImpl(sim, contacts)) }],
    },
  );
  TEST_KEY = (await import("../support/auth.js")).TEST_ADMIN_KEY;
  api = admins();
  await fixtures.account("other");
}, 60_000);

afterAll(async () => {
  await gw?.cleanup();
  await contacts?.close();
  await sim?.close();
});

describe("the authorization table", () => {
  it("lists every method of every wildcat.v1 service: each has a rule and a sample here", () => {
    const methods = services.flatMap((s) => s.methods.map((m) => `${s.typeName}/${m.name}`));
    expect(methods.length).toBeGreaterThan(40);
    expect(methods.filter((m) => !RULES.has(m)), "methods without a rule in src/auth/rules.ts").toEqual([]);
    expect(methods.filter((m) => !SAMPLES[m]), "methods without a sample in this test").toEqual([]);
    expect([...RULES.keys()].filter((m) => !methods.includes(m)), "rules of methods that no longer exist").toEqual([]);
  });

  it("when a call has no key, or a key that is not one, then every method answers unauthenticated", async () => {
    const bad = "wck_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    for (const s of services) {
      for (const m of s.methods) {
        const request = await SAMPLES[`${s.typeName}/${m.name}`].request(fixtures);
        expect(await call(m, request, null), `${m.name} without a key`).toMatchObject({ code: Code.Unauthenticated });
        expect(await call(m, request, bad), `${m.name} with an unknown key`).toMatchObject({ code: Code.Unauthenticated, message: "invalid API key" });
      }
    }
  });

  it("when a key lacks the method's permission, then it is permission_denied", async () => {
    for (const s of services) {
      for (const m of s.methods) {
        const rule = RULES.get(`${s.typeName}/${m.name}`)!;
        const key = await makeKey(ALL_PERMISSIONS.filter((p) => p !== rule.permission), "all");
        const outcome = await call(m, await SAMPLES[`${s.typeName}/${m.name}`].request(fixtures), key);
        expect(outcome, `${m.name} without ${rule.permission}`).toMatchObject({ code: Code.PermissionDenied });
      }
    }
  });

  it("when a key may not act on the account a call is about, then it is refused or sees nothing of it", async () => {
    for (const s of services) {
      for (const m of s.methods) {
        const name = `${s.typeName}/${m.name}`;
        const rule = RULES.get(name)!;
        const sample = SAMPLES[name];
        if (sample.outOfScope === "admin") {
          expect(rule.permission, `${name}: only admin rules skip the scope check`).toBe("admin");
          continue;
        }
        const key = await makeKey([rule.permission], ["other"]);
        const outcome = await call(m, await sample.request(fixtures), key);
        if (sample.outOfScope === "denied") expect(outcome, name).toMatchObject({ code: Code.PermissionDenied });
        else if (sample.outOfScope === "not_found") expect(outcome, name).toMatchObject({ code: Code.NotFound });
        else {
          expect(outcome.code, name).toBe("ok");
          expect(sample.outOfScope.filtered((outcome as { response: unknown }).response), name).not.toContain(ACME);
        }
      }
    }
  });

  it("when a key has the permission and the account, then the call does exactly what it does for the admin", async () => {
    for (const s of services) {
      for (const m of s.methods) {
        const name = `${s.typeName}/${m.name}`;
        const rule = RULES.get(name)!;
        const sample = SAMPLES[name];
        const key = await makeKey([rule.permission], rule.permission === "admin" ? "all" : [ACME]);
        const asKey = await call(m, await sample.request(fixtures), key);
        const asAdmin = await call(m, await sample.request(fixtures), TEST_KEY);
        expect([Code.Unauthenticated, Code.PermissionDenied, Code.ResourceExhausted], `${name}: ${show(asKey)}`).not.toContain(asKey.code);
        expect(asKey.code, `${name}: ${show(asKey)} vs the admin's ${show(asAdmin)}`).toBe(asAdmin.code);
      }
    }
  });
});
