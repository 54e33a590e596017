import { randomBytes } from "node:crypto";
import {
  ALL_WA_PATCH_NAMES,
  type BinaryNode,
  type ChatModification,
  chatModificationToAppPatch,
  decodePatches,
  encodeSyncdPatch,
  getBinaryNodeChild,
  getBinaryNodeChildren,
  newLTHashState,
  proto,
  toNumber,
  type WAPatchName,
} from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import { IqError } from "./groups.js";
import type { AppStateKey, DeviceRecord, PhoneRecord, SimState } from "./sim-state.js";

const now = () => String(Math.floor(Date.now() / 1000));

const isCollection = (name: string | undefined): name is WAPatchName => (ALL_WA_PATCH_NAMES as readonly string[]).includes(name ?? "");

/** The phone's view of one chat, decoded from the account's app state. */
export interface PhoneChatView {
  archived: boolean;
  /** When the chat was pinned (ms since the epoch); absent when not pinned. */
  pinTime?: number;
  /** Muted until (ms since the epoch; -1: forever); absent when not muted. */
  muteEndTime?: number;
  /** Marked unread (WhatsApp's "mark as unread"). */
  markedUnread: boolean;
  /** The last app-state action on the chat deleted it. */
  deleted: boolean;
  /** Ids of the chat's starred messages. */
  starred: string[];
}

/**
 * WhatsApp's app-state sync server (`iq xmlns="w:sync:app:state"`), per account and collection.
 * Like the real server it never decrypts: it stores each collection's patches as the devices
 * upload them (encrypted and MAC'd with the account's app-state key), numbers them, serves those
 * after a version, refuses an upload based on a stale version (409) and tells the account's other
 * devices (`<notification type="server_sync">`).
 *
 * The phone holds the key, so it can also write patches of its own ({@link modifyChat}) and read
 * the account's state ({@link chatView}): that is how a test sees what "the phone shows".
 */
export class AppStateServer {
  constructor(
    private readonly state: SimState,
    private readonly toDevices: (phone: PhoneRecord, node: BinaryNode, except?: DeviceRecord) => void,
    private readonly appStateKey: (phone: PhoneRecord) => AppStateKey,
    private readonly logger: Logger,
  ) {}

  /** `iq set xmlns=w:sync:app:state <sync><collection …/>…</sync>`: uploads and fetches. */
  answer(phone: PhoneRecord, device: DeviceRecord, iq: BinaryNode): BinaryNode[] {
    const collections = getBinaryNodeChildren(getBinaryNodeChild(iq, "sync"), "collection");
    const answers: BinaryNode[] = [];
    for (const collection of collections) {
      const name = collection.attrs.name;
      if (!isCollection(name)) throw new IqError(400, `unknown collection ${name}`);
      const patches = getBinaryNodeChildren(collection, "patch");
      if (patches.length) answers.push(this.upload(phone, device, name, Number(collection.attrs.version), patches));
      else answers.push(this.fetch(phone, name, Number(collection.attrs.version ?? 0)));
    }
    return [{ tag: "sync", attrs: {}, content: answers }];
  }

  /**
   * A device uploads patches made on top of `baseVersion`; each gets the next version. A base
   * that is not the collection's current version is a conflict: the device must sync first.
   */
  private upload(phone: PhoneRecord, device: DeviceRecord, name: WAPatchName, baseVersion: number, patches: BinaryNode[]): BinaryNode {
    const stored = this.collection(phone, name);
    if (baseVersion !== stored.length) {
      throw new IqError(409, `conflict: ${name} is at version ${stored.length}, not ${baseVersion}`);
    }
    for (const patch of patches) {
      if (!(patch.content instanceof Uint8Array)) throw new IqError(400, "empty patch");
      stored.push(this.numbered(proto.SyncdPatch.decode(patch.content), stored.length + 1));
    }
    this.state.changed();
    this.notify(phone, name, device);
    this.logger.debug({ phone: phone.phoneNumber, device: device.id, name, version: stored.length }, "app-state patch stored");
    return { tag: "collection", attrs: { name, version: String(stored.length) } };
  }

  /** Every patch after `version` (the simulator never needs a snapshot: it keeps all patches). */
  private fetch(phone: PhoneRecord, name: WAPatchName, version: number): BinaryNode {
    const stored = this.patches(phone, name);
    const after = Number.isInteger(version) && version > 0 ? version : 0;
    const content = stored.slice(after).map((bytes): BinaryNode => ({ tag: "patch", attrs: {}, content: Buffer.from(bytes) }));
    return {
      tag: "collection",
      attrs: { name, version: String(stored.length), has_more_patches: "false" },
      content: content.length ? [{ tag: "patches", attrs: {}, content }] : undefined,
    };
  }

