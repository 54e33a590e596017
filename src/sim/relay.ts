import { randomBytes } from "node:crypto";
import {
  type BinaryNode,
  decodeBinaryNode,
  encodeBinaryNode,
  getBinaryNodeChild,
  getBinaryNodeChildren,
} from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import type { DeviceConnection } from "./device-connection.js";
import type { ExceptDevice, Groups } from "./groups.js";
import { type DeviceRecord, type GroupRecord, lidJid, type PhoneRecord, pnJid, type SimState } from "./sim-state.js";

/** How the server acknowledges a device's messages (changed by fault injection). */
export type AckMode = { kind: "normal" } | { kind: "refuse"; error: number } | { kind: "delay"; ms: number };

/** Finds the live, logged-in connection of a device. */
export interface ConnectionDirectory {
  online(phone: PhoneRecord, deviceId: number): DeviceConnection | undefined;
  ackMode(phone: PhoneRecord, deviceId: number): AckMode;
}

/**
 * Receipt types that only concern the reader's own devices or the server; they are not relayed to
 * the sender ("read-self" is a read the reader's privacy settings keep from the sender).
 */
const LOCAL_RECEIPTS = new Set(["sender", "peer_msg", "hist_sync", "server-error", "read-self"]);

const now = () => String(Math.floor(Date.now() / 1000));

/**
 * Relays end-to-end encrypted stanzas between devices without ever decrypting them: fans a
 * message's per-device `<enc>` out to each recipient device (adding the attributes the real server
 * adds), acks the sender, relays receipts back, and queues for devices that are offline.
 */
export class Relay {
  constructor(
    private readonly state: SimState,
    private readonly groups: Groups,
    private readonly directory: ConnectionDirectory,
    private readonly logger: Logger,
  ) {}

  /** A `<message>` from a logged-in device. */
  onMessage(conn: DeviceConnection, node: BinaryNode): void {
    const sender = conn.owner!;
    const to = node.attrs.to!;
    const ack: BinaryNode = { tag: "ack", attrs: { class: "message", id: node.attrs.id!, from: to, t: now() } };
    const mode = this.directory.ackMode(sender.phone, sender.device.id);
    if (mode.kind === "refuse") {
      // a refused message is not relayed: the sender is told it failed
      ack.attrs.error = String(mode.error);
      conn.sendNode(ack);
      return;
    }
    if (to.endsWith("@g.us")) {
      const group = this.groups.find(to);
      if (!group?.participants.has(sender.phone.phoneNumber)) {
        // WhatsApp refuses messages to groups one is not (or no longer) in
        ack.attrs.error = group ? "403" : "404";
        conn.sendNode(ack);
        return;
      }
      this.fanOutToGroup(sender, group, node);
    } else {
      this.relayToUser(sender, node);
    }
    if (mode.kind === "delay") setTimeout(() => conn.sendNode(ack), mode.ms).unref();
    else conn.sendNode(ack);
  }

  /** A message to a user: each `<participants><to>` enc goes to the device it names. */
  private relayToUser(sender: { phone: PhoneRecord; device: DeviceRecord }, node: BinaryNode): void {
    const to = node.attrs.to!;
    const toLid = to.endsWith("@lid");
    const chatTarget = this.state.resolve(to);
    const fromJid = toLid ? lidJid(sender.phone, sender.device.id) : pnJid(sender.phone, sender.device.id);
    const deviceIdentity = getBinaryNodeChild(node, "device-identity");
    const participants = getBinaryNodeChildren(getBinaryNodeChild(node, "participants"), "to");
    const directEnc = getBinaryNodeChild(node, "enc");
    // a resend after a retry receipt addresses one device directly with a single <enc>
    if (!participants.length && directEnc && chatTarget?.device) {
      participants.push({ tag: "to", attrs: { jid: to }, content: [directEnc] });
    }
    for (const participant of participants) {
      const target = this.state.resolve(participant.attrs.jid!);
      if (!target?.device) continue; // e.g. a primary phone: nobody decrypts there
      // like WhatsApp, a blocked sender still gets the server ack but nothing reaches the blocker
      if (target.phone.blocked.has(sender.phone.phoneNumber)) continue;
      const enc = getBinaryNodeChild(participant, "enc");
      if (!enc) continue;
      const attrs: Record<string, string> = {
        from: fromJid,
        id: node.attrs.id!,
        t: now(),
        type: node.attrs.type ?? "text",
      };
      if (sender.device.pushName) attrs.notify = sender.device.pushName;
      if (toLid) attrs.sender_pn = pnJid(sender.phone);
      else attrs.sender_lid = lidJid(sender.phone);
      // a copy for the sender's own other devices names the chat it was sent to
      if (node.attrs.recipient) attrs.recipient = node.attrs.recipient;
      else if (target.phone === sender.phone && chatTarget?.phone !== sender.phone) attrs.recipient = to;
      const content: BinaryNode[] = [enc];
      if (deviceIdentity) content.push(deviceIdentity);
      this.deliver(target.phone, target.device, { tag: "message", attrs, content });
    }
  }

