import type { DescMessage, DescService, MessageShape } from "@bufbuild/protobuf";
import { AccountService } from "../../gen/wildcat/v1/account_service_pb.js";
import { ApiKeyService } from "../../gen/wildcat/v1/api_key_service_pb.js";
import { CallService } from "../../gen/wildcat/v1/call_service_pb.js";
import { ChatService } from "../../gen/wildcat/v1/chat_service_pb.js";
import { ClusterService } from "../../gen/wildcat/v1/cluster_service_pb.js";
import { ContactService } from "../../gen/wildcat/v1/contact_service_pb.js";
import { GroupService } from "../../gen/wildcat/v1/group_service_pb.js";
import { MediaService } from "../../gen/wildcat/v1/media_service_pb.js";
import { MessageService } from "../../gen/wildcat/v1/message_service_pb.js";
import { ProfileService } from "../../gen/wildcat/v1/profile_service_pb.js";
import { SandboxService } from "../../gen/wildcat/v1/sandbox_service_pb.js";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import type { RpcRule } from "./rule.js";

/** One rule per method of a service, typed by each method's request. */
type ServiceRules<S extends DescService> = {
  [M in keyof S["method"]]: S["method"][M] extends { input: infer I extends DescMessage } ? RpcRule<MessageShape<I>> : never;
};

const rules = new Map<string, RpcRule>();

function service<S extends DescService>(svc: S, byMethod: ServiceRules<S>): void {
  for (const method of svc.methods) {
    const rule = (byMethod as Record<string, RpcRule | undefined>)[method.localName];
    if (rule) rules.set(`${svc.typeName}/${method.name}`, rule);
  }
}

const named = (accountId: string) => [accountId];

/*
 * The whole authorization policy, in one place. Scope rule: an account id outside the
 * key's scope is refused with permission_denied, whether or not that account exists; a
 * resource addressed by its own id (a file, an upload, a webhook) that belongs to an
 * account outside the scope is answered not_found, exactly like one that does not exist.
 */

service(AccountService, {
  createAccount: { permission: "accounts", accounts: (m) => named(m.accountId) },
  getAccount: { permission: "read", accounts: (m) => named(m.accountId) },
  listAccounts: { permission: "read", handlerScope: "lists only the accounts in the key's scope" },
  updateAccount: { permission: "accounts", accounts: (m) => named(m.account?.accountId ?? "") },
  deleteAccount: { permission: "accounts", accounts: (m) => named(m.accountId) },
  connectAccount: { permission: "accounts", accounts: (m) => named(m.accountId) },
  disconnectAccount: { permission: "accounts", accounts: (m) => named(m.accountId) },
  logoutAccount: { permission: "accounts", accounts: (m) => named(m.accountId) },
  requestPairingCode: { permission: "accounts", accounts: (m) => named(m.accountId) },
  watchAccount: { permission: "read", accounts: (m) => named(m.accountId) },
});

service(MessageService, {
  sendMessage: { permission: "send", accounts: (m) => named(m.accountId) },
  editMessage: { permission: "send", accounts: (m) => named(m.accountId) },
  deleteMessage: { permission: "send", accounts: (m) => named(m.accountId) },
  markRead: { permission: "send", accounts: (m) => named(m.accountId) },
  sendPresence: { permission: "send", accounts: (m) => named(m.accountId) },
  getMessage: { permission: "read", accounts: (m) => named(m.accountId) },
  listMessages: { permission: "read", accounts: (m) => named(m.accountId) },
  streamMessages: {
    permission: "read",
    accounts: (m) => m.accountIds,
    handlerScope: "an empty account filter means the accounts in the key's scope, never all",
  },
});