  /** The server stamps each patch with its version as it serves it. */
  private numbered(patch: proto.ISyncdPatch, version: number): Uint8Array {
    return proto.SyncdPatch.encode({ ...patch, version: { version } }).finish();
  }

  /** A collection's stored patches, to append to (created on the first write). */
  private collection(phone: PhoneRecord, name: WAPatchName): Uint8Array[] {
    phone.appState ??= {};
    return (phone.appState[name] ??= []);
  }

  /** A collection's stored patches, to read. */
  private patches(phone: PhoneRecord, name: WAPatchName): readonly Uint8Array[] {
    return phone.appState?.[name] ?? [];
  }

  /** `server_sync`: the other devices fetch what changed. */
  private notify(phone: PhoneRecord, name: WAPatchName, except?: DeviceRecord): void {
    const version = this.patches(phone, name).length;
    this.toDevices(
      phone,
      {
        tag: "notification",
        attrs: { from: "s.whatsapp.net", type: "server_sync", id: `sync-${randomBytes(6).toString("hex")}`, t: now() },
        content: [{ tag: "collection", attrs: { name, version: String(version) } }],
      },
      except,
    );
  }

  /**
   * The phone changes a chat (archive, pin, mute, mark unread, delete, star…) as its owner would:
   * a patch encrypted with the phone's key on top of the collection's current state, stored and
   * announced to every companion.
   */
  async modifyChat(phoneNumber: string, modification: ChatModification, chatJid: string): Promise<void> {
    const phone = this.state.phone(phoneNumber);
    const patchCreate = chatModificationToAppPatch(modification, chatJid);
    const key = this.appStateKey(phone);
    const keyId = Buffer.from(key.keyId).toString("base64");
    const current = await this.decode(phone, patchCreate.type);
    const { patch } = await encodeSyncdPatch(patchCreate, keyId, current.state, async () => keyData(key));
    const stored = this.collection(phone, patchCreate.type);
    stored.push(this.numbered(patch, stored.length + 1));
    this.state.changed();
    this.notify(phone, patchCreate.type);
  }

  /** What the phone shows for a chat, from every collection of the account's app state. */
  async chatView(phoneNumber: string, chatJid: string): Promise<PhoneChatView> {
    const phone = this.state.phone(phoneNumber);
    const view: PhoneChatView = { archived: false, markedUnread: false, deleted: false, starred: [] };
    for (const name of ALL_WA_PATCH_NAMES) {
      const { mutations } = await this.decode(phone, name);
      for (const { index, syncAction } of mutations) {
        const [type, jid, messageId] = index;
        if (jid !== chatJid) continue;
        const action = syncAction.value;
        if (type === "archive" && action?.archiveChatAction) view.archived = !!action.archiveChatAction.archived;
        else if (type === "pin_v1" && action?.pinAction) view.pinTime = action.pinAction.pinned ? toNumber(action.timestamp) : undefined;
        else if (type === "mute" && action?.muteAction) view.muteEndTime = action.muteAction.muted ? toNumber(action.muteAction.muteEndTimestamp) : undefined;
        else if (type === "markChatAsRead" && action?.markChatAsReadAction) view.markedUnread = !action.markChatAsReadAction.read;
        else if (type === "deleteChat") view.deleted = true;
        else if (type === "star" && messageId) {
          view.starred = view.starred.filter((id) => id !== messageId);
          if (action?.starAction?.starred) view.starred.push(messageId);
        }
      }
    }
    return view;
  }

  /** Decodes a collection with the phone's key: its LT-hash state and its live mutations, oldest first. */
  private async decode(phone: PhoneRecord, name: WAPatchName) {
    const key = this.appStateKey(phone);
    const patches = this.patches(phone, name).map((bytes) => proto.SyncdPatch.decode(bytes));
    const { state, mutationMap } = await decodePatches(name, patches, newLTHashState(), async () => keyData(key), {}, undefined, undefined, true);
    const mutations = Object.values(mutationMap).map((m) => ({ index: m.index, syncAction: m.syncAction }));
    return { state, mutations };
  }

  /** Each collection that holds patches, with its version. */
  versions(phoneNumber: string): Partial<Record<WAPatchName, number>> {
    const phone = this.state.findPhone(phoneNumber);
    return Object.fromEntries(Object.entries(phone?.appState ?? {}).map(([name, patches]) => [name, patches.length]));
  }
}

function keyData(key: AppStateKey): proto.Message.IAppStateSyncKeyData {
  return proto.Message.AppStateSyncKeyData.fromObject({ keyData: key.keyData, timestamp: key.timestamp });
}
