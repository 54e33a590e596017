import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { jidNormalizedUser, type GroupMetadata, type WASocket } from "@whiskeysockets/baileys";
import { GroupMemberAddMode, type Group } from "../../gen/wildcat/v1/group_pb.js";
import {
  ParticipantAction,
  ParticipantResultStatus,
  type GetGroupRequest,
  JoinRequestAction,
  type CreateCommunityRequest,
  type GetInviteInfoRequest,
  type LinkCommunityGroupRequest,
  type ListCommunityGroupsRequest,
  type UnlinkCommunityGroupRequest,
  type GetInviteLinkRequest,
  type ListJoinRequestsRequest,
  type UpdateJoinRequestsRequest,
  type GroupService,
  type GroupServiceCreateGroupRequest,
  type JoinGroupRequest,
  type LeaveGroupRequest,
  type ListGroupsRequest,
  type RevokeInviteLinkRequest,
  type UpdateGroupRequest,
  type UpdateParticipantsRequest,
} from "../../gen/wildcat/v1/group_service_pb.js";
import type { Clock } from "../clock.js";
import { GroupParticipantsAction } from "../../gen/wildcat/v1/event_pb.js";
import { pair, selfOf, type GroupTracker } from "../groups/group-tracker.js";
import type { GroupRecord, GroupStore } from "../store/groups.js";
import type { AccountStore } from "../store/store.js";
import { AccountNotConnectedError, type SocketManager } from "../whatsapp/socket-manager.js";
import { mapError, mapErrors, whatsappError } from "./domain-errors.js";
import { PARTICIPANT_CODES, groupFromMetadata, toGroup, userJid } from "./group-mapping.js";
import { decodePageToken, encodePageToken, pageSize } from "./page-token.js";

const INVITE_LINK = "https://chat.whatsapp.com/";

/** WhatsApp's codes for community queries: 400 is "not a community", 404 "not linked there" or unknown. */
const COMMUNITY_CODES = {
  400: [Code.InvalidArgument, "not a community"],
  404: [Code.NotFound, "no such group or community, or the group is not linked to it"],
} as const;

const ACTIONS = {
  [ParticipantAction.ADD]: "add",
  [ParticipantAction.REMOVE]: "remove",
  [ParticipantAction.PROMOTE]: "promote",
  [ParticipantAction.DEMOTE]: "demote",
} as const;

const EVENT_ACTIONS = {
  [ParticipantAction.ADD]: GroupParticipantsAction.ADDED,
  [ParticipantAction.REMOVE]: GroupParticipantsAction.REMOVED,
  [ParticipantAction.PROMOTE]: GroupParticipantsAction.PROMOTED,
  [ParticipantAction.DEMOTE]: GroupParticipantsAction.DEMOTED,
} as const;

/** WhatsApp's per-person codes in a join requests answer. */
const REQUEST_CODES: Record<number, [ParticipantResultStatus, string]> = {
  200: [ParticipantResultStatus.OK, ""],
  404: [ParticipantResultStatus.NOT_FOUND, "no pending join request of theirs"],
};

/** UpdateGroup's single settings, by FieldMask path. */
const SETTINGS = ["announce", "locked", "member_add_mode", "join_approval", "ephemeral_seconds"] as const;

export interface GroupServiceDeps {
  sockets: SocketManager;
  groups: GroupStore;
  accounts: Pick<AccountStore, "get">;
  clock: Clock;
  /** Stores what WhatsApp answers and puts the account's own changes on the event log. */
  tracker: GroupTracker;
}

/**
 * GroupService over the account's Baileys socket. Every change is read back from WhatsApp
 * and stored, so ListGroups answers from the store and a group stays readable after the
 * account left it.
 */
export class GroupServiceImpl implements ServiceImpl<typeof GroupService> {
  constructor(private readonly deps: GroupServiceDeps) {}

