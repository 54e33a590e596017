import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { WASocket } from "@whiskeysockets/baileys";
import { CallPrivacy, OnlinePrivacy, PrivacyAudience, ReadReceiptsPrivacy, type PrivacySettingsSchema } from "../../gen/wildcat/v1/profile_pb.js";
import type {
  GetPrivacySettingsRequest,
  ProfileService,
  RemoveProfilePictureRequest,
  SetProfileAboutRequest,
  SetProfileNameRequest,
  SetProfilePictureRequest,
  UpdatePrivacySettingsRequest,
} from "../../gen/wildcat/v1/profile_service_pb.js";
import type { MediaStore } from "../store/media.js";
import type { SocketManager } from "../whatsapp/socket-manager.js";
import { mapErrors, whatsappError } from "./domain-errors.js";

export interface ProfileServiceDeps {
  sockets: SocketManager;
  media: MediaStore;
  /** PROFILE_PICTURE_MAX_BYTES. */
  maxPictureBytes: number;
}

/** The image types WhatsApp turns into a profile picture. */
const PICTURE_TYPES = new Set(["image/jpeg", "image/png"]);

/** WhatsApp's privacy category names and the values each takes, as the contract's enums. */
const AUDIENCE: Record<string, PrivacyAudience> = {
  all: PrivacyAudience.EVERYONE,
  contacts: PrivacyAudience.CONTACTS,
  contact_blacklist: PrivacyAudience.CONTACTS_EXCEPT,
  none: PrivacyAudience.NOBODY,
};
const ONLINE: Record<string, OnlinePrivacy> = { all: OnlinePrivacy.EVERYONE, match_last_seen: OnlinePrivacy.SAME_AS_LAST_SEEN };
const READ_RECEIPTS: Record<string, ReadReceiptsPrivacy> = { all: ReadReceiptsPrivacy.ON, none: ReadReceiptsPrivacy.OFF };
const CALLS: Record<string, CallPrivacy> = { all: CallPrivacy.EVERYONE, known: CallPrivacy.KNOWN };

/** Each contract field: WhatsApp's category, its value names, and the Baileys call that sets it. */
const SETTINGS = [
  { field: "lastSeen", category: "last", values: AUDIENCE, set: (s: WASocket, v: string) => s.updateLastSeenPrivacy(v as never) },
  { field: "online", category: "online", values: ONLINE, set: (s: WASocket, v: string) => s.updateOnlinePrivacy(v as never) },
  { field: "profilePicture", category: "profile", values: AUDIENCE, set: (s: WASocket, v: string) => s.updateProfilePicturePrivacy(v as never) },
  // WhatsApp's "status" category is the about text's audience (stories have their own lists)
  { field: "about", category: "status", values: AUDIENCE, set: (s: WASocket, v: string) => s.updateStatusPrivacy(v as never) },
  { field: "groupsAdd", category: "groupadd", values: AUDIENCE, set: (s: WASocket, v: string) => s.updateGroupsAddPrivacy(v as never) },
  { field: "readReceipts", category: "readreceipts", values: READ_RECEIPTS, set: (s: WASocket, v: string) => s.updateReadReceiptsPrivacy(v as never) },
  { field: "calls", category: "calladd", values: CALLS, set: (s: WASocket, v: string) => s.updateCallPrivacy(v as never) },
] as const;

type Settings = MessageInitShape<typeof PrivacySettingsSchema>;

/** ProfileService over the account's Baileys socket: the account's own profile and privacy, as WhatsApp keeps them. */
export class ProfileServiceImpl implements ServiceImpl<typeof ProfileService> {
  constructor(private readonly deps: ProfileServiceDeps) {}

  /**
   * WhatsApp learns the profile name from the device's presence stanza (and shows it beside the
   * account's messages as `notify`). Baileys' own path: a new name in the credentials is saved
   * and announced with a `<presence name=…/>` that changes nothing else.
   */
  async setProfileName(req: SetProfileNameRequest) {
    const sock = await this.socket(req.accountId);
    const me = sock.authState.creds.me;
    if (!me) throw new ConnectError("the account has no WhatsApp identity yet", Code.FailedPrecondition);
    sock.ev.emit("creds.update", { me: { ...me, name: req.name } });
    return {};
  }

  async setProfileAbout(req: SetProfileAboutRequest) {
    const sock = await this.socket(req.accountId);
    try {
      await sock.updateProfileStatus(req.about);
    } catch (e) {
      throw whatsappError(e, "setting the about text");
    }
    return {};
  }

  async setProfilePicture(req: SetProfilePictureRequest) {
    const media = await this.deps.media.get(req.mediaId);
    // a file of another account is answered like one that does not exist
    if (!media || media.accountId !== req.accountId) throw new ConnectError(`media_id: no file ${req.mediaId} of account "${req.accountId}"`, Code.NotFound);
    if (!PICTURE_TYPES.has(media.mimeType)) throw new ConnectError(`media_id: ${req.mediaId} is ${media.mimeType}; a profile picture must be image/jpeg or image/png`, Code.InvalidArgument);
    if (media.sizeBytes > this.deps.maxPictureBytes) {
      throw new ConnectError(`media_id: ${req.mediaId} has ${media.sizeBytes} bytes, over the profile picture limit of ${this.deps.maxPictureBytes}`, Code.ResourceExhausted);
    }
    const sock = await this.socket(req.accountId);
    const stream = await this.deps.media.open(req.mediaId);
    if (!stream) throw new ConnectError(`media_id: no file ${req.mediaId} of account "${req.accountId}"`, Code.NotFound);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    try {
      await sock.updateProfilePicture(sock.user!.id, Buffer.concat(chunks));
    } catch (e) {
      throw whatsappError(e, "setting the profile picture");
    }
    return {};
  }

  async removeProfilePicture(req: RemoveProfilePictureRequest) {
    const sock = await this.socket(req.accountId);
    try {
      await sock.removeProfilePicture(sock.user!.id);
    } catch (e) {
      throw whatsappError(e, "removing the profile picture");
    }
    return {};
  }

  async getPrivacySettings(req: GetPrivacySettingsRequest) {
    return { settings: await this.read(await this.socket(req.accountId)) };
  }

  async updatePrivacySettings(req: UpdatePrivacySettingsRequest) {
    const wanted = req.settings!;
    const changes = SETTINGS.flatMap((s) => {
      const value = wanted[s.field];
      if (!value) return [];
      const name = Object.entries(s.values).find(([, v]) => v === value)![0];
      return [{ ...s, name }];
    });
    if (changes.length === 0) throw new ConnectError("settings: set at least one setting to change", Code.InvalidArgument);
    const sock = await this.socket(req.accountId);
    for (const change of changes) {
      try {
        await change.set(sock, change.name);
      } catch (e) {
        throw whatsappError(e, `setting the ${change.category} privacy`);
      }
    }
    return { settings: await this.read(sock) };
  }

  /** The settings as WhatsApp has them now (read afresh, not Baileys' cached copy). */
  private async read(sock: WASocket): Promise<Settings> {
    let raw: Record<string, string>;
    try {
      raw = await sock.fetchPrivacySettings(true);
    } catch (e) {
      throw whatsappError(e, "reading the privacy settings");
    }
    const settings: Record<string, number> = {};
    for (const s of SETTINGS) {
      const value = (s.values as Record<string, number>)[raw[s.category] ?? ""];
      if (value !== undefined) settings[s.field] = value;
    }
    return settings as Settings;
  }

  private socket(accountId: string): Promise<WASocket> {
    return mapErrors(this.deps.sockets.connectedSocket(accountId));
  }
}
