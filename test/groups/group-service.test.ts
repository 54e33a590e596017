import { Code, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { fromJsonString } from "@bufbuild/protobuf";
import { EventSchema, EventType, GroupParticipantsAction, type Event, type GroupChange } from "../../gen/wildcat/v1/event_pb.js";
import { GroupMemberAddMode, GroupParticipantRole, type Group } from "../../gen/wildcat/v1/group_pb.js";
import { GroupService, JoinRequestAction, ParticipantAction, ParticipantResultStatus } from "../../gen/wildcat/v1/group_service_pb.js";
import type { Message } from "../../gen/wildcat/v1/message_pb.js";
import type { MessageService } from "../../gen/wildcat/v1/message_service_pb.js";
import { WebhookService } from "../../gen/wildcat/v1/webhook_service_pb.js";
import type { Simulator } from "../../src/sim/simulator.js";
import { EventSubscriber } from "../messaging/event-subscriber.js";
import { BaileysClient } from "../sim/baileys-client.js";
import { Receiver, verify } from "../webhooks/receiver.js";
import { AccountState } from "../../gen/wildcat/v1/account_pb.js";
import { AccountWatcher } from "../support/account-watcher.js";
import { bearer } from "../support/auth.js";
import { dropDatabase } from "../support/ferretdb.js";
import { failure, gatewayStores } from "../support/store-adapters.js";
import { GrpcJsClient } from "../support/clients.js";
import type { TestGateway } from "../support/gateway.js";
import { apiClients, linkAccount, startSimGateway, startTrustedSimulator } from "../support/sim-gateway.js";

const mongodbUri = inject("mongodbUri");

const BOB = "15558300002";
const CAROL = "15558300003";
const DAN = "15558300004";
/** A number no simulated phone has: WhatsApp does not know it. */
const NOBODY = "15558300099";
const pn = (phone: string) => `${phone}@s.whatsapp.net`;

/** The gateway's account under test: one per store, each on its own phone. */
let ACCOUNT: string;
let ACCOUNT_PHONE: string;
let ACCOUNT_JID: string;

let sim: Simulator;
let gw: TestGateway;
let groups: Client<typeof GroupService>;
let messages: Client<typeof MessageService>;
let grpcClient: GrpcJsClient;
let events: EventSubscriber;
let bob: BaileysClient;
let carol: BaileysClient;
let dan: BaileysClient;
let receiver: Receiver;
let webhookSecret: string;

beforeAll(async () => {
  sim = await startTrustedSimulator();
  [bob, carol, dan] = [new BaileysClient(sim, "bob"), new BaileysClient(sim, "carol"), new BaileysClient(sim, "dan")];
  await Promise.all([bob.linkByQr(BOB), carol.linkByQr(CAROL), dan.linkByQr(DAN)]);
}, 90_000);

afterEach(() => {
  for (const c of [bob, carol, dan]) expect(c.problems()).toEqual([]);
  expect(sim.unknownIqs).toEqual([]);
});

afterAll(async () => {
  for (const c of [bob, carol, dan]) c?.dispose();
  await sim?.close();
});

/** The group store is what ListGroups, a left group and the events read: each adapter is tested. */
const stores = gatewayStores(mongodbUri, "groups");

/** Each member's role, by phone-number JID. */
const roles = (group: Group | undefined) => Object.fromEntries(group!.participants.map((p) => [p.jid!.pnJid, p.role]));

/** The first group event of `type` about `groupJid` matching `predicate`, as StreamMessages delivered it. */
function streamed(type: EventType, groupJid: string, predicate: (c: GroupChange) => boolean = () => true): Promise<Event> {
  return events.until(
    (e) => e.type === type && e.payload.case === "groupChange" && e.payload.value.group?.jid === groupJid && predicate(e.payload.value),
    `${EventType[type]} of ${groupJid}`,
  );
}

async function groupEvent(type: EventType, groupJid: string, predicate?: (c: GroupChange) => boolean): Promise<GroupChange> {
  return (await streamed(type, groupJid, predicate)).payload.value as GroupChange;
}

const pns = (c: GroupChange) => c.participants.map((p) => p.pnJid);

/** Connects the account again and waits until it is CONNECTED. */
async function reconnect(): Promise<void> {
  const { accounts } = apiClients(gw);
  const watcher = new AccountWatcher(accounts, ACCOUNT);
  try {
    await accounts.connectAccount({ accountId: ACCOUNT });
    await watcher.until((s) => s.account!.state === AccountState.CONNECTED);
  } finally {
    watcher.close();
  }
}

async function createGroup(subject: string, participants: string[]): Promise<Group> {
  const { group } = await groups.createGroup({ accountId: ACCOUNT, subject, participants });
  return group!;
}

stores.forEach((store, i) => describe.skipIf(store.skip)(`GroupService on ${store.name}: the account's groups through a Connect client, real Baileys on both ends`, () => {
  const env = store.env();

  beforeAll(async () => {
    [ACCOUNT, ACCOUNT_PHONE] = [`groups${i}`, `1555830001${i}`];
    ACCOUNT_JID = pn(ACCOUNT_PHONE);
    gw = await startSimGateway(sim, { ...env, WEBHOOK_ALLOW_HOSTS: "127.0.0.1" });
    ({ messages } = apiClients(gw));
    groups = createClient(GroupService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] }));
    grpcClient = new GrpcJsClient(`127.0.0.1:${gw.gateway.server.port}`);
    await linkAccount(gw, sim, ACCOUNT, ACCOUNT_PHONE);
    events = new EventSubscriber(grpcClient, { accountIds: [ACCOUNT] });
    receiver = await Receiver.start();
    const webhooks = createClient(WebhookService, createConnectTransport({ baseUrl: gw.baseUrl, httpVersion: "2", interceptors: [bearer()] }));
    ({ secret: webhookSecret } = await webhooks.createWebhook({
      url: receiver.url(),
      eventTypes: [EventType.GROUP_CREATED, EventType.GROUP_PARTICIPANTS_CHANGED, EventType.GROUP_UPDATED],
      accountIds: [ACCOUNT],
    }));
  }, 60_000);

  afterAll(async () => {
    events?.cancel();
    grpcClient?.close();
    await gw?.cleanup();
    await receiver?.close();
    if (env.MONGODB_URI) await dropDatabase(env.MONGODB_URI, env.MONGODB_DB!);
  });

  it("when the account creates a group with two contacts, then both are members in both JID forms, receive its message, and a reply arrives on StreamMessages", async () => {
    const told = Promise.all([bob, carol].map((c) => c.waitFor("groups.upsert", (gs) => gs.some((g) => g.subject === "Orders"))));
    const group = await createGroup("Orders", [`+${BOB}`, pn(CAROL)]);
    await told;

    expect(group.jid).toMatch(/^\d+@g\.us$/);
    expect(group).toMatchObject({ accountId: ACCOUNT, subject: "Orders", isMember: true, owner: { pnJid: ACCOUNT_JID, lidJid: sim.lidOf(ACCOUNT_PHONE) } });
    expect(roles(group)).toEqual({
      [ACCOUNT_JID]: GroupParticipantRole.SUPER_ADMIN,
      [pn(BOB)]: GroupParticipantRole.MEMBER,
      [pn(CAROL)]: GroupParticipantRole.MEMBER,
    });
    for (const p of group.participants) expect(p.jid!.lidJid).toBe(sim.lidOf(p.jid!.pnJid.split("@")[0]!));
    expect(group.createTime).toBeDefined();

    const welcome = `welcome to ${group.jid}`;
    await messages.sendMessage({ accountId: ACCOUNT, to: group.jid, content: { case: "text", value: { body: welcome } } });
    for (const c of [bob, carol]) expect((await c.waitForText(welcome)).key.remoteJid).toBe(group.jid);

    const reply = await bob.sock.sendMessage(group.jid, { text: "thanks!" });
    const received = await events.until((e: Event) => e.type === EventType.MESSAGE_RECEIVED && e.payload.case === "message" && e.payload.value.messageId === reply!.key.id);
    expect((received.payload.value as Message).chat?.jid).toBe(group.jid);

    const { group: read } = await groups.getGroup({ accountId: ACCOUNT, groupJid: group.jid });
    expect(roles(read)).toEqual(roles(group));
    const { groups: listed } = await groups.listGroups({ accountId: ACCOUNT });
    expect(listed.map((g) => g.jid)).toContain(group.jid);

    // Disconnected: GetGroup answers from the store; calls that need WhatsApp are failed_precondition.
    const { accounts } = apiClients(gw);
    await accounts.disconnectAccount({ accountId: ACCOUNT });
    try {
      expect(roles((await groups.getGroup({ accountId: ACCOUNT, groupJid: group.jid })).group)).toEqual(roles(group));
      expect((await failure(groups.getGroup({ accountId: ACCOUNT, groupJid: "120363999999999998@g.us" }))).code).toBe(Code.FailedPrecondition);
      expect((await failure(groups.getInviteLink({ accountId: ACCOUNT, groupJid: group.jid }))).code).toBe(Code.FailedPrecondition);
    } finally {
      await reconnect();
    }
  });

  it("when members are added, promoted, demoted and removed, then each gets its own result and GetGroup shows the change", async () => {
    const group = await createGroup("Staff", [pn(BOB), pn(CAROL)]);

    const added = await groups.updateParticipants({ accountId: ACCOUNT, groupJid: group.jid, action: ParticipantAction.ADD, participants: [`+${DAN}`, pn(BOB), `+${NOBODY}`] });
    expect(added.results.map((r) => [r.participant, r.status, r.whatsappCode])).toEqual([
      [`+${DAN}`, ParticipantResultStatus.OK, 200],
      [pn(BOB), ParticipantResultStatus.CONFLICT, 409],
      [`+${NOBODY}`, ParticipantResultStatus.NOT_FOUND, 404],
    ]);
    expect(added.results[1]!.reason).toMatch(/already a member/);
    expect(added.results[0]!.jid).toMatchObject({ pnJid: pn(DAN), lidJid: sim.lidOf(DAN) });
    expect(roles(added.group)[pn(DAN)]).toBe(GroupParticipantRole.MEMBER);

    const promotedAtBob = bob.waitFor("group-participants.update", (u) => u.id === group.jid && u.action === "promote");
    const promoted = await groups.updateParticipants({ accountId: ACCOUNT, groupJid: group.jid, action: ParticipantAction.PROMOTE, participants: [pn(BOB)] });
    expect(promoted.results.map((r) => r.status)).toEqual([ParticipantResultStatus.OK]);
    await promotedAtBob;
    expect(roles((await groups.getGroup({ accountId: ACCOUNT, groupJid: group.jid })).group)[pn(BOB)]).toBe(GroupParticipantRole.ADMIN);

    await groups.updateParticipants({ accountId: ACCOUNT, groupJid: group.jid, action: ParticipantAction.DEMOTE, participants: [pn(BOB)] });
    expect(roles((await groups.getGroup({ accountId: ACCOUNT, groupJid: group.jid })).group)[pn(BOB)]).toBe(GroupParticipantRole.MEMBER);

    const removedAtCarol = carol.waitFor("group-participants.update", (u) => u.id === group.jid && u.action === "remove");
    const removed = await groups.updateParticipants({ accountId: ACCOUNT, groupJid: group.jid, action: ParticipantAction.REMOVE, participants: [pn(CAROL), `+${NOBODY}`] });
    expect(removed.results.map((r) => r.status)).toEqual([ParticipantResultStatus.OK, ParticipantResultStatus.NOT_FOUND]);
    await removedAtCarol;
    const { group: after } = await groups.getGroup({ accountId: ACCOUNT, groupJid: group.jid });
    expect(roles(after)).toEqual({
      [ACCOUNT_JID]: GroupParticipantRole.SUPER_ADMIN,
      [pn(BOB)]: GroupParticipantRole.MEMBER,
      [pn(DAN)]: GroupParticipantRole.MEMBER,
    });
  });

  it("when the subject, description and settings are updated, then members are told and the group shows them", async () => {
    const group = await createGroup("Shop", [pn(BOB)]);
    const renamed = bob.waitFor("groups.update", (u) => u.some((g) => g.id === group.jid && g.subject === "Shop EU"));
    const { group: updated } = await groups.updateGroup({
      accountId: ACCOUNT,
      group: { jid: group.jid, subject: "Shop EU", description: "Open 9 to 5", settings: { announce: true, ephemeralSeconds: 86_400 } },
      updateMask: { paths: ["subject", "description", "settings.announce", "settings.ephemeral_seconds"] },
    });
    await renamed;
    expect(updated).toMatchObject({
      subject: "Shop EU",
      description: "Open 9 to 5",
      settings: { announce: true, locked: false, ephemeralSeconds: 86_400, memberAddMode: GroupMemberAddMode.ADMINS, joinApproval: false },
    });
    expect(await bob.sock.groupMetadata(group.jid)).toMatchObject({ subject: "Shop EU", desc: "Open 9 to 5", announce: true, ephemeralDuration: 86_400 });

    const { group: all } = await groups.updateGroup({
      accountId: ACCOUNT,
      group: { jid: group.jid, settings: { announce: false, locked: true, memberAddMode: GroupMemberAddMode.ALL_MEMBERS, joinApproval: true, ephemeralSeconds: 0 } },
      updateMask: { paths: ["settings", "description"] },
    });
    expect(all).toMatchObject({ subject: "Shop EU", description: "", settings: { announce: false, locked: true, memberAddMode: GroupMemberAddMode.ALL_MEMBERS, joinApproval: true, ephemeralSeconds: 0 } });

    // "settings" without a member add mode would silently pick one: refused before WhatsApp is asked.
    const bad = await failure(groups.updateGroup({ accountId: ACCOUNT, group: { jid: group.jid, settings: { announce: true } }, updateMask: { paths: ["settings"] } }));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toMatch(/member_add_mode/);
  });

  it("when a contact joins with the invite code, then the account sees the member; after a revoke the old code fails", async () => {
    const group = await createGroup("Invites", [pn(BOB)]);
    const link = await groups.getInviteLink({ accountId: ACCOUNT, groupJid: group.jid });
    expect(link.inviteCode).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(link.inviteLink).toBe(`https://chat.whatsapp.com/${link.inviteCode}`);
    expect((await groups.getInviteLink({ accountId: ACCOUNT, groupJid: group.jid })).inviteCode).toBe(link.inviteCode);

    expect(await dan.sock.groupAcceptInvite(link.inviteCode)).toBe(group.jid);
    // GetGroup reads the store, which WhatsApp's notification of the join updates.
    await groupEvent(EventType.GROUP_PARTICIPANTS_CHANGED, group.jid, (c) => c.action === GroupParticipantsAction.ADDED && pns(c).includes(pn(DAN)));
    expect(roles((await groups.getGroup({ accountId: ACCOUNT, groupJid: group.jid })).group)[pn(DAN)]).toBe(GroupParticipantRole.MEMBER);

    const fresh = await groups.revokeInviteLink({ accountId: ACCOUNT, groupJid: group.jid });
    expect(fresh.inviteCode).not.toBe(link.inviteCode);
    await expect(carol.sock.groupAcceptInvite(link.inviteCode)).rejects.toThrow(/not-acceptable/);
    expect(await carol.sock.groupAcceptInvite(fresh.inviteCode)).toBe(group.jid);
    await groupEvent(EventType.GROUP_PARTICIPANTS_CHANGED, group.jid, (c) => c.action === GroupParticipantsAction.ADDED && pns(c).includes(pn(CAROL)));
    expect(roles((await groups.getGroup({ accountId: ACCOUNT, groupJid: group.jid })).group)[pn(CAROL)]).toBe(GroupParticipantRole.MEMBER);
  });

  it("when the account joins a contact's group by link and is not an admin, then admin actions are permission_denied with WhatsApp's reason; it can leave", async () => {
    const jid = (await bob.sock.groupCreate("Bob's", [pn(CAROL)])).id;
    const code = (await bob.sock.groupInviteCode(jid))!;

    const { group: preview } = await groups.getInviteInfo({ accountId: ACCOUNT, inviteCode: code });
    expect(preview).toMatchObject({ jid, subject: "Bob's", isMember: false });
    const joinedAtBob = bob.waitFor("group-participants.update", (u) => u.id === jid && u.action === "add");
    const joined = await groups.joinGroup({ accountId: ACCOUNT, inviteCode: `https://chat.whatsapp.com/${code}` });
    await joinedAtBob;
    expect(joined).toMatchObject({ groupJid: jid, pendingApproval: false, group: { jid, subject: "Bob's", isMember: true } });
    expect(roles(joined.group)).toMatchObject({ [ACCOUNT_JID]: GroupParticipantRole.MEMBER, [pn(BOB)]: GroupParticipantRole.SUPER_ADMIN });
    expect((await failure(groups.joinGroup({ accountId: ACCOUNT, inviteCode: code }))).code).toBe(Code.AlreadyExists);

    const add = await failure(groups.updateParticipants({ accountId: ACCOUNT, groupJid: jid, action: ParticipantAction.ADD, participants: [pn(DAN)] }));
    expect(add.code).toBe(Code.PermissionDenied);
    expect(add.rawMessage).toMatch(/403 forbidden/);
    expect(add.findDetails(ErrorInfoSchema)[0]).toMatchObject({ domain: "whatsapp", metadata: { code: "403", text: "forbidden" } });
    const settings = await failure(groups.updateGroup({ accountId: ACCOUNT, group: { jid, settings: { announce: true } }, updateMask: { paths: ["settings.announce"] } }));
    expect(settings.code).toBe(Code.PermissionDenied);
    expect(settings.rawMessage).toMatch(/not-authorized/);
    expect((await failure(groups.getInviteLink({ accountId: ACCOUNT, groupJid: jid }))).code).toBe(Code.PermissionDenied);
    expect((await bob.sock.groupMetadata(jid)).announce).toBe(false);
    // A member may rename an unlocked group but not change its settings: what was done is kept and announced.
    const partly = await failure(groups.updateGroup({ accountId: ACCOUNT, group: { jid, subject: "Ours now", settings: { announce: true } }, updateMask: { paths: ["subject", "settings.announce"] } }));
    expect(partly.code).toBe(Code.PermissionDenied);
    const renamed = await groupEvent(EventType.GROUP_UPDATED, jid);
    expect([renamed.changedFields, renamed.group?.subject]).toEqual([["subject"], "Ours now"]);

    const leftAtBob = bob.waitFor("group-participants.update", (u) => u.id === jid && u.action === "remove");
    await groups.leaveGroup({ accountId: ACCOUNT, groupJid: jid });
    await leftAtBob;
    const sendAfter = await failure(messages.sendMessage({ accountId: ACCOUNT, to: jid, content: { case: "text", value: { body: "still here?" } } }));
    expect([sendAfter.code, sendAfter.rawMessage]).toEqual([Code.FailedPrecondition, expect.stringMatching(/not a member/)]);
    const { group: afterLeaving } = await groups.getGroup({ accountId: ACCOUNT, groupJid: jid });
    expect(afterLeaving).toMatchObject({ jid, subject: "Ours now", isMember: false });
    const { groups: listed } = await groups.listGroups({ accountId: ACCOUNT, pageSize: 500 });
    expect(listed.find((g) => g.jid === jid)?.isMember).toBe(false);
  });

  it("when ListGroups is paged, then the pages together are every stored group, in JID order, each once", async () => {
    const { groups: all } = await groups.listGroups({ accountId: ACCOUNT, pageSize: 500 });
    expect(all.length).toBeGreaterThanOrEqual(4);
    const paged: string[] = [];
    let pageToken = "";
    do {
      const page = await groups.listGroups({ accountId: ACCOUNT, pageSize: 2, pageToken });
      expect(page.groups.length).toBeLessThanOrEqual(2);
      paged.push(...page.groups.map((g) => g.jid));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(paged).toEqual(all.map((g) => g.jid));
    expect([...paged].sort()).toEqual(paged);
    expect((await failure(groups.listGroups({ accountId: "nobody-here" }))).code).toBe(Code.NotFound);
  });

  it("when a request names a malformed JID, an unknown group or a dead invite code, then it fails with invalid_argument or not_found", async () => {
    const notAGroup = await failure(groups.getGroup({ accountId: ACCOUNT, groupJid: pn(BOB) }));
    expect(notAGroup.code).toBe(Code.InvalidArgument);
    expect(notAGroup.rawMessage).toMatch(/group_jid/);
    const badMember = await failure(groups.createGroup({ accountId: ACCOUNT, subject: "x", participants: ["bob@example.com"] }));
    expect(badMember.code).toBe(Code.InvalidArgument);
    expect(badMember.rawMessage).toMatch(/participants/);

    const unknown = "120363999999999999@g.us";
    expect((await failure(groups.getGroup({ accountId: ACCOUNT, groupJid: unknown }))).code).toBe(Code.NotFound);
    expect((await failure(groups.updateParticipants({ accountId: ACCOUNT, groupJid: unknown, action: ParticipantAction.ADD, participants: [pn(BOB)] }))).code).toBe(Code.NotFound);
    expect((await failure(groups.leaveGroup({ accountId: ACCOUNT, groupJid: unknown }))).code).toBe(Code.NotFound);
    expect((await failure(groups.joinGroup({ accountId: ACCOUNT, inviteCode: "NoSuchCode12345" }))).code).toBe(Code.NotFound);
    expect((await failure(groups.getInviteInfo({ accountId: ACCOUNT, inviteCode: "NoSuchCode12345" }))).code).toBe(Code.NotFound);
    expect((await failure(messages.sendMessage({ accountId: ACCOUNT, to: unknown, content: { case: "text", value: { body: "anyone?" } } }))).code).toBe(Code.NotFound);
  });

  it("when the account changes a group, then each change is one event on StreamMessages, with the account as author and the group after it", async () => {
    const group = await createGroup("Events", [pn(BOB)]);
    const created = await groupEvent(EventType.GROUP_CREATED, group.jid);
    expect(created.author?.pnJid).toBe(ACCOUNT_JID);
    expect(roles(created.group)).toEqual(roles(group));

    await groups.updateParticipants({ accountId: ACCOUNT, groupJid: group.jid, action: ParticipantAction.ADD, participants: [pn(CAROL), `+${NOBODY}`] });
    const added = await groupEvent(EventType.GROUP_PARTICIPANTS_CHANGED, group.jid, (c) => c.action === GroupParticipantsAction.ADDED);
    expect(pns(added)).toEqual([pn(CAROL)]);
    expect(added.author?.pnJid).toBe(ACCOUNT_JID);
    await groups.updateParticipants({ accountId: ACCOUNT, groupJid: group.jid, action: ParticipantAction.PROMOTE, participants: [pn(CAROL)] });
    const promoted = await groupEvent(EventType.GROUP_PARTICIPANTS_CHANGED, group.jid, (c) => c.action === GroupParticipantsAction.PROMOTED);
    expect(roles(promoted.group)[pn(CAROL)]).toBe(GroupParticipantRole.ADMIN);

    await groups.updateGroup({ accountId: ACCOUNT, group: { jid: group.jid, subject: "Events!", settings: { locked: true } }, updateMask: { paths: ["subject", "settings.locked"] } });
    const updated = await groupEvent(EventType.GROUP_UPDATED, group.jid);
    expect(updated.changedFields).toEqual(["subject", "settings.locked"]);
    expect(updated.group).toMatchObject({ subject: "Events!", settings: { locked: true } });
  });

  it("when a contact changes a group the account is in, then the change arrives as an event by that contact and the stored group follows it", async () => {
    const created = bob.sock.groupCreate("Bob's club", [ACCOUNT_JID, pn(CAROL)]);
    const jid = (await created).id;
    const createdEvent = await groupEvent(EventType.GROUP_CREATED, jid);
    expect(createdEvent.author?.jid).toBe(sim.lidOf(BOB));
    expect(createdEvent.group).toMatchObject({ subject: "Bob's club", isMember: true });
    expect((await groups.listGroups({ accountId: ACCOUNT, pageSize: 500 })).groups.map((g) => g.jid)).toContain(jid);

    await bob.sock.groupParticipantsUpdate(jid, [ACCOUNT_JID], "promote");
    const promotedEvent = await streamed(EventType.GROUP_PARTICIPANTS_CHANGED, jid, (c) => c.action === GroupParticipantsAction.PROMOTED);
    const promoted = promotedEvent.payload.value as GroupChange;
    expect(pns(promoted)).toEqual([ACCOUNT_JID]);
    expect(promoted.author?.jid).toBe(sim.lidOf(BOB));
    expect(roles(promoted.group)[ACCOUNT_JID]).toBe(GroupParticipantRole.ADMIN);
    // The same event, signed, at the webhook.
    const [hook] = (await receiver.waitFor((r) => r.some((x) => x.eventId === promotedEvent.eventId))).filter((x) => x.eventId === promotedEvent.eventId);
    verify(webhookSecret, hook!);
    const delivered = fromJsonString(EventSchema, hook!.body);
    expect(delivered.type).toBe(EventType.GROUP_PARTICIPANTS_CHANGED);
    expect(delivered.payload.value).toMatchObject({ action: GroupParticipantsAction.PROMOTED, author: { jid: sim.lidOf(BOB) }, group: { jid } });

    await bob.sock.groupUpdateSubject(jid, "Bob's club (new)");
    const renamed = await groupEvent(EventType.GROUP_UPDATED, jid, (c) => c.changedFields.includes("subject"));
    expect(renamed.group?.subject).toBe("Bob's club (new)");
    await bob.sock.groupSettingUpdate(jid, "announcement");
    const announce = await groupEvent(EventType.GROUP_UPDATED, jid, (c) => c.changedFields.includes("settings.announce"));
    expect(announce.group?.settings?.announce).toBe(true);
    await bob.sock.groupToggleEphemeral(jid, 604_800);
    const ephemeral = await groupEvent(EventType.GROUP_UPDATED, jid, (c) => c.changedFields.includes("settings.ephemeral_seconds"));
    expect(ephemeral.group?.settings?.ephemeralSeconds).toBe(604_800);

    await bob.sock.groupParticipantsUpdate(jid, [ACCOUNT_JID], "remove");
    const removed = await groupEvent(EventType.GROUP_PARTICIPANTS_CHANGED, jid, (c) => c.action === GroupParticipantsAction.REMOVED);
    expect(pns(removed)).toEqual([ACCOUNT_JID]);
    expect(removed.group).toMatchObject({ isMember: false, subject: "Bob's club (new)" });
    expect(roles(removed.group)[ACCOUNT_JID]).toBeUndefined();
    const { group: stored } = await groups.getGroup({ accountId: ACCOUNT, groupJid: jid });
    expect(stored?.isMember).toBe(false);
    const send = await failure(messages.sendMessage({ accountId: ACCOUNT, to: jid, content: { case: "text", value: { body: "hello?" } } }));
    expect(send.code).toBe(Code.FailedPrecondition);

    // A group the store never saw: WhatsApp's own refusal says the same.
    const foreign = (await bob.sock.groupCreate("Not yours", [pn(CAROL)])).id;
    const refused = await failure(messages.sendMessage({ accountId: ACCOUNT, to: foreign, content: { case: "text", value: { body: "let me in" } } }));
    expect([refused.code, refused.rawMessage]).toEqual([Code.FailedPrecondition, expect.stringMatching(/not a member.*403/)]);
  });

  it("when join approval is on, then a contact's request is an event and listed, the account approves it, and the contact is a member", async () => {
    const group = await createGroup("Approved only", [pn(BOB)]);
    await groups.updateGroup({ accountId: ACCOUNT, group: { jid: group.jid, settings: { joinApproval: true } }, updateMask: { paths: ["settings.join_approval"] } });
    const { inviteCode } = await groups.getInviteLink({ accountId: ACCOUNT, groupJid: group.jid });

    expect(await dan.sock.groupAcceptInvite(inviteCode)).toBeUndefined();
    const requested = await groupEvent(EventType.GROUP_JOIN_REQUESTED, group.jid);
    expect(requested.participants.map((p) => [p.jid, p.pnJid])).toEqual([[sim.lidOf(DAN), pn(DAN)]]);
    const { requests } = await groups.listJoinRequests({ accountId: ACCOUNT, groupJid: group.jid });
    expect(requests.map((r) => r.requester?.pnJid)).toEqual([pn(DAN)]);
    expect(requests[0]!.requestTime).toBeDefined();

    const answered = await groups.updateJoinRequests({ accountId: ACCOUNT, groupJid: group.jid, action: JoinRequestAction.APPROVE, participants: [pn(DAN), pn(CAROL)] });
    expect(answered.results.map((r) => r.status)).toEqual([ParticipantResultStatus.OK, ParticipantResultStatus.NOT_FOUND]);
    expect(roles(answered.group)[pn(DAN)]).toBe(GroupParticipantRole.MEMBER);
    const added = await groupEvent(EventType.GROUP_PARTICIPANTS_CHANGED, group.jid, (c) => c.action === GroupParticipantsAction.ADDED);
    expect(pns(added)).toEqual([pn(DAN)]);
    expect((await groups.listJoinRequests({ accountId: ACCOUNT, groupJid: group.jid })).requests).toEqual([]);
    // Only admins see requests.
    expect((await failure(groups.listJoinRequests({ accountId: ACCOUNT, groupJid: (await bob.sock.groupCreate("Bob's own", [ACCOUNT_JID])).id }))).code).toBe(Code.PermissionDenied);
  });

  it("when the account creates a community with two linked groups, then they are listed, shown linked, and unlinking one leaves the other", async () => {
    const { community } = await groups.createCommunity({ accountId: ACCOUNT, subject: "Neighbours", description: "Our street" });
    expect(community).toMatchObject({ subject: "Neighbours", description: "Our street", isCommunity: true, isMember: true, communityJid: "" });
    const garden = await createGroup("Garden", [pn(BOB)]);
    const parking = await createGroup("Parking", [pn(CAROL)]);
    const inside = (await groups.createGroup({ accountId: ACCOUNT, subject: "Inside", participants: [pn(DAN)], communityJid: community!.jid })).group!;
    expect(inside.communityJid).toBe(community!.jid);

    const { group: linked } = await groups.linkCommunityGroup({ accountId: ACCOUNT, communityJid: community!.jid, groupJid: garden.jid });
    expect(linked?.communityJid).toBe(community!.jid);
    await groups.linkCommunityGroup({ accountId: ACCOUNT, communityJid: community!.jid, groupJid: parking.jid });
    const listed = await groups.listCommunityGroups({ accountId: ACCOUNT, communityJid: community!.jid });
    expect(listed.groups.map((g) => g.subject).sort()).toEqual(["Garden", "Inside", "Parking"]);
    expect(listed.groups.find((g) => g.jid === garden.jid)).toMatchObject({ participantCount: 2 });
    expect((await bob.sock.groupMetadata(garden.jid)).linkedParent).toBe(community!.jid);

    // A group linked to one community cannot join another; a plain group has no linked groups.
    const { community: other } = await groups.createCommunity({ accountId: ACCOUNT, subject: "Other street" });
    expect((await failure(groups.linkCommunityGroup({ accountId: ACCOUNT, communityJid: other!.jid, groupJid: garden.jid }))).code).toBe(Code.AlreadyExists);
    expect((await failure(groups.listCommunityGroups({ accountId: ACCOUNT, communityJid: parking.jid }))).code).toBe(Code.InvalidArgument);

    const { group: unlinked } = await groups.unlinkCommunityGroup({ accountId: ACCOUNT, communityJid: community!.jid, groupJid: parking.jid });
    expect(unlinked?.communityJid).toBe("");
    expect((await groups.listCommunityGroups({ accountId: ACCOUNT, communityJid: community!.jid })).groups.map((g) => g.subject).sort()).toEqual(["Garden", "Inside"]);
    expect((await failure(groups.unlinkCommunityGroup({ accountId: ACCOUNT, communityJid: community!.jid, groupJid: parking.jid }))).code).toBe(Code.NotFound);
  });

  it("when a contact adds the account to a group while it is disconnected, then after reconnecting the group is an event and in ListGroups", async () => {
    const { accounts } = apiClients(gw);
    await accounts.disconnectAccount({ accountId: ACCOUNT });
    let jid: string;
    try {
      jid = (await bob.sock.groupCreate("While away", [ACCOUNT_JID])).id;
      await bob.sock.groupUpdateSubject(jid, "While you were away");
    } finally {
      await reconnect();
    }
    await groupEvent(EventType.GROUP_CREATED, jid);
    const renamed = await groupEvent(EventType.GROUP_UPDATED, jid, (c) => c.changedFields.includes("subject"));
    expect(renamed.group?.subject).toBe("While you were away");
    const { groups: listed } = await groups.listGroups({ accountId: ACCOUNT, pageSize: 500 });
    expect(listed.find((g) => g.jid === jid)).toMatchObject({ subject: "While you were away", isMember: true });
  });
}));