service(MediaService, {
  uploadMedia: { permission: "send", accounts: (m) => (m.part.case === "metadata" ? named(m.part.value.accountId) : []) },
  startUpload: { permission: "send", accounts: (m) => named(m.metadata?.accountId ?? "") },
  appendUpload: { permission: "send", handlerScope: "the upload's account" },
  finishUpload: { permission: "send", handlerScope: "the upload's account" },
  getUpload: { permission: "send", handlerScope: "the upload's account" },
  downloadMedia: { permission: "read", handlerScope: "the file's account" },
  getMedia: { permission: "read", handlerScope: "the file's account" },
  listMedia: { permission: "read", accounts: (m) => named(m.accountId) },
  deleteMedia: { permission: "send", handlerScope: "the file's account" },
  createDownloadUrl: { permission: "read", handlerScope: "the file's account; the URL works only while the key does" },
});

// Groups act as the account on WhatsApp: changing one is sending, reading one is reading. The
// invite link lets anyone in, so handing it out needs "send" although it changes nothing.
service(GroupService, {
  createGroup: { permission: "send", accounts: (m) => named(m.accountId) },
  getGroup: { permission: "read", accounts: (m) => named(m.accountId) },
  listGroups: { permission: "read", accounts: (m) => named(m.accountId) },
  updateGroup: { permission: "send", accounts: (m) => named(m.accountId) },
  updateParticipants: { permission: "send", accounts: (m) => named(m.accountId) },
  getInviteLink: { permission: "send", accounts: (m) => named(m.accountId) },
  revokeInviteLink: { permission: "send", accounts: (m) => named(m.accountId) },
  joinGroup: { permission: "send", accounts: (m) => named(m.accountId) },
  leaveGroup: { permission: "send", accounts: (m) => named(m.accountId) },
  getInviteInfo: { permission: "read", accounts: (m) => named(m.accountId) },
  listJoinRequests: { permission: "read", accounts: (m) => named(m.accountId) },
  updateJoinRequests: { permission: "send", accounts: (m) => named(m.accountId) },
  createCommunity: { permission: "send", accounts: (m) => named(m.accountId) },
  linkCommunityGroup: { permission: "send", accounts: (m) => named(m.accountId) },
  unlinkCommunityGroup: { permission: "send", accounts: (m) => named(m.accountId) },
  listCommunityGroups: { permission: "read", accounts: (m) => named(m.accountId) },
});

// The chat list is what the account's messages say: reading. Chat actions act as the account on
// WhatsApp (the phone shows them): sending, like MarkRead.
service(ChatService, {
  listChats: { permission: "read", accounts: (m) => named(m.accountId) },
  getChat: { permission: "read", accounts: (m) => named(m.accountId) },
  archiveChat: { permission: "send", accounts: (m) => named(m.accountId) },
  pinChat: { permission: "send", accounts: (m) => named(m.accountId) },
  muteChat: { permission: "send", accounts: (m) => named(m.accountId) },
  unmuteChat: { permission: "send", accounts: (m) => named(m.accountId) },
  markChatUnread: { permission: "send", accounts: (m) => named(m.accountId) },
  deleteChat: { permission: "send", accounts: (m) => named(m.accountId) },
  starMessage: { permission: "send", accounts: (m) => named(m.accountId) },
  // asks the account's phone to send more of its history: it changes what is stored, like a send
  requestHistory: { permission: "send", accounts: (m) => named(m.accountId) },
});

// Asking WhatsApp about people acts as the account but changes nothing: reading. Blocking changes
// what reaches the account: sending.
service(ContactService, {
  listContacts: { permission: "read", accounts: (m) => named(m.accountId) },
  getContact: { permission: "read", accounts: (m) => named(m.accountId) },
  checkNumbers: { permission: "read", accounts: (m) => named(m.accountId) },
  getContactProfile: { permission: "read", accounts: (m) => named(m.accountId) },
  subscribePresence: { permission: "read", accounts: (m) => named(m.accountId) },
  blockContact: { permission: "send", accounts: (m) => named(m.accountId) },
  unblockContact: { permission: "send", accounts: (m) => named(m.accountId) },
  listBlockedContacts: { permission: "read", accounts: (m) => named(m.accountId) },
});

