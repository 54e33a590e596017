import { randomBytes, randomInt } from "node:crypto";
import { type BinaryNode, getAllBinaryNodeChildren, getBinaryNodeChildren, jidDecode } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import { type DeviceRecord, type GroupAddressing, type GroupRecord, lidJid, type PhoneRecord, pnJid, type SimState } from "./sim-state.js";

/** An iq the server refuses: Baileys turns it into an error with this code and text. */
export class IqError extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
  ) {
    super(`${code} ${text}`);
  }
}

/** A member's device that must not get a stanza (the one that caused it). */
export interface ExceptDevice {
  phone: PhoneRecord;
  deviceId: number;
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * Group chats as WhatsApp's `w:g2` service keeps them: creation, metadata, the groups a user is
 * in, subject and membership changes, each change announced to the members as a `w:gp2`
 * notification. The relay asks it who is in a group to fan group messages out.
 */
export class Groups {
  constructor(
    private readonly state: SimState,
    /** How new groups address their members (WhatsApp creates LID groups nowadays). */
    private readonly addressing: GroupAddressing,
    /** Delivers a stanza to every device of these phones (except one device). */
    private readonly announce: (phones: PhoneRecord[], node: BinaryNode, except?: ExceptDevice) => void,
    private readonly logger: Logger,
  ) {}

  /** The group a JID (`…@g.us`) names, if it exists. */
  find(jid: string): GroupRecord | undefined {
    const decoded = jidDecode(jid);
    return decoded?.server === "g.us" ? this.state.groups.get(decoded.user) : undefined;
  }

  /** The phones of a group's members. */
  members(group: GroupRecord): PhoneRecord[] {
    return [...group.participants.keys()].flatMap((number) => this.state.findPhone(number) ?? []);
  }

  /** Every linked device of every member. */
  *memberDevices(group: GroupRecord): Generator<{ phone: PhoneRecord; device: DeviceRecord }> {
    for (const phone of this.members(group)) for (const device of phone.devices.values()) yield { phone, device };
  }

  /** A member (or one of its devices) as the group addresses it. */
  memberJid(group: GroupRecord, phone: PhoneRecord, deviceId?: number): string {
    return group.addressing === "lid" ? lidJid(phone, deviceId) : pnJid(phone, deviceId);
  }

  /** The same member in the other addressing, user level (Baileys learns the LID ↔ phone mapping from it). */
  memberAltAttrs(group: GroupRecord, phone: PhoneRecord, prefix: string): Record<string, string> {
    return group.addressing === "lid" ? { [`${prefix}_pn`]: pnJid(phone) } : { [`${prefix}_lid`]: lidJid(phone) };
  }

