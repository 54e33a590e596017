import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { isLidUser, isPnUser, jidNormalizedUser, type GroupMetadata } from "@whiskeysockets/baileys";
import { GroupMemberAddMode, GroupParticipantRole, type GroupSchema } from "../../gen/wildcat/v1/group_pb.js";
import { ParticipantResultStatus } from "../../gen/wildcat/v1/group_service_pb.js";
import type { GroupParticipantRecord, GroupRecord, GroupRole } from "../store/groups.js";

const ROLES: Record<GroupRole, GroupParticipantRole> = {
  member: GroupParticipantRole.MEMBER,
  admin: GroupParticipantRole.ADMIN,
  superadmin: GroupParticipantRole.SUPER_ADMIN,
};

/** A user given as a phone number ("+15551234567", "15551234567") or JID, as the JID WhatsApp takes. */
export function userJid(participant: string): string {
  return /^\+?[0-9]+$/.test(participant) ? `${participant.replace(/^\+/, "")}@s.whatsapp.net` : jidNormalizedUser(participant);
}

/**
 * What Baileys read from WhatsApp, as the record the store keeps. `self` is the account's own
 * JIDs (phone number and LID), to tell whether it is still a member.
 */
export function groupFromMetadata(accountId: string, m: GroupMetadata, self: string[], now: Date): GroupRecord {
  const participants: GroupParticipantRecord[] = m.participants.map((p) => {
    const jid = jidNormalizedUser(p.id);
    const pn = isPnUser(jid) ? jid : p.phoneNumber ? jidNormalizedUser(p.phoneNumber) : undefined;
    const lid = isLidUser(jid) ? jid : p.lid ? jidNormalizedUser(p.lid) : undefined;
    return { jid, ...(pn && { pn }), ...(lid && { lid }), role: p.admin ?? "member" };
  });
  const owner = m.owner ? jidNormalizedUser(m.owner) : undefined;
  const ownerAsMember = owner ? participants.find((p) => p.jid === owner || p.pn === owner || p.lid === owner) : undefined;
  const ownerPn = owner && isPnUser(owner) ? owner : (m.ownerPn ?? ownerAsMember?.pn);
  const ownerLid = owner && isLidUser(owner) ? owner : ownerAsMember?.lid;
  const mine = new Set(self);
  const record: GroupRecord = {
    accountId,
    groupJid: m.id,
    subject: m.subject ?? "",
    announce: m.announce ?? false,
    locked: m.restrict ?? false,
    memberAddMode: m.memberAddMode ?? false,
    joinApproval: m.joinApprovalMode ?? false,
    ephemeralSeconds: m.ephemeralDuration ?? 0,
    isCommunity: m.isCommunity ?? false,
    participants,
    isMember: participants.some((p) => mine.has(p.jid) || (p.pn !== undefined && mine.has(p.pn)) || (p.lid !== undefined && mine.has(p.lid))),
    updateTime: now,
  };
  if (m.desc) record.description = m.desc;
  if (owner) record.owner = owner;
  if (ownerPn) record.ownerPn = ownerPn;
  if (ownerLid) record.ownerLid = ownerLid;
  if (m.creation) record.createTime = new Date(m.creation * 1000);
  if (m.linkedParent) record.linkedParent = m.linkedParent;
  return record;
}

/** A stored group as the API's Group. */
export function toGroup(g: GroupRecord): MessageInitShape<typeof GroupSchema> {
  return {
    jid: g.groupJid,
    accountId: g.accountId,
    subject: g.subject,
    description: g.description ?? "",
    owner: g.owner ? { jid: g.owner, pnJid: g.ownerPn ?? "", lidJid: g.ownerLid ?? "" } : undefined,
    createTime: g.createTime && timestampFromDate(g.createTime),
    settings: {
      announce: g.announce,
      locked: g.locked,
      memberAddMode: g.memberAddMode ? GroupMemberAddMode.ALL_MEMBERS : GroupMemberAddMode.ADMINS,
      joinApproval: g.joinApproval,
      ephemeralSeconds: g.ephemeralSeconds,
    },
    participants: g.participants.map((p) => ({ jid: { jid: p.jid, pnJid: p.pn ?? "", lidJid: p.lid ?? "" }, role: ROLES[p.role] })),
    isMember: g.isMember,
    updateTime: timestampFromDate(g.updateTime),
    isCommunity: g.isCommunity,
    communityJid: g.linkedParent ?? "",
  };
}

/** WhatsApp's per-member codes in a participants answer. */
export const PARTICIPANT_CODES: Record<number, [ParticipantResultStatus, string]> = {
  200: [ParticipantResultStatus.OK, ""],
  403: [ParticipantResultStatus.REFUSED, "WhatsApp refused (e.g. the person's privacy settings): send them the invite link"],
  404: [ParticipantResultStatus.NOT_FOUND, "not on WhatsApp"],
  408: [ParticipantResultStatus.RECENTLY_LEFT, "left the group recently and cannot be added yet"],
  409: [ParticipantResultStatus.CONFLICT, "already a member (add), or not a member (remove, promote, demote)"],
};

