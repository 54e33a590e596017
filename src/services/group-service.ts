import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { jidNormalizedUser, type GroupMetadata, type WASocket } from "@whiskeysockets/baileys";
import { GroupMemberAddMode, type Group } from "../../gen/wildcat/v1/group_pb.js";
import {
  ParticipantAction,
  ParticipantResultStatus,
  type GetGroupRequest,
  type GetInviteLinkRequest,
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
import type { GroupRecord, GroupStore } from "../store/groups.js";
import type { AccountStore } from "../store/store.js";
import { AccountNotConnectedError, type SocketManager } from "../whatsapp/socket-manager.js";
import { mapError, mapErrors, whatsappCode, whatsappError } from "./domain-errors.js";
import { groupFromMetadata, toGroup, userJid } from "./group-mapping.js";
import { decodePageToken, encodePageToken, pageSize } from "./page-token.js";

const INVITE_LINK = "https://chat.whatsapp.com/";

const ACTIONS = {
  [ParticipantAction.ADD]: "add",
  [ParticipantAction.REMOVE]: "remove",
  [ParticipantAction.PROMOTE]: "promote",
  [ParticipantAction.DEMOTE]: "demote",
} as const;

/** WhatsApp's per-member codes in a participants answer. */
const PARTICIPANT_CODES: Record<number, [ParticipantResultStatus, string]> = {
  200: [ParticipantResultStatus.OK, ""],
  403: [ParticipantResultStatus.REFUSED, "WhatsApp refused (e.g. the person's privacy settings): send them the invite link"],
  404: [ParticipantResultStatus.NOT_FOUND, "not on WhatsApp"],
  408: [ParticipantResultStatus.RECENTLY_LEFT, "left the group recently and cannot be added yet"],
  409: [ParticipantResultStatus.CONFLICT, "already a member (add), or not a member (remove, promote, demote)"],
};

/** UpdateGroup's single settings, by FieldMask path. */
const SETTINGS = ["announce", "locked", "member_add_mode", "join_approval", "ephemeral_seconds"] as const;

export interface GroupServiceDeps {
  sockets: SocketManager;
  groups: GroupStore;
  accounts: Pick<AccountStore, "get">;
  clock: Clock;
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
    const created = await this.ask(sock.groupCreate(req.subject, req.participants.map(userJid)), `creating group "${req.subject}"`);
    return { group: toGroup(await this.save(req.accountId, sock, created)) };
  }

  async getGroup(req: GetGroupRequest) {
    const sock = await mapErrors(this.deps.sockets.connectedSocket(req.accountId)).catch(async (e: unknown) => {
      // Not connected: the stored state is the answer, when there is one.
      if (ConnectError.from(e).code !== Code.FailedPrecondition) throw e;
      if (await this.deps.groups.get(req.accountId, req.groupJid)) return undefined;
      throw e;
    });
    if (!sock) return { group: toGroup((await this.deps.groups.get(req.accountId, req.groupJid))!) };
    try {
      return { group: toGroup(await this.save(req.accountId, sock, await sock.groupMetadata(req.groupJid))) };
    } catch (e) {
      // WhatsApp answers only members; a group the account left is still readable as it was.
      const stored = whatsappCode(e) === 403 ? await this.deps.groups.get(req.accountId, req.groupJid) : undefined;
      if (!stored) throw whatsappError(e, `reading group ${req.groupJid}`, { 404: [Code.NotFound, "no such group"] });
      if (!stored.isMember) return { group: toGroup(stored) };
      const left = { ...stored, isMember: false, updateTime: this.deps.clock.now() };
      await this.deps.groups.put(left);
      return { group: toGroup(left) };
    }
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
    // Info first, then settings: locking the info must not stop this very call changing it.
    if (paths.has("subject") && wanted.subject !== current.subject) await this.ask(sock.groupUpdateSubject(jid, wanted.subject), what);
    if (paths.has("description") && wanted.description !== (current.desc ?? "")) await this.ask(sock.groupUpdateDescription(jid, wanted.description || undefined), what);
    const setting = (name: (typeof SETTINGS)[number]) => paths.has("settings") || paths.has(`settings.${name}`);
    const s = wanted.settings ?? ({} as Partial<NonNullable<Group["settings"]>>);
    if (setting("announce") && !!s.announce !== !!current.announce) await this.ask(sock.groupSettingUpdate(jid, s.announce ? "announcement" : "not_announcement"), what);
    if (setting("locked") && !!s.locked !== !!current.restrict) await this.ask(sock.groupSettingUpdate(jid, s.locked ? "locked" : "unlocked"), what);
    if (setting("member_add_mode")) {
      const all = s.memberAddMode === GroupMemberAddMode.ALL_MEMBERS;
      if (all !== !!current.memberAddMode) await this.ask(sock.groupMemberAddMode(jid, all ? "all_member_add" : "admin_add"), what);
    }
    if (setting("join_approval") && !!s.joinApproval !== !!current.joinApprovalMode) await this.ask(sock.groupJoinApprovalMode(jid, s.joinApproval ? "on" : "off"), what);
    if (setting("ephemeral_seconds") && (s.ephemeralSeconds ?? 0) !== (current.ephemeralDuration ?? 0)) {
      await this.ask(sock.groupToggleEphemeral(jid, s.ephemeralSeconds ?? 0), what);
    }
    return { group: toGroup(await this.refresh(req.accountId, sock, jid)) };
  }

  async updateParticipants(req: UpdateParticipantsRequest) {
    const sock = await this.socket(req.accountId);
    const action = ACTIONS[req.action as keyof typeof ACTIONS];
    const jids = req.participants.map(userJid);
    const answers = await this.ask(sock.groupParticipantsUpdate(req.groupJid, jids, action), `${action} in group ${req.groupJid}`, {
      404: [Code.NotFound, "no such group"],
    });
    const group = await this.refresh(req.accountId, sock, req.groupJid);
    const results = req.participants.map((participant, i) => {
      // WhatsApp answers with the JID it was given; by position when it answered in another form.
      const answer = answers.find((a) => a.jid && jidNormalizedUser(a.jid) === jids[i]) ?? (answers.length === jids.length ? answers[i] : undefined);
      const waCode = Number(answer?.status ?? 0);
      const [status, reason] = PARTICIPANT_CODES[waCode] ?? [ParticipantResultStatus.FAILED, answer ? `WhatsApp refused with code ${waCode}` : "WhatsApp gave no answer for this member"];
      const jid = answer?.jid ? jidNormalizedUser(answer.jid) : jids[i]!;
      // Both forms from the group as it is now; someone removed or never added keeps the one given.
      const member = group.participants.find((p) => p.jid === jid || p.pn === jid || p.lid === jid);
      return { participant, jid: { jid, pnJid: member?.pn ?? "", lidJid: member?.lid ?? "" }, status, whatsappCode: waCode, reason };
    });
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
    const code = req.inviteCode.startsWith(INVITE_LINK) ? req.inviteCode.slice(INVITE_LINK.length) : req.inviteCode;
    const codes = { 406: [Code.NotFound, "the invite code is unknown or was revoked"], 409: [Code.AlreadyExists, "the account is a member already"] } as const;
    // Asked first so the group is known also when joining only files a request.
    const info = await this.ask(sock.groupGetInviteInfo(code), "joining by invite code", codes);
    const joined = await this.ask(sock.groupAcceptInvite(code), `joining group ${info.id} by invite code`, codes);
    if (!joined) return { groupJid: info.id, pendingApproval: true };
    return { groupJid: joined, pendingApproval: false, group: toGroup(await this.refresh(req.accountId, sock, joined)) };
  }

  async leaveGroup(req: LeaveGroupRequest) {
    const sock = await this.socket(req.accountId);
    const what = `leaving group ${req.groupJid}`;
    // Read before leaving: afterwards WhatsApp no longer answers the account about it.
    const last = await this.ask(sock.groupMetadata(req.groupJid), what, { 404: [Code.NotFound, "no such group"] });
    await this.ask(sock.groupLeave(req.groupJid), what, { 404: [Code.NotFound, "no such group"] });
    const record = groupFromMetadata(req.accountId, last, [], this.deps.clock.now());
    await this.deps.groups.put({ ...record, isMember: false });
    return {};
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

  private async save(accountId: string, sock: WASocket, m: GroupMetadata): Promise<GroupRecord> {
    const self = [sock.user?.id, sock.user?.lid].flatMap((j) => (j ? [jidNormalizedUser(j)] : []));
    const record = groupFromMetadata(accountId, m, self, this.deps.clock.now());
    await this.deps.groups.put(record);
    return record;
  }
}

function invite(code: string | undefined) {
  if (!code) throw new ConnectError("WhatsApp answered without an invite code", Code.Unavailable);
  return { inviteCode: code, inviteLink: `${INVITE_LINK}${code}` };
}
