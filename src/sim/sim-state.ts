import { randomInt } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { Curve, jidDecode, signedKeyPair } from "@whiskeysockets/baileys";
import type { Logger } from "pino";
import type { KeyPair } from "./cert-chain.js";

/** A device's signed pre-key as uploaded (`<skey>`). */
export interface SignedPreKey {
  id: number;
  public: Uint8Array;
  signature: Uint8Array;
}

/** What the server knows about one linked companion device. */
export interface DeviceRecord {
  id: number;
  /** Baileys' `creds.noiseKey.public`: the Noise static key a login must present. */
  noiseKey: Uint8Array;
  identityKey: Uint8Array;
  registrationId: number;
  signedPreKey: SignedPreKey;
  /** One-time pre-keys not yet handed out, by id. */
  preKeys: Map<number, Uint8Array>;
  keyIndex: number;
  platform: string;
  pushName?: string;
  /** Encoded stanzas (binary nodes) waiting for the device to come online, oldest first. */
  queue: Uint8Array[];
  /** Set once the phone greeted the companion after linking (app-state key share, …). */
  greeted?: boolean;
}

/** An app-state sync key: the phone makes it and shares it with its companions (Signal-encrypted). */
export interface AppStateKey {
  keyId: Uint8Array;
  keyData: Uint8Array;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/** A simulated phone number: the primary device (the "phone") plus its linked companions. */
export interface PhoneRecord {
  phoneNumber: string;
  lidUser: string;
  /** The phone's identity key; it signs linked devices as the account (ADV account signature). */
  accountKey: KeyPair;
  /**
   * The phone itself as device 0: Signal keys (identity = account key) so companions can encrypt
   * "peer" messages to it. It never connects; stanzas for it are dropped, like a phone that is off.
   */
  primary: DeviceRecord;
  nextDeviceId: number;
  /** Linked companion devices, by device id (1, 2, …). */
  devices: Map<number, DeviceRecord>;
  /** Phone numbers this phone blocks: their messages are not delivered to it. */
  blocked: Set<string>;
  /** The about text and when it was set (seconds since the epoch), once the phone set one. */
  about?: { text: string; t: number };
  /** The profile picture once set: its id (changes with each new picture) and URL on the media host. */
  picture?: { id: string; url: string };
  /** Privacy settings the phone changed, by WhatsApp category (`last`, `profile`, `status`, …); the rest are defaults. */
  privacy?: Record<string, string>;
  /** The app-state sync key the phone shares with its companions, once made. */
  appStateKey?: AppStateKey;
  /** App-state patches (encoded `SyncdPatch`, version = position + 1) by collection name. */
  appState?: Record<string, Uint8Array[]>;
  /** Chats, messages and contact names the phone "already had": sent as history to new companions. */
  history?: PhoneHistory;
}

/** What a simulated phone holds before a device links (SandboxService.SetPhoneHistory). */
export interface PhoneHistory {
  chats: PhoneHistoryChat[];
  /** Contact names by phone number (digits). */
  contacts: { phoneNumber: string; name: string }[];
  /** At most this many newest messages per chat go out after linking; older ones only on request. Absent or 0: all. */
  bootstrapLimit?: number;
}

export interface PhoneHistoryChat {
  /** A phone number (digits) or a group JID. */
  chat: string;
  name?: string;
  /** How many of the newest received messages are unread. */
  unreadCount: number;
  messages: PhoneHistoryMessage[];
}

export interface PhoneHistoryMessage {
  id: string;
  fromMe: boolean;
  text: string;
  /** Seconds since the epoch. */
  time: number;
  /** In a group: the sender's phone number (digits) of a received message. */
  sender?: string;
}

/** How a group names its members on the wire: by phone number or by LID. */
export type GroupAddressing = "pn" | "lid";

/** A group chat: who is in it, and how it addresses them. */
export interface GroupRecord {
  /** The user part of the group's JID (`{id}@g.us`). */
  id: string;
  subject: string;
  /** Seconds since the epoch. */
  creation: number;
  /** The phone number of the creator. */
  creator: string;
  addressing: GroupAddressing;
  /** Members by phone number, with their role. */
  participants: Map<string, "superadmin" | "admin" | "member">;
  /** The description, with its id and who set it when (phone number, seconds). */
  description?: { id: string; body: string; owner: string; time: number };
  /** Only admins may write. */
  announce?: boolean;
  /** Only admins may edit the group's info. */
  locked?: boolean;
  /** Every member may add others (otherwise only admins). */
  memberAddMode?: boolean;
  /** Joining by invite needs an admin's approval. */
  joinApproval?: boolean;
  /** Disappearing messages timer in seconds; absent or 0: off. */
  ephemeral?: number;
  /** The current invite code; absent until an admin asks for one. */
  inviteCode?: string;
  /** A community (a parent of linked groups) rather than a plain group. */
  isCommunity?: boolean;
  /** The id of the community this group is linked to. */
  linkedParent?: string;
  /** Pending join requests: phone number and when (seconds). */
  requests?: { phone: string; time: number }[];
}

/** A JID resolved to the phone (and maybe device) it names. */
export interface ResolvedJid {
  phone: PhoneRecord;
  deviceId: number;
  device?: DeviceRecord;
  isLid: boolean;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const unb64 = (text: string) => Buffer.from(text, "base64");

/** A change is written at the earliest this long after it (changes meanwhile share the write). */
const WRITE_DELAY_MS = 100;
/**
 * After a write, the next one waits at least this many times as long as the last one kept the
 * event loop busy: under a stream of changes, persisting takes at most a fifth of the CPU.
 */
const WRITE_SPACING_FACTOR = 4;
/** Serializing yields to the event loop after this long, so no lookup waits behind a big state. */
const SLICE_MS = 5;

/**
 * Everything the simulated server must remember: phones, their devices, uploaded keys and queued
 * stanzas. Persisted as one JSON file in `dataDir` (when given) so a restarted simulator keeps its
 * linked devices. A change only marks the state dirty ({@link changed}); the file is rewritten
 * later, whole and atomically (write temp, rename), one write at a time, every change since the
 * last one in it. {@link flush} (called by `Simulator.close`) writes what is pending, so a graceful
 * restart loses nothing; a killed simulator loses the changes of its last moments.
 */
export class SimState {
  private readonly phones = new Map<string, PhoneRecord>();
  private readonly phonesByLid = new Map<string, PhoneRecord>();
  /** Groups by the user part of their JID. */
  readonly groups = new Map<string, GroupRecord>();
  /** Changed since the write in progress (or the last one) started. */
  private dirty = false;
  private writing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  /** Event-loop time the last write took (serializing; the file I/O is asynchronous). */
  private lastWriteBusyMs = 0;