  /** Answers a `w:g2` iq from `conn`'s owner; undefined for queries the simulator does not know. */
  answer(from: ExceptDevice, iq: BinaryNode): BinaryNode[] | undefined {
    const [child] = getAllBinaryNodeChildren(iq);
    const me = from.phone;
    switch (child?.tag) {
      case "create":
        return [this.create(from, child)];
      case "query":
        return [this.metadata(this.joined(iq.attrs.to!, me))];
      case "participating": {
        const groups = [...this.state.groups.values()].filter((g) => g.participants.has(me.phoneNumber));
        return [{ tag: "groups", attrs: {}, content: groups.map((g) => this.metadata(g)) }];
      }
      case "subject": {
        const group = this.joined(iq.attrs.to!, me);
        group.subject = Buffer.from((child.content as Uint8Array | undefined) ?? []).toString();
        this.state.changed();
        this.notify(group, from, { tag: "subject", attrs: { subject: group.subject, s_o: this.memberJid(group, me), s_t: String(now()) } });
        return [];
      }
      case "add":
      case "remove":
      case "promote":
      case "demote":
        return [this.changeMembers(from, this.joined(iq.attrs.to!, me), child)];
      case "description":
        return this.setDescription(from, this.joined(iq.attrs.to!, me), child);
      case "announcement":
      case "not_announcement":
      case "locked":
      case "unlocked":
        return this.setFlag(from, this.joined(iq.attrs.to!, me), child);
      case "ephemeral":
      case "not_ephemeral": {
        const group = this.joined(iq.attrs.to!, me);
        if (group.locked) this.admin(group, me);
        group.ephemeral = child.tag === "ephemeral" ? Number(child.attrs.expiration ?? 0) : 0;
        this.state.changed();
        this.notify(group, from, { tag: child.tag, attrs: child.tag === "ephemeral" ? { expiration: String(group.ephemeral) } : {} });
        return [];
      }
      case "member_add_mode": {
        const group = this.joined(iq.attrs.to!, me);
        this.admin(group, me);
        const mode = Buffer.from((child.content as Uint8Array | undefined) ?? []).toString();
        if (mode !== "admin_add" && mode !== "all_member_add") throw new IqError(400, "bad-request");
        group.memberAddMode = mode === "all_member_add";
        this.state.changed();
        this.notify(group, from, { tag: "member_add_mode", attrs: {}, content: Buffer.from(mode) });
        return [];
      }
      case "membership_approval_mode": {
        const group = this.joined(iq.attrs.to!, me);
        this.admin(group, me);
        const state = getBinaryNodeChildren(child, "group_join")[0]?.attrs.state;
        if (state !== "on" && state !== "off") throw new IqError(400, "bad-request");
        group.joinApproval = state === "on";
        this.state.changed();
        this.notify(group, from, { tag: "membership_approval_mode", attrs: {}, content: [{ tag: "group_join", attrs: { state } }] });
        return [];
      }
      case "invite":
        return this.invite(from, iq, child);
      case "membership_approval_requests": {
        const group = this.joined(iq.attrs.to!, me);
        this.admin(group, me);
        const requests = (group.requests ?? []).flatMap((r) => {
          const phone = this.state.findPhone(r.phone);
          return phone ? [{ tag: "membership_approval_request", attrs: { ...this.participantAttrs(group, phone), request_time: String(r.time) } }] : [];
        });
        return [{ tag: "membership_approval_requests", attrs: {}, content: requests }];
      }
      case "membership_requests_action":
        return [this.answerRequests(from, this.joined(iq.attrs.to!, me), child)];
      case "links":
      case "unlink":
        return this.link(from, this.joined(iq.attrs.to!, me), child);
      case "sub_groups": {
        const community = this.joined(iq.attrs.to!, me);
        const linked = [...this.state.groups.values()].filter((g) => g.linkedParent === community.id);
        return [{ tag: "sub_groups", attrs: {}, content: linked.map((g) => ({ tag: "group", attrs: this.summaryAttrs(g) })) }];
      }
      case "leave":
        for (const { attrs } of getBinaryNodeChildren(child, "group")) {
          this.leave(from, this.joined(attrs.id!.includes("@") ? attrs.id! : `${attrs.id}@g.us`, me));
        }
        return [];
      default:
        return undefined;
    }
  }

  /** `<create subject key><participant jid/>…</create>`: a new group of the creator and every known participant. */
  private create(from: ExceptDevice, create: BinaryNode): BinaryNode {
    let id: string;
    do id = `120363${randomInt(100_000, 999_999)}${randomInt(100_000, 999_999)}`;
    while (this.state.groups.has(id));
    const group: GroupRecord = {
      id,
      subject: create.attrs.subject ?? "",
      creation: now(),
      creator: from.phone.phoneNumber,
      addressing: this.addressing,
      participants: new Map([[from.phone.phoneNumber, "superadmin"]]),
    };
    for (const p of getBinaryNodeChildren(create, "participant")) {
      const phone = this.state.resolve(p.attrs.jid!)?.phone;
      if (phone) group.participants.set(phone.phoneNumber, group.participants.get(phone.phoneNumber) ?? "member");
      else this.logger.info({ jid: p.attrs.jid }, "group participant is not on the simulator: left out");
    }
    if (getBinaryNodeChildren(create, "parent").length) group.isCommunity = true;
    const description = getBinaryNodeChildren(getBinaryNodeChildren(create, "description")[0], "body")[0];
    if (description?.content) {
      const body = Buffer.from(description.content as Uint8Array).toString();
      if (body) group.description = { id: randomBytes(6).toString("hex").toUpperCase(), body, owner: from.phone.phoneNumber, time: group.creation };
    }
    const parentJid = getBinaryNodeChildren(create, "linked_parent")[0]?.attrs.jid;
    if (parentJid) {
      const parent = this.joined(parentJid, from.phone);
      if (!parent.isCommunity) throw new IqError(400, "bad-request");
      this.admin(parent, from.phone);
      group.linkedParent = parent.id;
    }
    this.state.groups.set(id, group);
    this.state.changed();
    const metadata = this.metadata(group);
    this.notify(group, from, { tag: "create", attrs: {}, content: [metadata] });
    return metadata;
  }

