import { type BinaryNode, getAllBinaryNodeChildren } from "@whiskeysockets/baileys";
import type { DeviceConnection } from "./device-connection.js";
import type { Groups } from "./groups.js";
import { lidJid, type PhoneRecord, pnJid, type SimState } from "./sim-state.js";

/** The live connections of a phone's devices. */
export interface PresenceDirectory {
  onlineDevices(phone: PhoneRecord): DeviceConnection[];
}

/**
 * Presence and typing, which the real server forwards only to whoever is online right now (never
 * queued): `<presence>` availability to subscribers, `<chatstate>` (composing, paused, recording)
 * to the devices of the addressed user.
 */
export class PresenceRelay {
  /** Who subscribed to whose presence: subscribed phone number → subscriber connections. */
  private readonly subscribers = new Map<string, Set<DeviceConnection>>();
  /** Devices that declared themselves available, by connection. */
  private readonly available = new Set<DeviceConnection>();

  constructor(
    private readonly state: SimState,
    private readonly groups: Groups,
    private readonly directory: PresenceDirectory,
  ) {}

  /** `<presence type=available|unavailable>` about oneself, or `<presence type=subscribe to=…>`. */
  onPresence(conn: DeviceConnection, node: BinaryNode): void {
    const { phone } = conn.owner!;
    const type = node.attrs.type;
    if (type === "subscribe" && node.attrs.to) {
      const target = this.state.resolve(node.attrs.to);
      if (!target) return;
      let set = this.subscribers.get(target.phone.phoneNumber);
      if (!set) this.subscribers.set(target.phone.phoneNumber, (set = new Set()));
      set.add(conn);
      conn.sendNode(this.presenceOf(target.phone, node.attrs.to.endsWith("@lid")));
      return;
    }
    if (type !== "available" && type !== "unavailable") return;
    const before = this.isAvailable(phone);
    if (type === "available") this.available.add(conn);
    else this.available.delete(conn);
    if (before !== this.isAvailable(phone)) this.broadcast(phone);
  }

  /**
   * `<chatstate to=…><composing/></chatstate>`: forwarded to the addressed user's online devices,
   * or, to a group, to its other members' online devices naming who types.
   */
  onChatstate(conn: DeviceConnection, node: BinaryNode): void {
    const { phone } = conn.owner!;
    const to = node.attrs.to;
    const group = to ? this.groups.find(to) : undefined;
    if (group) {
      if (!group.participants.has(phone.phoneNumber)) return;
      const chatstate = { tag: "chatstate", attrs: { from: to!, participant: this.groups.memberJid(group, phone) }, content: getAllBinaryNodeChildren(node) };
      for (const member of this.groups.members(group)) {
        if (member !== phone) for (const device of this.directory.onlineDevices(member)) device.sendNode(chatstate);
      }
      return;
    }
    const target = to ? this.state.resolve(to) : undefined;
    if (!target || target.phone === phone) return;
    const from = to!.endsWith("@lid") ? lidJid(phone) : pnJid(phone);
    for (const device of this.directory.onlineDevices(target.phone)) {
      device.sendNode({ tag: "chatstate", attrs: { from }, content: getAllBinaryNodeChildren(node) });
    }
  }

  /** A connection ended: it is neither available nor subscribed any more. */
  forget(conn: DeviceConnection): void {
    const phone = conn.owner?.phone;
    const wasAvailable = phone ? this.isAvailable(phone) : false;
    this.available.delete(conn);
    for (const set of this.subscribers.values()) set.delete(conn);
    if (phone && wasAvailable && !this.isAvailable(phone)) this.broadcast(phone);
  }

  private isAvailable(phone: PhoneRecord): boolean {
    return this.directory.onlineDevices(phone).some((c) => this.available.has(c));
  }

  private presenceOf(phone: PhoneRecord, lid: boolean): BinaryNode {
    const attrs: Record<string, string> = {
      from: lid ? lidJid(phone) : pnJid(phone),
      type: this.isAvailable(phone) ? "available" : "unavailable",
    };
    if (attrs.type === "unavailable") attrs.last = String(Math.floor(Date.now() / 1000));
    return { tag: "presence", attrs };
  }

  private broadcast(phone: PhoneRecord): void {
    const node = this.presenceOf(phone, false);
    for (const subscriber of this.subscribers.get(phone.phoneNumber) ?? []) {
      if (!subscriber.closed) subscriber.sendNode(node);
    }
  }
}