  constructor(
    private readonly dataDir?: string,
    private readonly logger?: Logger,
  ) {}

  /** Loads the saved state from `dataDir`, or starts empty. */
  static load(dataDir?: string, logger?: Logger): SimState {
    const state = new SimState(dataDir, logger);
    if (!dataDir) return state;
    mkdirSync(dataDir, { recursive: true });
    let text: string;
    try {
      text = readFileSync(join(dataDir, "sim-state.json"), "utf8");
    } catch {
      return state;
    }
    const saved = JSON.parse(text) as { phones: SavedPhone[]; groups?: SavedGroup[] };
    for (const p of saved.phones) {
      const accountKey = { public: unb64(p.accountKey.public), private: unb64(p.accountKey.private) };
      const phone: PhoneRecord = {
        phoneNumber: p.phoneNumber,
        lidUser: p.lidUser,
        accountKey,
        primary: p.primary ? restoreDevice(p.primary) : primaryDevice(accountKey),
        nextDeviceId: p.nextDeviceId,
        devices: new Map(p.devices.map((d) => [d.id, restoreDevice(d)])),
        blocked: new Set(p.blocked ?? []),
        about: p.about,
        picture: p.picture,
        privacy: p.privacy,
        appStateKey: p.appStateKey && {
          keyId: unb64(p.appStateKey.keyId),
          keyData: unb64(p.appStateKey.keyData),
          timestamp: p.appStateKey.timestamp,
        },
        appState: p.appState && Object.fromEntries(Object.entries(p.appState).map(([name, patches]) => [name, patches.map(unb64)])),
        history: p.history,
      };
      state.phones.set(phone.phoneNumber, phone);
      state.phonesByLid.set(phone.lidUser, phone);
    }
    for (const g of saved.groups ?? []) state.groups.set(g.id, { ...g, participants: new Map(g.participants) });
    return state;
  }