  /** Adds, removes, promotes or demotes the listed participants (admins only), then tells the members. */
  private changeMembers(from: ExceptDevice, group: GroupRecord, change: BinaryNode): BinaryNode {
    const role = group.participants.get(from.phone.phoneNumber);
    if (role === "member" && !(change.tag === "add" && group.memberAddMode)) throw new IqError(403, "forbidden");
    const results: BinaryNode[] = [];
    const changed: PhoneRecord[] = [];
    for (const p of getBinaryNodeChildren(change, "participant")) {
      const phone = this.state.resolve(p.attrs.jid!)?.phone;
      const isMember = phone ? group.participants.has(phone.phoneNumber) : false;
      const ok = phone && (change.tag === "add" ? !isMember : isMember);
      results.push({ tag: "participant", attrs: ok ? { jid: p.attrs.jid! } : { jid: p.attrs.jid!, error: phone ? "409" : "404" } });
      if (!ok) continue;
      changed.push(phone);
      if (change.tag === "remove") group.participants.delete(phone.phoneNumber);
      else group.participants.set(phone.phoneNumber, change.tag === "promote" ? "admin" : "member");
    }
    this.state.changed();
    if (changed.length) {
      const participants = changed.map((p) => ({ tag: "participant", attrs: this.participantAttrs(group, p) }));
      const notice = { tag: change.tag, attrs: {}, content: participants };
      // the removed no longer are members, yet learn that they were removed
      this.notify(group, from, notice, change.tag === "remove" ? changed : []);
    }
    return { tag: change.tag, attrs: {}, content: results };
  }

  /** `<description id|delete prev><body/></description>`: anyone unless the info is locked. */
  private setDescription(from: ExceptDevice, group: GroupRecord, node: BinaryNode): BinaryNode[] {
    if (group.locked) this.admin(group, from.phone);
    if (group.description && node.attrs.prev && node.attrs.prev !== group.description.id) throw new IqError(409, "conflict");
    const body = getBinaryNodeChildren(node, "body")[0];
    const text = body ? Buffer.from((body.content as Uint8Array | undefined) ?? []).toString() : "";
    const time = now();
    if (node.attrs.delete === "true" || !text) group.description = undefined;
    else group.description = { id: node.attrs.id ?? randomBytes(8).toString("hex").toUpperCase(), body: text, owner: from.phone.phoneNumber, time };
    this.state.changed();
    const d = group.description;
    this.notify(group, from, {
      tag: "description",
      attrs: d ? { id: d.id, t: String(time) } : { delete: "true", t: String(time) },
      content: d ? [{ tag: "body", attrs: {}, content: Buffer.from(d.body) }] : undefined,
    });
    return [];
  }

  /** Announcement-only and locked info: admins only. */
  private setFlag(from: ExceptDevice, group: GroupRecord, node: BinaryNode): BinaryNode[] {
    this.admin(group, from.phone);
    if (node.tag === "announcement" || node.tag === "not_announcement") group.announce = node.tag === "announcement";
    else group.locked = node.tag === "locked";
    this.state.changed();
    this.notify(group, from, { tag: node.tag, attrs: {} });
    return [];
  }