  async createGroup(req: GroupServiceCreateGroupRequest) {
    const sock = await this.socket(req.accountId);
    const participants = req.participants.map(userJid);
    const what = `creating group "${req.subject}"`;
    const created = req.communityJid
      ? describedGroup(await this.ask(sock.communityCreateGroup(req.subject, participants, req.communityJid), `${what} in community ${req.communityJid}`, COMMUNITY_CODES))
      : await this.ask(sock.groupCreate(req.subject, participants), what);
    const group = await this.save(req.accountId, sock, created);
    await this.deps.tracker.announce(group, { type: "group_created", author: me(sock) });
    return { group: toGroup(group) };
  }

  async getGroup(req: GetGroupRequest) {
    // The store is kept current from WhatsApp's notifications (and resynced at connect), so a
    // known group costs no round trip; only one the store has never seen is asked for.
    const known = await this.deps.groups.get(req.accountId, req.groupJid);
    if (known) return { group: toGroup(known) };
    const sock = await this.socket(req.accountId);
    const metadata = await this.ask(sock.groupMetadata(req.groupJid), `reading group ${req.groupJid}`, { 404: [Code.NotFound, "no such group"] });
    return { group: toGroup(await this.save(req.accountId, sock, metadata)) };
  }

  async listGroups(req: ListGroupsRequest) {
    if (!(await this.deps.accounts.get(req.accountId))) throw new ConnectError(`no account "${req.accountId}"`, Code.NotFound);
    const list = `groups:${req.accountId}`;
    const page = await this.deps.groups.list(req.accountId, { pageSize: pageSize(req.pageSize, 50), after: decodePageToken(list, req.pageToken) });
    return { groups: page.groups.map(toGroup), nextPageToken: encodePageToken(list, page.nextAfter) };
  }

  async updateGroup(req: UpdateGroupRequest) {
    const sock = await this.socket(req.accountId);
    const wanted = req.group!;
    const jid = wanted.jid;
    const paths = new Set(req.updateMask!.paths);
    const current = await this.ask(sock.groupMetadata(jid), `reading group ${jid}`, { 404: [Code.NotFound, "no such group"] });
    const what = `updating group ${jid}`;
    const changed: string[] = [];
    const change = async (field: string, query: Promise<unknown>) => {
      await this.ask(query, what);
      changed.push(field);
    };
    try {
      await this.applyUpdate(sock, jid, paths, wanted, current, change);
    } catch (e) {
      // What was changed before WhatsApp refused the rest is still stored and announced.
      if (changed.length > 0) await this.announceUpdate(req.accountId, sock, jid, changed).catch(() => undefined);
      throw e;
    }
    return { group: toGroup(await this.announceUpdate(req.accountId, sock, jid, changed)) };
  }

  /** Reads the group back, stores it and announces the fields changed (if any). */
  private async announceUpdate(accountId: string, sock: WASocket, jid: string, changed: string[]): Promise<GroupRecord> {
    const group = await this.refresh(accountId, sock, jid);
    if (changed.length > 0) await this.deps.tracker.announce(group, { type: "group_updated", author: me(sock), changedFields: changed });
    return group;
  }

  /** Sends WhatsApp one query per field that differs from `current`. */
  private async applyUpdate(
    sock: WASocket,
    jid: string,
    paths: Set<string>,
    wanted: Group,
    current: GroupMetadata,
    change: (field: string, query: Promise<unknown>) => Promise<void>,
  ): Promise<void> {
    // Info first, then settings: locking the info must not stop this very call changing it.
    if (paths.has("subject") && wanted.subject !== current.subject) await change("subject", sock.groupUpdateSubject(jid, wanted.subject));
    if (paths.has("description") && wanted.description !== (current.desc ?? "")) await change("description", sock.groupUpdateDescription(jid, wanted.description || undefined));
    const setting = (name: (typeof SETTINGS)[number]) => paths.has("settings") || paths.has(`settings.${name}`);
    const s = wanted.settings ?? ({} as Partial<NonNullable<Group["settings"]>>);
    if (setting("announce") && !!s.announce !== !!current.announce) await change("settings.announce", sock.groupSettingUpdate(jid, s.announce ? "announcement" : "not_announcement"));
    if (setting("locked") && !!s.locked !== !!current.restrict) await change("settings.locked", sock.groupSettingUpdate(jid, s.locked ? "locked" : "unlocked"));
    if (setting("member_add_mode")) {
      const all = s.memberAddMode === GroupMemberAddMode.ALL_MEMBERS;
      if (all !== !!current.memberAddMode) await change("settings.member_add_mode", sock.groupMemberAddMode(jid, all ? "all_member_add" : "admin_add"));
    }
    if (setting("join_approval") && !!s.joinApproval !== !!current.joinApprovalMode) await change("settings.join_approval", sock.groupJoinApprovalMode(jid, s.joinApproval ? "on" : "off"));
    if (setting("ephemeral_seconds") && (s.ephemeralSeconds ?? 0) !== (current.ephemeralDuration ?? 0)) {
      await change("settings.ephemeral_seconds", sock.groupToggleEphemeral(jid, s.ephemeralSeconds ?? 0));
    }
  }

