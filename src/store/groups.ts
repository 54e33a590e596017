/** The group store port: what an account knows of its groups, kept current from WhatsApp's notifications. */

/** A member's role in a group. */
export type GroupRole = "member" | "admin" | "superadmin";

/** One member of a group, in both JID forms when known. */
export interface GroupParticipantRecord {
  /** The JID the group addresses the member by (LID or phone number). */
  jid: string;
  pn?: string;
  lid?: string;
  role: GroupRole;
}

/** A group as the account last saw it. */
export interface GroupRecord {
  accountId: string;
  /** `…@g.us`. */
  groupJid: string;
  subject: string;
  description?: string;
  /** The creator's JID. */
  owner?: string;
  /** The creator's phone-number JID, when known. */
  ownerPn?: string;
  /** The creator's LID, when known. */
  ownerLid?: string;
  createTime?: Date;
  announce: boolean;
  locked: boolean;
  memberAddMode: boolean;
  joinApproval: boolean;
  /** Disappearing messages timer in seconds; 0: off. */
  ephemeralSeconds: number;
  /** The community this group is linked to, if any. */
  linkedParent?: string;
  isCommunity: boolean;
  participants: GroupParticipantRecord[];
  /** False once the account has left or was removed (the group stays readable). */
  isMember: boolean;
  updateTime: Date;
}

export interface GroupPage {
  groups: GroupRecord[];
  /** groupJid to pass as `after` for the next page; undefined on the last page. */
  nextAfter?: string;
}

export interface GroupStore {
  /** Inserts or replaces the account's record of the group (idempotent). */
  put(group: GroupRecord): Promise<void>;
  get(accountId: string, groupJid: string): Promise<GroupRecord | undefined>;
  /** The account's groups ordered by groupJid, strictly after `after` (keyset pagination). */
  list(accountId: string, options: { pageSize: number; after?: string }): Promise<GroupPage>;
  /** Removes every group of the account; returns how many. */
  deleteAccount(accountId: string): Promise<number>;
}

/** A record as JSON (dates as epoch milliseconds), the form both adapters keep it in. */
export function groupToJson(group: GroupRecord): string {
  return JSON.stringify({ ...group, createTime: group.createTime?.getTime(), updateTime: group.updateTime.getTime() });
}

export function groupFromJson(text: string): GroupRecord {
  const raw = JSON.parse(text) as Omit<GroupRecord, "createTime" | "updateTime"> & { createTime?: number; updateTime: number };
  const { createTime, updateTime, ...rest } = raw;
  const group: GroupRecord = { ...rest, updateTime: new Date(updateTime) };
  if (createTime !== undefined) group.createTime = new Date(createTime);
  return group;
}