  /**
   * `<invite/>` to a group: its code (get) or a new one, the old one void (set). `<invite code/>`
   * to `@g.us`: the group's metadata (get) or joining it (set); with join approval on, a request
   * the admins are told of.
   */
  private invite(from: ExceptDevice, iq: BinaryNode, node: BinaryNode): BinaryNode[] {
    const me = from.phone;
    if (!node.attrs.code) {
      const group = this.joined(iq.attrs.to!, me);
      this.admin(group, me);
      if (iq.attrs.type === "set" || !group.inviteCode) {
        group.inviteCode = randomBytes(16).toString("base64url").slice(0, 22);
        this.state.changed();
      }
      return [{ tag: "invite", attrs: { code: group.inviteCode } }];
    }
    const group = [...this.state.groups.values()].find((g) => g.inviteCode === node.attrs.code);
    // WhatsApp answers a revoked or unknown code like this
    if (!group) throw new IqError(406, "not-acceptable");
    if (iq.attrs.type === "get") return [this.metadata(group)];
    const jid = `${group.id}@g.us`;
    if (group.participants.has(me.phoneNumber)) throw new IqError(409, "conflict");
    if (group.joinApproval) {
      const requests = (group.requests ??= []);
      if (!requests.some((r) => r.phone === me.phoneNumber)) requests.push({ phone: me.phoneNumber, time: now() });
      this.state.changed();
      const admins = this.members(group).filter((p) => group.participants.get(p.phoneNumber) !== "member");
      this.notify(group, from, { tag: "created_membership_requests", attrs: { request_method: "invite_link" }, content: [{ tag: "participant", attrs: this.participantAttrs(group, me) }] }, [], admins);
      return [{ tag: "membership_approval_request", attrs: { jid } }];
    }
    group.participants.set(me.phoneNumber, "member");
    this.state.changed();
    this.notify(group, from, { tag: "add", attrs: { reason: "invite" }, content: [{ tag: "participant", attrs: this.participantAttrs(group, me) }] });
    return [{ tag: "group", attrs: { jid } }];
  }

  /** `<membership_requests_action><approve|reject><participant jid/>…`: admins only; one result per participant. */
  private answerRequests(from: ExceptDevice, group: GroupRecord, node: BinaryNode): BinaryNode {
    this.admin(group, from.phone);
    const [action] = getAllBinaryNodeChildren(node);
    if (action?.tag !== "approve" && action?.tag !== "reject") throw new IqError(400, "bad-request");
    const results: BinaryNode[] = [];
    const done: PhoneRecord[] = [];
    for (const p of getBinaryNodeChildren(action, "participant")) {
      const phone = this.state.resolve(p.attrs.jid!)?.phone;
      const pending = phone ? (group.requests ?? []).findIndex((r) => r.phone === phone.phoneNumber) : -1;
      if (!phone || pending < 0) {
        results.push({ tag: "participant", attrs: { jid: p.attrs.jid!, error: "404" } });
        continue;
      }
      group.requests!.splice(pending, 1);
      if (action.tag === "approve") group.participants.set(phone.phoneNumber, "member");
      done.push(phone);
      results.push({ tag: "participant", attrs: { jid: p.attrs.jid! } });
    }
    this.state.changed();
    for (const phone of done) {
      const participant = { tag: "participant", attrs: this.participantAttrs(group, phone) };
      if (action.tag === "approve") this.notify(group, from, { tag: "add", attrs: { reason: "approval" }, content: [participant] });
      else this.notify(group, from, { tag: "revoked_membership_requests", attrs: {}, content: [participant] }, [phone]);
    }
    return { tag: "membership_requests_action", attrs: {}, content: [{ tag: action.tag, attrs: {}, content: results }] };
  }

  /** `<links><link link_type=sub_group><group jid/>` or `<unlink><group jid/>` to a community its admin is in. */
  private link(from: ExceptDevice, community: GroupRecord, node: BinaryNode): BinaryNode[] {
    if (!community.isCommunity) throw new IqError(400, "bad-request");
    this.admin(community, from.phone);
    const groups = node.tag === "links" ? getBinaryNodeChildren(node, "link").flatMap((l) => getBinaryNodeChildren(l, "group")) : getBinaryNodeChildren(node, "group");
    for (const g of groups) {
      const group = this.joined(g.attrs.jid!, from.phone);
      this.admin(group, from.phone);
      if (node.tag === "links") {
        if (group.isCommunity || (group.linkedParent && group.linkedParent !== community.id)) throw new IqError(409, "conflict");
        group.linkedParent = community.id;
      } else if (group.linkedParent === community.id) {
        group.linkedParent = undefined;
      } else {
        throw new IqError(404, "item-not-found");
      }
    }
    this.state.changed();
    return [];
  }

  /** `<group>` attributes of a linked group as `communityFetchLinkedGroups` reads them. */
  private summaryAttrs(group: GroupRecord): Record<string, string> {
    const creator = this.state.findPhone(group.creator)!;
    return { id: group.id, subject: group.subject, creation: String(group.creation), creator: this.memberJid(group, creator), size: String(group.participants.size) };
  }