  async updateParticipants(req: UpdateParticipantsRequest) {
    const sock = await this.socket(req.accountId);
    const action = ACTIONS[req.action as keyof typeof ACTIONS];
    const jids = req.participants.map(userJid);
    const answers = await this.ask(sock.groupParticipantsUpdate(req.groupJid, jids, action), `${action} in group ${req.groupJid}`, {
      404: [Code.NotFound, "no such group"],
    });
    const group = await this.refresh(req.accountId, sock, req.groupJid);
    const results = perParticipant(req.participants, jids, answers, group, PARTICIPANT_CODES);
    const done = results.filter((r) => r.status === ParticipantResultStatus.OK).map((r) => r.jid);
    if (done.length > 0) {
      await this.deps.tracker.announce(group, { type: "group_participants_changed", author: me(sock), action: EVENT_ACTIONS[req.action as keyof typeof EVENT_ACTIONS], participants: done });
    }
    return { results, group: toGroup(group) };
  }

  async getInviteLink(req: GetInviteLinkRequest) {
    const sock = await this.socket(req.accountId);
    const code = await this.ask(sock.groupInviteCode(req.groupJid), `reading the invite link of group ${req.groupJid}`, { 404: [Code.NotFound, "no such group"] });
    return invite(code);
  }

  async revokeInviteLink(req: RevokeInviteLinkRequest) {
    const sock = await this.socket(req.accountId);
    const code = await this.ask(sock.groupRevokeInvite(req.groupJid), `revoking the invite link of group ${req.groupJid}`, { 404: [Code.NotFound, "no such group"] });
    return invite(code);
  }

  async joinGroup(req: JoinGroupRequest) {
    const sock = await this.socket(req.accountId);
    const code = inviteCode(req.inviteCode);
    const codes = { 406: [Code.NotFound, "the invite code is unknown or was revoked"], 409: [Code.AlreadyExists, "the account is a member already"] } as const;
    // Asked first so the group is known also when joining only files a request.
    const info = await this.ask(sock.groupGetInviteInfo(code), "joining by invite code", codes);
    const joined = await this.ask(sock.groupAcceptInvite(code), `joining group ${info.id} by invite code`, codes);
    if (!joined) return { groupJid: info.id, pendingApproval: true };
    const group = await this.refresh(req.accountId, sock, joined);
    await this.deps.tracker.announce(group, { type: "group_participants_changed", author: me(sock), action: GroupParticipantsAction.ADDED, participants: [me(sock)!] });
    return { groupJid: joined, pendingApproval: false, group: toGroup(group) };
  }