// The account's own face on WhatsApp (name, about, picture, who sees them) is managing the
// account; reading its privacy settings is reading. A picture's media id must be the account's
// own file (the handler answers not_found otherwise, like a missing one).
service(ProfileService, {
  setProfileName: { permission: "accounts", accounts: (m) => named(m.accountId) },
  setProfileAbout: { permission: "accounts", accounts: (m) => named(m.accountId) },
  setProfilePicture: { permission: "accounts", accounts: (m) => named(m.accountId), handlerScope: "media_id must be a file of account_id" },
  removeProfilePicture: { permission: "accounts", accounts: (m) => named(m.accountId) },
  getPrivacySettings: { permission: "read", accounts: (m) => named(m.accountId) },
  updatePrivacySettings: { permission: "accounts", accounts: (m) => named(m.accountId) },
});

// Rejecting a call acts as the account towards a contact (the caller sees it declined): sending.
service(CallService, {
  rejectCall: { permission: "send", accounts: (m) => named(m.accountId) },
});

const WEBHOOK_SCOPE = "the webhook's accounts: a key with some accounts sees and manages only webhooks limited to them";
service(WebhookService, {
  createWebhook: {
    permission: "webhooks",
    accounts: (m) => m.accountIds,
    handlerScope: "a key with some accounts must name them in account_ids (an empty list means every account)",
  },
  getWebhook: { permission: "webhooks", handlerScope: WEBHOOK_SCOPE },
  listWebhooks: { permission: "webhooks", handlerScope: WEBHOOK_SCOPE },
  updateWebhook: { permission: "webhooks", handlerScope: `${WEBHOOK_SCOPE}; new account_ids must be in scope too` },
  deleteWebhook: { permission: "webhooks", handlerScope: WEBHOOK_SCOPE },
  rotateWebhookSecret: { permission: "webhooks", handlerScope: WEBHOOK_SCOPE },
  testWebhook: { permission: "webhooks", handlerScope: WEBHOOK_SCOPE },
  listWebhookDeliveries: { permission: "webhooks", handlerScope: WEBHOOK_SCOPE },
  redeliverWebhookEvent: { permission: "webhooks", handlerScope: WEBHOOK_SCOPE },
});

service(ApiKeyService, {
  createApiKey: { permission: "admin" },
  getApiKey: { permission: "admin" },
  listApiKeys: { permission: "admin" },
  revokeApiKey: { permission: "admin" },
  rotateApiKey: { permission: "admin" },
});

// Peers' addresses are deployment internals: admins only.
service(ClusterService, {
  listPeers: { permission: "admin" },
});

// Sandbox mode only: the simulated phones and contacts act across accounts.
service(SandboxService, {
  linkDevice: { permission: "admin" },
  enterPairingCode: { permission: "admin" },
  sendFromContact: { permission: "admin" },
  listContactMessages: { permission: "admin" },
  downloadContactMedia: { permission: "admin" },
  createGroup: { permission: "admin" },
  contactJoinGroup: { permission: "admin" },
  contactUpdateParticipants: { permission: "admin" },
  contactLeaveGroup: { permission: "admin" },
  updateContactProfile: { permission: "admin" },
  contactCall: { permission: "admin" },
  contactEndCall: { permission: "admin" },
  answerContactCall: { permission: "admin" },
  getContactCall: { permission: "admin" },
  setPhoneHistory: { permission: "admin" },
  injectFault: { permission: "admin" },
  phoneChangeChat: { permission: "admin" },
  getPhoneChat: { permission: "admin" },
});

/** Rules by "package.Service/Method". */
export const RULES: ReadonlyMap<string, RpcRule> = rules;

/** Services anyone may call without a key: health checks, and reflection (the schema is public, like /openapi.yaml). */
export const OPEN_SERVICES: ReadonlySet<string> = new Set([
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);