  /**
   * Marks the state changed after a mutation that matters: it reaches `dataDir` with the next
   * write (no-op without one). Cheap and synchronous: the write happens later, off this call.
   */
  changed(): void {
    if (!this.dataDir) return;
    this.dirty = true;
    this.schedule(WRITE_DELAY_MS);
  }

  /** Writes any pending change now; resolves once every change made before the call is on disk. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.writing) {
        await this.writing;
        continue;
      }
      if (!this.dirty) return;
      clearTimeout(this.timer);
      this.timer = undefined;
      const failed = await this.write();
      if (failed) throw failed;
    }
  }

  /** A write in `delayMs` unless one is already scheduled or running (which schedules the next). */
  private schedule(delayMs: number): void {
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, delayMs);
  }

  /** Writes the state as it is now; resolves with the error if that failed. */
  private write(): Promise<unknown> {
    const run = async () => {
      this.dirty = false;
      try {
        await this.writeFile();
        this.writing = undefined;
        if (this.dirty) this.schedule(Math.max(WRITE_DELAY_MS, WRITE_SPACING_FACTOR * this.lastWriteBusyMs));
        return undefined;
      } catch (e) {
        // Not lost: the state is still in memory; the next change (or flush) tries again.
        this.writing = undefined;
        this.dirty = true;
        this.logger?.error({ err: e }, "writing the simulator state failed");
        return e;
      }
    };
    const result = run();
    this.writing = result.then(() => undefined);
    return result;
  }

  /**
   * Serializes phone by phone, yielding to the event loop every SLICE_MS: each phone is written as
   * it was at one instant, and any change made meanwhile marks the state dirty for the next write.
   */
  private async writeFile(): Promise<void> {
    const parts: string[] = [];
    let busy = 0;
    let slice = performance.now();
    for (const p of [...this.phones.values()]) {
      parts.push(JSON.stringify(savePhone(p)));
      if (performance.now() - slice >= SLICE_MS) {
        busy += performance.now() - slice;
        await nextTurn();
        slice = performance.now();
      }
    }
    const groups = JSON.stringify([...this.groups.values()].map((g): SavedGroup => ({ ...g, participants: [...g.participants] })));
    const text = `{"phones":[${parts.join(",")}],"groups":${groups}}`;
    this.lastWriteBusyMs = busy + performance.now() - slice;
    const file = join(this.dataDir!, "sim-state.json");
    await writeFile(`${file}.tmp`, text);
    await rename(`${file}.tmp`, file);
  }

  /** The phone for a number, created (with a fresh account key and LID) on first use. */
  phone(phoneNumber: string): PhoneRecord {
    let phone = this.phones.get(phoneNumber);
    if (!phone) {
      let lidUser: string;
      do lidUser = `${randomInt(10_000, 99_999)}${randomInt(1_000_000_000, 9_999_999_999)}`;
      while (this.phonesByLid.has(lidUser));
      const accountKey = Curve.generateKeyPair();
      phone = { phoneNumber, lidUser, accountKey, primary: primaryDevice(accountKey), nextDeviceId: 1, devices: new Map(), blocked: new Set() };
      this.phones.set(phoneNumber, phone);
      this.phonesByLid.set(lidUser, phone);
      this.changed();
    }
    return phone;
  }

  /** Every phone the simulator knows. */
  allPhones(): PhoneRecord[] {
    return [...this.phones.values()];
  }

  findPhone(phoneNumber: string): PhoneRecord | undefined {
    return this.phones.get(phoneNumber);
  }