  async leaveGroup(req: LeaveGroupRequest) {
    const sock = await this.socket(req.accountId);
    const what = `leaving group ${req.groupJid}`;
    // Read before leaving: afterwards WhatsApp no longer answers the account about it.
    const last = await this.ask(sock.groupMetadata(req.groupJid), what, { 404: [Code.NotFound, "no such group"] });
    await this.ask(sock.groupLeave(req.groupJid), what, { 404: [Code.NotFound, "no such group"] });
    const self = selfOf(sock);
    const left = groupFromMetadata(req.accountId, last, self, this.deps.clock.now());
    const group = { ...left, isMember: false, participants: left.participants.filter((p) => !self.some((j) => j === p.jid || j === p.pn || j === p.lid)) };
    await this.deps.groups.put(group);
    await this.deps.tracker.announce(group, { type: "group_participants_changed", author: me(sock), action: GroupParticipantsAction.REMOVED, participants: [me(sock)!] });
    return {};
  }

  async getInviteInfo(req: GetInviteInfoRequest) {
    const sock = await this.socket(req.accountId);
    const info = await this.ask(sock.groupGetInviteInfo(inviteCode(req.inviteCode)), "reading an invite code", {
      406: [Code.NotFound, "the invite code is unknown or was revoked"],
    });
    return { group: toGroup(groupFromMetadata(req.accountId, info, selfOf(sock), this.deps.clock.now())) };
  }

  async listJoinRequests(req: ListJoinRequestsRequest) {
    const sock = await this.socket(req.accountId);
    const pending = await this.ask(sock.groupRequestParticipantsList(req.groupJid), `listing join requests of group ${req.groupJid}`, {
      404: [Code.NotFound, "no such group"],
    });
    return {
      requests: pending.map((attrs) => {
        const a = attrs as Record<string, string | undefined>;
        const time = Number(a.request_time);
        return {
          requester: pair(a.jid, a.phone_number) ?? { jid: "" },
          requestTime: Number.isFinite(time) && time > 0 ? timestampFromMs(time * 1000) : undefined,
        };
      }),
    };
  }

  async updateJoinRequests(req: UpdateJoinRequestsRequest) {
    const sock = await this.socket(req.accountId);
    const approve = req.action === JoinRequestAction.APPROVE;
    const jids = req.participants.map(userJid);
    const answers = await this.ask(
      sock.groupRequestParticipantsUpdate(req.groupJid, jids, approve ? "approve" : "reject"),
      `answering join requests of group ${req.groupJid}`,
      { 404: [Code.NotFound, "no such group"] },
    );
    const group = await this.refresh(req.accountId, sock, req.groupJid);
    const results = perParticipant(req.participants, jids, answers, group, REQUEST_CODES);
    const added = results.filter((r) => r.status === ParticipantResultStatus.OK).map((r) => r.jid);
    if (approve && added.length > 0) {
      await this.deps.tracker.announce(group, { type: "group_participants_changed", author: me(sock), action: GroupParticipantsAction.ADDED, participants: added });
    }
    return { results, group: toGroup(group) };
  }

  async createCommunity(req: CreateCommunityRequest) {
    const sock = await this.socket(req.accountId);
    const created = describedGroup(await this.ask(sock.communityCreate(req.subject, req.description), `creating community "${req.subject}"`));
    const community = await this.save(req.accountId, sock, created);
    await this.deps.tracker.announce(community, { type: "group_created", author: me(sock) });
    return { community: toGroup(community) };
  }

  async linkCommunityGroup(req: LinkCommunityGroupRequest) {
    const sock = await this.socket(req.accountId);
    await this.ask(sock.communityLinkGroup(req.groupJid, req.communityJid), `linking group ${req.groupJid} to community ${req.communityJid}`, {
      ...COMMUNITY_CODES,
      409: [Code.AlreadyExists, "the group is linked to a community already, or is a community"],
    });
    return { group: toGroup(await this.refresh(req.accountId, sock, req.groupJid)) };
  }

  async unlinkCommunityGroup(req: UnlinkCommunityGroupRequest) {
    const sock = await this.socket(req.accountId);
    await this.ask(sock.communityUnlinkGroup(req.groupJid, req.communityJid), `unlinking group ${req.groupJid} from community ${req.communityJid}`, COMMUNITY_CODES);
    return { group: toGroup(await this.refresh(req.accountId, sock, req.groupJid)) };
  }