  /** Refuses a member who is not an admin, as WhatsApp does. */
  private admin(group: GroupRecord, phone: PhoneRecord): void {
    if (group.participants.get(phone.phoneNumber) === "member") throw new IqError(403, "not-authorized");
  }

  private leave(from: ExceptDevice, group: GroupRecord): void {
    group.participants.delete(from.phone.phoneNumber);
    this.state.changed();
    const notice = { tag: "leave", attrs: {}, content: [{ tag: "participant", attrs: this.participantAttrs(group, from.phone) }] };
    this.notify(group, from, notice, [from.phone]);
  }

  /** The group `jid` if `phone` is in it; else what WhatsApp answers (404 no such group, 403 not a member). */
  private joined(jid: string, phone: PhoneRecord): GroupRecord {
    const group = this.find(jid);
    if (!group) throw new IqError(404, "item-not-found");
    if (!group.participants.has(phone.phoneNumber)) throw new IqError(403, "forbidden");
    return group;
  }

  private participantAttrs(group: GroupRecord, phone: PhoneRecord): Record<string, string> {
    return group.addressing === "lid" ? { jid: lidJid(phone), phone_number: pnJid(phone) } : { jid: pnJid(phone), lid: lidJid(phone) };
  }

  /** `<group>` as `extractGroupMetadata` reads it. */
  metadata(group: GroupRecord): BinaryNode {
    const creator = this.state.findPhone(group.creator)!;
    const attrs: Record<string, string> = {
      id: group.id,
      subject: group.subject,
      s_t: String(group.creation),
      s_o: this.memberJid(group, creator),
      creation: String(group.creation),
      creator: this.memberJid(group, creator),
      addressing_mode: group.addressing,
      size: String(group.participants.size),
    };
    if (group.addressing === "lid") attrs.creator_pn = pnJid(creator);
    const content: BinaryNode[] = this.members(group).map((phone) => {
      const role = group.participants.get(phone.phoneNumber);
      const participant = this.participantAttrs(group, phone);
      if (role !== "member") participant.type = role!;
      return { tag: "participant", attrs: participant };
    });
    const d = group.description;
    const owner = d ? this.state.findPhone(d.owner) : undefined;
    if (d) {
      const descAttrs: Record<string, string> = { id: d.id, t: String(d.time) };
      if (owner) Object.assign(descAttrs, { participant: this.memberJid(group, owner) }, this.memberAltAttrs(group, owner, "participant"));
      content.push({ tag: "description", attrs: descAttrs, content: [{ tag: "body", attrs: {}, content: Buffer.from(d.body) }] });
    }
    if (group.isCommunity) content.push({ tag: "parent", attrs: {} });
    if (group.linkedParent) content.push({ tag: "linked_parent", attrs: { jid: `${group.linkedParent}@g.us` } });
    if (group.announce) content.push({ tag: "announcement", attrs: {} });
    if (group.locked) content.push({ tag: "locked", attrs: {} });
    if (group.ephemeral) content.push({ tag: "ephemeral", attrs: { expiration: String(group.ephemeral) } });
    if (group.joinApproval) content.push({ tag: "membership_approval_mode", attrs: {}, content: [{ tag: "group_join", attrs: { state: "on" } }] });
    content.push({ tag: "member_add_mode", attrs: {}, content: Buffer.from(group.memberAddMode ? "all_member_add" : "admin_add") });
    return { tag: "group", attrs, content };
  }

  /** A `w:gp2` notification of a change made by `from`, to the devices of every member (and of `alsoTo`) but the one that made it. */
  private notify(group: GroupRecord, from: ExceptDevice, change: BinaryNode, alsoTo: PhoneRecord[] = [], onlyTo?: PhoneRecord[]): void {
    const node: BinaryNode = {
      tag: "notification",
      attrs: {
        from: `${group.id}@g.us`,
        type: "w:gp2",
        id: `gp2-${randomBytes(6).toString("hex")}`,
        t: String(now()),
        participant: this.memberJid(group, from.phone),
        ...this.memberAltAttrs(group, from.phone, "participant"),
      },
      content: [change],
    };
    this.announce([...(onlyTo ?? this.members(group)), ...alsoTo], node, from);
  }
}