  /**
   * A group message: the sender-key ciphertext (`skmsg`) goes to every device of every member but
   * the sending one, each preceded by its own `pkmsg` from `<participants>` when the sender
   * included one (the sender key's distribution). A resend after a retry receipt names one
   * device (`participant`) and carries one enc for it.
   */
  private fanOutToGroup(sender: { phone: PhoneRecord; device: DeviceRecord }, group: GroupRecord, node: BinaryNode): void {
    const perDevice = new Map<string, BinaryNode>();
    for (const to of getBinaryNodeChildren(getBinaryNodeChild(node, "participants"), "to")) {
      const target = this.state.resolve(to.attrs.jid!);
      const enc = getBinaryNodeChild(to, "enc");
      if (target && enc) perDevice.set(`${target.phone.phoneNumber}:${target.deviceId}`, enc);
    }
    const shared = getBinaryNodeChildren(node, "enc");
    const deviceIdentity = getBinaryNodeChild(node, "device-identity");
    const only = node.attrs.participant ? this.state.resolve(node.attrs.participant) : undefined;
    const attrs: Record<string, string> = {
      from: `${group.id}@g.us`,
      participant: this.groups.memberJid(group, sender.phone, sender.device.id),
      ...this.groups.memberAltAttrs(group, sender.phone, "participant"),
      id: node.attrs.id!,
      t: now(),
      type: node.attrs.type ?? "text",
      addressing_mode: group.addressing,
    };
    if (sender.device.pushName) attrs.notify = sender.device.pushName;
    for (const { phone, device } of this.groups.memberDevices(group)) {
      if (phone === sender.phone && device.id === sender.device.id) continue;
      if (only && (only.phone !== phone || only.deviceId !== device.id)) continue;
      const own = perDevice.get(`${phone.phoneNumber}:${device.id}`);
      // the sender key's distribution must be decrypted before the message it unlocks
      const content = [...(own ? [own] : []), ...(only ? shared : shared.filter((e) => e.attrs.type === "skmsg"))];
      if (!content.length) continue;
      if (deviceIdentity) content.push(deviceIdentity);
      this.deliver(phone, device, { tag: "message", attrs, content });
    }
  }

  /** A stanza (e.g. a group notification) to every device of `phones`, but `except`. */
  toPhones(phones: PhoneRecord[], node: BinaryNode, except?: ExceptDevice): void {
    for (const phone of phones) {
      for (const device of phone.devices.values()) {
        if (except?.phone === phone && except.deviceId === device.id) continue;
        this.deliver(phone, device, node);
      }
    }
  }

  /**
   * A `<receipt>` from a device: relayed to the devices of the user it is addressed to, or, for
   * a group message, of the member who sent it (`participant`), naming the reader.
   */
  onReceipt(conn: DeviceConnection, node: BinaryNode): void {
    const reader = conn.owner!;
    const ids = [node.attrs.id!, ...getBinaryNodeChildren(getBinaryNodeChild(node, "list"), "item").map((i) => i.attrs.id!)];
    for (const id of ids) conn.inFlight.delete(`message:${id}`);
    const type = node.attrs.type;
    // Worth an operator's (and a test's) eye: the device could not decrypt and asks the sender again.
    if (type === "retry") this.logger.warn({ phone: reader.phone.phoneNumber, device: reader.device.id, id: node.attrs.id }, "device sent a retry receipt");
    const to = node.attrs.to;
    if (to && !LOCAL_RECEIPTS.has(type ?? "")) {
      const group = this.groups.find(to);
      const author = group ? node.attrs.participant : to;
      const target = author ? this.state.resolve(author) : undefined;
      if (target && target.phone !== reader.phone) {
        const lid = author!.endsWith("@lid");
        const readerJid = (deviceId?: number) => (lid ? lidJid(reader.phone, deviceId) : pnJid(reader.phone, deviceId));
        const attrs: Record<string, string> = { from: group ? to : readerJid(), id: node.attrs.id!, t: node.attrs.t ?? now() };
        // a retry request names the reader's device: the sender re-encrypts for exactly that one
        if (type === "retry") attrs.participant = readerJid(reader.device.id);
        else if (group) attrs.participant = readerJid();
        // "inactive" is what a client not marked online sends; the sender still sees it as delivered
        if (type && type !== "inactive") attrs.type = type;
        const relayed: BinaryNode = { tag: "receipt", attrs, content: node.content };
        for (const device of target.phone.devices.values()) this.deliver(target.phone, device, relayed);
      }
    }
    const ackAttrs: Record<string, string> = { class: "receipt", id: node.attrs.id! };
    if (to) ackAttrs.from = to;
    if (type) ackAttrs.type = type;
    conn.sendNode({ tag: "ack", attrs: ackAttrs });
  }