  async listCommunityGroups(req: ListCommunityGroupsRequest) {
    const sock = await this.socket(req.accountId);
    const linked = await this.ask(sock.communityFetchLinkedGroups(req.communityJid), `listing the groups of community ${req.communityJid}`, COMMUNITY_CODES);
    if (!linked.isCommunity) throw new ConnectError(`community_jid: ${req.communityJid} is a group, not a community`, Code.InvalidArgument);
    return {
      groups: linked.linkedGroups.flatMap((g) =>
        g.id
          ? [{ jid: g.id, subject: g.subject, createTime: g.creation ? timestampFromMs(g.creation * 1000) : undefined, ownerJid: g.owner ?? "", participantCount: g.size ?? 0 }]
          : [],
      ),
    };
  }

  private socket(accountId: string): Promise<WASocket> {
    return mapErrors(this.deps.sockets.connectedSocket(accountId));
  }

  /** Awaits a Baileys query, turning WhatsApp's refusal into a ConnectError. */
  private async ask<T>(query: Promise<T>, what: string, codes?: Parameters<typeof whatsappError>[2]): Promise<T> {
    try {
      return await query;
    } catch (e) {
      throw e instanceof AccountNotConnectedError ? mapError(e) : whatsappError(e, what, codes);
    }
  }

  /** Reads the group from WhatsApp and stores it. */
  private async refresh(accountId: string, sock: WASocket, jid: string): Promise<GroupRecord> {
    return this.save(accountId, sock, await this.ask(sock.groupMetadata(jid), `reading group ${jid}`, { 404: [Code.NotFound, "no such group"] }));
  }

  private save(accountId: string, sock: WASocket, m: GroupMetadata): Promise<GroupRecord> {
    return this.deps.tracker.save(accountId, sock, m);
  }
}

/**
 * One result per requested person from WhatsApp's per-person answers, in request order, with both
 * JID forms from the group as it is now (someone removed or never added keeps the form given).
 */
function perParticipant(
  requested: string[],
  jids: string[],
  answers: { status: string; jid?: string }[],
  group: GroupRecord,
  codes: Record<number, [ParticipantResultStatus, string]>,
) {
  return requested.map((participant, i) => {
    // WhatsApp answers with the JID it was given; by position when it answered in another form.
    const answer = answers.find((a) => a.jid && jidNormalizedUser(a.jid) === jids[i]) ?? (answers.length === jids.length ? answers[i] : undefined);
    const waCode = Number(answer?.status ?? 0);
    const [status, reason] = codes[waCode] ?? [ParticipantResultStatus.FAILED, answer ? `WhatsApp refused with code ${waCode}` : "WhatsApp gave no answer for this person"];
    const jid = answer?.jid ? jidNormalizedUser(answer.jid) : jids[i]!;
    const member = group.participants.find((p) => p.jid === jid || p.pn === jid || p.lid === jid);
    return { participant, jid: { jid, pnJid: member?.pn ?? "", lidJid: member?.lid ?? "" }, status, whatsappCode: waCode, reason };
  });
}

/** The account itself, as the author of its own changes. */
function me(sock: WASocket) {
  return pair(sock.user?.lid ?? sock.user?.id, sock.user?.id);
}

/**
 * What Baileys' community calls return: the group's metadata, or an empty marker when it could not
 * read it back (it logs and swallows that error).
 */
function describedGroup(result: unknown): GroupMetadata {
  if (!result || typeof result !== "object" || typeof (result as GroupMetadata).id !== "string") {
    throw new ConnectError("WhatsApp created it but did not describe it; list the account's groups to find it", Code.Unavailable);
  }
  return result as GroupMetadata;
}

/** The code of an invite code or link. */
function inviteCode(given: string): string {
  return given.startsWith(INVITE_LINK) ? given.slice(INVITE_LINK.length) : given;
}

function invite(code: string | undefined) {
  if (!code) throw new ConnectError("WhatsApp answered without an invite code", Code.Unavailable);
  return { inviteCode: code, inviteLink: `${INVITE_LINK}${code}` };
}
