import { randomUUID } from "node:crypto";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  isLidUser,
  isPnUser,
  jidNormalizedUser,
  type GroupMetadata,
  type GroupParticipant,
  type ParticipantAction,
  type WASocket,
} from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import { EventSchema, GroupParticipantsAction } from "../../gen/wildcat/v1/event_pb.js";
import type { JidSchema } from "../../gen/wildcat/v1/jid_pb.js";
import type { Clock } from "../clock.js";
import { WIRE_EVENT_TYPES } from "../events/event-types.js";
import type { EventLog } from "../store/events.js";
import type { GroupRecord, GroupStore } from "../store/groups.js";
import { groupFromMetadata, toGroup } from "../services/group-mapping.js";

type JidInit = MessageInitShape<typeof JidSchema>;

/** A change to announce on the event log. */
export interface GroupChangeNotice {
  type: "group_created" | "group_participants_changed" | "group_updated" | "group_join_requested";
  author?: JidInit;
  action?: GroupParticipantsAction;
  participants?: JidInit[];
  /** UpdateGroup update_mask paths. */
  changedFields?: string[];
}

const ACTIONS: Partial<Record<ParticipantAction, GroupParticipantsAction>> = {
  add: GroupParticipantsAction.ADDED,
  remove: GroupParticipantsAction.REMOVED,
  promote: GroupParticipantsAction.PROMOTED,
  demote: GroupParticipantsAction.DEMOTED,
};

/** Baileys' `groups.update` keys as UpdateGroup paths. */
const FIELDS: Partial<Record<keyof GroupMetadata, string>> = {
  subject: "subject",
  desc: "description",
  announce: "settings.announce",
  restrict: "settings.locked",
  memberAddMode: "settings.member_add_mode",
  joinApprovalMode: "settings.join_approval",
};

export interface GroupTrackerDeps {
  groups: GroupStore;
  events: EventLog;
  clock: Clock;
  logger: Logger;
}

/**
 * Keeps the stored groups current and puts every change on the event log: WhatsApp's
 * notifications (someone else's change) through `attach`, the account's own changes through
 * `announce` (WhatsApp does not echo them to the device that made them). Each account's
 * updates are handled one at a time, in the order they came.
 */
