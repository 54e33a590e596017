/** The message store port: messages as the gateway keeps them, keyed as WhatsApp keys them. */

export type MessageType =
  | "text"
  | "image"
  | "video"
  | "audio"
  | "voice_note"
  | "document"
  | "sticker"
  | "location"
  | "contacts"
  | "reaction"
  | "poll"
  | "poll_vote"
  | "other";

export type MessageStatus = "pending" | "server_ack" | "delivered" | "read" | "played" | "failed";

/** A JID as WhatsApp addressed it, with both forms when known. */
export interface Jid {
  jid: string;
  /** Phone-number form. */
  pn?: string;
  /** LID form. */
  lid?: string;
}

/**
 * WhatsApp's own message key. `participant` is the sender inside a group (absent in 1:1
 * chats); the same id can exist once per (chat, fromMe, participant).
 */
export interface MessageKey {
  accountId: string;
  chatJid: string;
  messageId: string;
  fromMe: boolean;
  participant?: string;
}

export interface MediaRef {
  mediaId: string;
  mimeType: string;
  sizeBytes: number;
  sha256: string;
  fileName?: string;
}

export interface StatusChange {
  status: MessageStatus;
  time: Date;
}

export interface Reaction {
  from: Jid;
  emoji: string;
  time: Date;
}

/** What a caller stores when a message is sent or received. */
export interface NewMessage {
  key: MessageKey;
  chat: Jid;
  from?: Jid;
  timestamp: Date;
  type: MessageType;
  text?: string;
  media?: MediaRef;
  /** Encoded WAProto WebMessageInfo, kept so later features can re-read what WhatsApp sent. */
  rawMessage?: Uint8Array;
  /** Arrived with WhatsApp's history sync rather than as new traffic. */
  fromHistory?: boolean;
}

export interface MessageRecord extends NewMessage {
  hasMedia: boolean;
  /** Highest status seen (statuses arrive out of order; `read` is not undone by a late `delivered`). */
  status?: MessageStatus;
  /** Every status update in arrival order. */
  statusHistory: StatusChange[];
  edit?: { time: Date; text?: string };
  deleteTime?: Date;
  /** At most one per reacting JID. */
  reactions: Reaction[];
  /** The account starred it (on the phone or through ChatService.StarMessage). */
  starred?: boolean;
}

export interface MessageQuery {
  accountId: string;
  /** Absent: every chat of the account. */
  chatJid?: string;
  pageSize: number;
  /** Opaque token from a previous page. */
  pageToken?: string;
  types?: MessageType[];
  fromMe?: boolean;
  /** Inclusive lower bound on timestamp. */
  since?: Date;
  /** Exclusive upper bound on timestamp. */
  until?: Date;
  /** Only messages whose file is described but not (yet) in the media store. */
  missingMedia?: boolean;
}

export interface MessagePage {
  messages: MessageRecord[];
  nextPageToken?: string;
}

/** Binds a client's send request id (unique per account) to the message it sent. */
export interface SendRequestClaim {
  accountId: string;
  requestId: string;
  chatJid: string;
  messageId: string;
  /** When the claim was made; {@link MessageStore.pruneRequests} forgets claims by it. */
  createTime: Date;
}

/** `claimed: false` carries the target of the claim that came first. */
export type ClaimResult = { claimed: true } | { claimed: false; chatJid: string; messageId: string };

export interface MessageStore {
  /**
   * Stores a message once: a redelivery of the same key changes nothing and returns
   * `created: false`. Status, reactions or edits recorded before the message arrived are kept.
   */
  upsert(message: NewMessage): Promise<{ created: boolean }>;
  get(key: MessageKey): Promise<MessageRecord | undefined>;
  /**
   * Every stored message of the account with this id (normally one), newest first;
   * `fromMe` narrows it to one direction.
   */
  findById(accountId: string, messageId: string, fromMe?: boolean): Promise<MessageRecord[]>;
  /**
   * A chat's messages, or without `chatJid` all of the account's, newest first (timestamp,
   * then storage order), keyset-paginated.
   */
  list(query: MessageQuery): Promise<MessagePage>;
  /** Records a status update, creating a placeholder when the message has not arrived yet. */
  addStatus(key: MessageKey, change: StatusChange): Promise<void>;
  markEdited(key: MessageKey, edit: { time: Date; text?: string }): Promise<void>;
  markDeleted(key: MessageKey, time: Date): Promise<void>;
  /** Sets this JID's reaction; an empty emoji removes it. */
  setReaction(key: MessageKey, reaction: Reaction): Promise<void>;
  /** Stars or unstars the message (a placeholder when it is not stored yet, like the other marks). */
  setStarred(key: MessageKey, starred: boolean): Promise<void>;
  /**
   * Sets (replaces) a stored message's media, for media fetched after the message was
   * stored. False when no message with this key is stored; no placeholder is created.
   */
  setMedia(key: MessageKey, media: MediaRef): Promise<boolean>;
  /**
   * Records that a send request id is bound to a message, so a retried request sends
   * nothing twice. Atomic across processes: of concurrent claims of one id exactly one
   * gets `claimed: true`; the others, and every later one, get the first claim's target.
   */
  claimRequest(claim: SendRequestClaim): Promise<ClaimResult>;
  /** Forgets claims made before `createdBefore` (the retention window); returns how many. */
  pruneRequests(createdBefore: Date): Promise<number>;
  /** Removes every message and send request claim of the account; returns how many messages. */
  deleteAccount(accountId: string): Promise<number>;
}

/** Order of statuses: a status only replaces a lower one. */
export const statusRank: Record<MessageStatus, number> = {
  pending: 1,
  failed: 2,
  server_ack: 3,
  delivered: 4,
  read: 5,
  played: 6,
};

export function rankToStatus(rank: number): MessageStatus | undefined {
  return (Object.keys(statusRank) as MessageStatus[]).find((s) => statusRank[s] === rank);
}