  /** The client acknowledged a stanza the server delivered. */
  onAck(conn: DeviceConnection, node: BinaryNode): void {
    if (node.attrs.error) {
      // A refusal ends the delivery as an ack does (the stanza is not sent again).
      this.logger.warn({ phone: conn.owner!.phone.phoneNumber, device: conn.owner!.device.id, id: node.attrs.id, class: node.attrs.class, error: node.attrs.error }, "device refused a stanza (error ack)");
    }
    conn.inFlight.delete(`${node.attrs.class}:${node.attrs.id}`);
  }

  /**
   * Tells every other device that `phone` gained or lost a device, as the server's `devices`
   * notification does, so clients drop or patch their cached device lists (in both addressings).
   */
  notifyDevices(phone: PhoneRecord, change: "add" | "remove", deviceId: number): void {
    const notification: BinaryNode = {
      tag: "notification",
      attrs: { from: pnJid(phone), type: "devices", id: `dev-${randomBytes(6).toString("hex")}`, t: now() },
      content: [
        {
          tag: change,
          attrs: {},
          content: [
            { tag: "device", attrs: { jid: pnJid(phone, deviceId) } },
            { tag: "device", attrs: { jid: lidJid(phone, deviceId) } },
          ],
        },
      ],
    };
    this.toAllBut(phone, deviceId, notification);
  }

  /**
   * Tells every other device that `phone` changed its picture or about text, as WhatsApp tells a
   * user's contacts (the simulator keeps no address books: every phone is told), except the device
   * that made the change.
   */
  notifyProfile(phone: PhoneRecord, byDevice: number, type: "picture" | "status", change: BinaryNode): void {
    const notification: BinaryNode = {
      tag: "notification",
      attrs: { from: pnJid(phone), type, id: `${type}-${randomBytes(6).toString("hex")}`, t: now() },
      content: [change],
    };
    this.toAllBut(phone, byDevice, notification);
  }

  /** A stanza to every device of every phone but one device. */
  private toAllBut(phone: PhoneRecord, deviceId: number, node: BinaryNode): void {
    for (const other of this.state.allPhones()) {
      for (const device of other.devices.values()) {
        if (other === phone && device.id === deviceId) continue;
        this.deliver(other, device, node);
      }
    }
  }

  /** Sends a stanza to a device now, or queues it until the device next logs in. */
  deliver(phone: PhoneRecord, device: DeviceRecord, node: BinaryNode): void {
    const encoded = encodeBinaryNode(node);
    const conn = this.directory.online(phone, device.id);
    if (conn?.ready) {
      conn.inFlight.set(`${node.tag}:${node.attrs.id}`, encoded);
      conn.sendEncoded(encoded);
      return;
    }
    device.queue.push(encoded);
    this.state.changed();
    this.logger.debug({ phone: phone.phoneNumber, device: device.id, tag: node.tag }, "queued for offline device");
  }

  /** Delivers everything queued for the device on `conn` (marked offline), then the offline marker. */
  async flush(conn: DeviceConnection): Promise<void> {
    const { device } = conn.owner!;
    let count = 0;
    // stanzas queued while this loop awaits are picked up by the next round; the device only
    // counts as ready (direct delivery) once the queue is empty, so order is kept
    while (device.queue.length) {
      const queued = device.queue.splice(0);
      for (const encoded of queued) {
        const node = await decodeBinaryNode(Buffer.from(encoded));
        node.attrs.offline = "1";
        const reencoded = encodeBinaryNode(node);
        conn.inFlight.set(`${node.tag}:${node.attrs.id}`, reencoded);
        conn.sendEncoded(reencoded);
        count++;
      }
    }
    conn.ready = true;
    this.state.changed();
    conn.sendNode({ tag: "ib", attrs: {}, content: [{ tag: "offline", attrs: { count: String(count) } }] });
  }

  /** A connection ended: whatever it did not acknowledge goes back to the front of the queue. */
  requeue(conn: DeviceConnection): void {
    if (!conn.owner || conn.inFlight.size === 0) return;
    const device = conn.owner.device;
    device.queue.unshift(...conn.inFlight.values());
    conn.inFlight.clear();
    this.state.changed();
  }

}