  /** Resolves a phone-number or LID JID (with or without device) to what it names. */
  resolve(jid: string): ResolvedJid | undefined {
    const decoded = jidDecode(jid);
    if (!decoded) return undefined;
    const isLid = decoded.server === "lid";
    const phone = isLid ? this.phonesByLid.get(decoded.user) : this.phones.get(decoded.user);
    if (!phone) return undefined;
    const deviceId = decoded.device ?? 0;
    return { phone, deviceId, device: phone.devices.get(deviceId), isLid };
  }
}

interface SavedDevice {
  id: number;
  noiseKey: string;
  identityKey: string;
  registrationId: number;
  signedPreKey: { id: number; public: string; signature: string };
  preKeys: [number, string][];
  keyIndex: number;
  platform: string;
  pushName?: string;
  queue: string[];
  greeted?: boolean;
}

type SavedGroup = Omit<GroupRecord, "participants"> & { participants: [string, "superadmin" | "admin" | "member"][] };

interface SavedPhone {
  phoneNumber: string;
  lidUser: string;
  accountKey: { public: string; private: string };
  primary?: SavedDevice;
  nextDeviceId: number;
  devices: SavedDevice[];
  blocked?: string[];
  about?: { text: string; t: number };
  picture?: { id: string; url: string };
  privacy?: Record<string, string>;
  appStateKey?: { keyId: string; keyData: string; timestamp: number };
  appState?: Record<string, string[]>;
  history?: PhoneHistory;
}

function savePhone(p: PhoneRecord): SavedPhone {
  return {
    phoneNumber: p.phoneNumber,
    lidUser: p.lidUser,
    accountKey: { public: b64(p.accountKey.public), private: b64(p.accountKey.private) },
    primary: saveDevice(p.primary),
    nextDeviceId: p.nextDeviceId,
    devices: [...p.devices.values()].map(saveDevice),
    blocked: [...p.blocked],
    about: p.about,
    picture: p.picture,
    privacy: p.privacy,
    appStateKey: p.appStateKey && {
      keyId: b64(p.appStateKey.keyId),
      keyData: b64(p.appStateKey.keyData),
      timestamp: p.appStateKey.timestamp,
    },
    appState: p.appState && Object.fromEntries(Object.entries(p.appState).map(([name, patches]) => [name, patches.map(b64)])),
    history: p.history,
  };
}

function saveDevice(d: DeviceRecord): SavedDevice {
  return {
    id: d.id,
    noiseKey: b64(d.noiseKey),
    identityKey: b64(d.identityKey),
    registrationId: d.registrationId,
    signedPreKey: { id: d.signedPreKey.id, public: b64(d.signedPreKey.public), signature: b64(d.signedPreKey.signature) },
    preKeys: [...d.preKeys.entries()].map(([id, key]) => [id, b64(key)] as [number, string]),
    keyIndex: d.keyIndex,
    platform: d.platform,
    pushName: d.pushName,
    queue: d.queue.map(b64),
    greeted: d.greeted,
  };
}

function restoreDevice(d: SavedDevice): DeviceRecord {
  return {
    id: d.id,
    noiseKey: unb64(d.noiseKey),
    identityKey: unb64(d.identityKey),
    registrationId: d.registrationId,
    signedPreKey: { id: d.signedPreKey.id, public: unb64(d.signedPreKey.public), signature: unb64(d.signedPreKey.signature) },
    preKeys: new Map(d.preKeys.map(([id, key]) => [id, unb64(key)])),
    keyIndex: d.keyIndex,
    platform: d.platform,
    pushName: d.pushName,
    queue: d.queue.map(unb64),
    greeted: d.greeted,
  };
}

/** How many one-time pre-keys the simulated phone keeps published. */
export const PRIMARY_PRE_KEYS = 50;

/** Fresh Signal keys for a phone's device 0; only public halves are kept, as nothing decrypts there. */
function primaryDevice(accountKey: KeyPair): DeviceRecord {
  const signed = signedKeyPair(accountKey, 1);
  const device: DeviceRecord = {
    id: 0,
    noiseKey: new Uint8Array(0),
    identityKey: accountKey.public,
    registrationId: randomInt(1, 16_380),
    signedPreKey: { id: signed.keyId, public: signed.keyPair.public, signature: signed.signature },
    preKeys: new Map(),
    keyIndex: 0,
    platform: "android",
    queue: [],
  };
  topUpPrimaryPreKeys(device);
  return device;
}

/** The phone uploads new one-time pre-keys as they are used up. */
export function topUpPrimaryPreKeys(primary: DeviceRecord): void {
  let next = Math.max(0, ...primary.preKeys.keys()) + 1;
  while (primary.preKeys.size < PRIMARY_PRE_KEYS) primary.preKeys.set(next++, Curve.generateKeyPair().public);
}

/** JIDs of a phone's user and devices in both addressing modes. */
export function pnJid(phone: PhoneRecord, deviceId?: number): string {
  return deviceId ? `${phone.phoneNumber}:${deviceId}@s.whatsapp.net` : `${phone.phoneNumber}@s.whatsapp.net`;
}

export function lidJid(phone: PhoneRecord, deviceId?: number): string {
  return deviceId ? `${phone.lidUser}:${deviceId}@lid` : `${phone.lidUser}@lid`;
}