export class GroupTracker {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly deps: GroupTrackerDeps) {}

  /** Wires a new socket of the account. */
  attach(accountId: string, sock: WASocket): void {
    sock.ev.on("connection.update", ({ connection }) => {
      if (connection === "open") this.serial(accountId, () => this.resync(accountId, sock));
    });
    sock.ev.on("groups.upsert", (groups) =>
      this.serial(accountId, async () => {
        for (const m of groups) {
          // The notification tells the group as created; what is stored is the group as it is now
          // (a notification held while the account was offline may be older than later changes).
          const record = await this.save(accountId, sock, await sock.groupMetadata(m.id).catch(() => m));
          await this.announce(record, { type: "group_created", author: pair(m.author, m.authorPn) });
        }
      }),
    );
    sock.ev.on("group-participants.update", (u) =>
      this.serial(accountId, async () => {
        const action = ACTIONS[u.action];
        if (!action) return;
        const participants = u.participants.map(participantJid);
        const record = await this.current(accountId, sock, u.id, (stored) => applyParticipants(stored, u.action, participants, selfOf(sock)));
        await this.announce(record, { type: "group_participants_changed", author: pair(u.author, u.authorPn), action, participants });
      }),
    );
    sock.ev.on("groups.update", (updates) =>
      this.serial(accountId, async () => {
        for (const u of updates) {
          // groupFetchAllParticipating reports whole groups this way too: those are no change.
          if (!u.id || Array.isArray(u.participants)) continue;
          const changedFields = (Object.keys(u) as (keyof GroupMetadata)[]).flatMap((k) => FIELDS[k] ?? []);
          if (changedFields.length === 0) continue;
          const record = await this.current(accountId, sock, u.id, (stored) => stored);
          await this.announce(record, { type: "group_updated", author: pair(u.author, u.authorPn), changedFields });
        }
      }),
    );
    // Sent to admins only: someone asked to join a group with join approval on.
    sock.ev.on("group.join-request", (r) =>
      this.serial(accountId, async () => {
        if (r.action !== "created") return;
        const record = await this.current(accountId, sock, r.id, (stored) => stored);
        await this.announce(record, { type: "group_join_requested", author: pair(r.author, r.authorPn), participants: [pair(r.participant, r.participantPn)!] });
      }),
    );
    // Disappearing messages arrive as a protocol message, which Baileys reports as a chat update.
    sock.ev.on("chats.update", (updates) =>
      this.serial(accountId, async () => {
        for (const u of updates) {
          if (!u.id?.endsWith("@g.us") || !("ephemeralExpiration" in u)) continue;
          const record = await this.current(accountId, sock, u.id, (stored) => ({ ...stored, ephemeralSeconds: u.ephemeralExpiration ?? 0 }));
          await this.announce(record, { type: "group_updated", changedFields: ["settings.ephemeral_seconds"] });
        }
      }),
    );
  }

  /** Stores what WhatsApp said of a group and returns the record. */
  async save(accountId: string, sock: WASocket, m: GroupMetadata): Promise<GroupRecord> {
    const record = groupFromMetadata(accountId, m, selfOf(sock), this.deps.clock.now());
    await this.deps.groups.put(record);
    return record;
  }

  /** Appends a change of `group` to the event log. */
  async announce(group: GroupRecord, change: GroupChangeNotice): Promise<void> {
    const eventId = randomUUID();
    const now = this.deps.clock.now();
    const event = create(EventSchema, {
      eventId,
      type: WIRE_EVENT_TYPES[change.type],
      accountId: group.accountId,
      createTime: timestampFromDate(now),
      payload: {
        case: "groupChange",
        value: {
          group: toGroup(group),
          author: change.author,
          action: change.action,
          participants: change.participants ?? [],
          changedFields: change.changedFields ?? [],
        },
      },
    });
    await this.deps.events.append({
      eventId,
      accountId: group.accountId,
      type: change.type,
      chatJid: group.groupJid,
      createTime: now,
      payload: toBinary(EventSchema, event),
    });
  }

  /**
   * The group after a change: read from WhatsApp, or, when WhatsApp no longer answers the
   * account (it was removed), the stored record with `apply` applied.
   */
  private async current(accountId: string, sock: WASocket, jid: string, apply: (stored: GroupRecord) => GroupRecord): Promise<GroupRecord> {
    try {
      return await this.save(accountId, sock, await sock.groupMetadata(jid));
    } catch (e) {
      const stored = await this.deps.groups.get(accountId, jid);
      const now = this.deps.clock.now();
      if (!stored) {
        this.deps.logger.warn({ err: e, accountId, group: jid }, "a group changed that WhatsApp does not describe and the store does not know");
        return { accountId, groupJid: jid, subject: "", announce: false, locked: false, memberAddMode: false, joinApproval: false, ephemeralSeconds: 0, isCommunity: false, participants: [], isMember: false, updateTime: now };
      }
      const changed = { ...apply(stored), updateTime: now };
      await this.deps.groups.put(changed);
      return changed;
    }
  }

  /** After a connect: every group WhatsApp says the account is in is stored; stored groups it left meanwhile are marked so. */
  private async resync(accountId: string, sock: WASocket): Promise<void> {
    const current = await sock.groupFetchAllParticipating();
    for (const m of Object.values(current)) await this.save(accountId, sock, m);
    let after: string | undefined;
    do {
      const page = await this.deps.groups.list(accountId, { pageSize: 200, after });
      for (const g of page.groups) {
        // Communities are left alone: whether WhatsApp lists a community's parent among the
        // participating groups is not something the simulator can tell us.
        if (g.isMember && !g.isCommunity && !current[g.groupJid]) await this.deps.groups.put({ ...g, isMember: false, updateTime: this.deps.clock.now() });
      }
      after = page.nextAfter;
    } while (after);
  }

  /** Resolves once every update in hand is handled: the gateway waits for it before closing the store. */
  async idle(): Promise<void> {
    await Promise.all(this.chains.values());
  }

  private serial(accountId: string, task: () => Promise<void>): void {
    const next = (this.chains.get(accountId) ?? Promise.resolve()).then(task).catch((e: unknown) => {
      this.deps.logger.error({ err: e, accountId }, "handling a group update failed");
    });
    this.chains.set(accountId, next);
    void next.then(() => {
      if (this.chains.get(accountId) === next) this.chains.delete(accountId);
    });
  }
}

/** The account's own JIDs (phone number and LID, user level). */
export function selfOf(sock: WASocket): string[] {
  return [sock.user?.id, sock.user?.lid].flatMap((j) => (j ? [jidNormalizedUser(j)] : []));
}

/** A JID with its other form, when WhatsApp gave it. */
export function pair(jid: string | undefined, pn?: string): JidInit | undefined {
  if (!jid) return undefined;
  const j = jidNormalizedUser(jid);
  return { jid: j, pnJid: isPnUser(j) ? j : pn ? jidNormalizedUser(pn) : "", lidJid: isLidUser(j) ? j : "" };
}

function participantJid(p: GroupParticipant | string): JidInit {
  if (typeof p === "string") return pair(p)!;
  const jid = jidNormalizedUser(p.id);
  return {
    jid,
    pnJid: isPnUser(jid) ? jid : p.phoneNumber ? jidNormalizedUser(p.phoneNumber) : "",
    lidJid: isLidUser(jid) ? jid : p.lid ? jidNormalizedUser(p.lid) : "",
  };
}

/** A participants change applied to the stored group (when WhatsApp no longer describes it to the account). */
function applyParticipants(stored: GroupRecord, action: ParticipantAction, changed: JidInit[], self: string[]): GroupRecord {
  const names = new Set(changed.flatMap((j) => [j.jid, j.pnJid, j.lidJid]).filter((j): j is string => !!j));
  const hit = (p: { jid: string; pn?: string; lid?: string }) => names.has(p.jid) || (!!p.pn && names.has(p.pn)) || (!!p.lid && names.has(p.lid));
  let participants = stored.participants;
  if (action === "remove") participants = participants.filter((p) => !hit(p));
  if (action === "promote" || action === "demote") participants = participants.map((p) => (hit(p) ? { ...p, role: action === "promote" ? "admin" : "member" } : p));
  const removedMe = action === "remove" && self.some((j) => names.has(j));
  return { ...stored, participants, isMember: stored.isMember && !removedMe };
}
