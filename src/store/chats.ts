/**
 * The chat store port: one row per (account, chat) with what a chat list shows. Kept from
 * stored messages and from WhatsApp's own chat updates (app-state sync, history sync).
 * Writes are idempotent merges keyed by (account, chat), so FerretDB v1 (no transactions,
 * non-atomic updates) needs nothing more than the unique key.
 */

/** A chat as the gateway keeps it. */
export interface ChatRecord {
  accountId: string;
  /** The chat's JID in the form messages are stored under (phone-number form when known). */
  chatJid: string;
  /** Group subject or contact name, when WhatsApp told it. */
  name?: string;
  /** The newest message's id and time; the chat list is ordered by this time. */
  lastMessageId?: string;
  lastMessageTime?: Date;
  /** Received messages not yet read. */
  unreadCount: number;
  archived: boolean;
  /** When the chat was pinned; absent when not pinned. */
  pinTime?: Date;
  /** Notifications muted until this time; absent when not muted. */
  muteUntil?: Date;
  /** The user marked the chat unread (WhatsApp's "mark as unread"). */
  markedUnread: boolean;
  /** True when the chat first arrived with the history WhatsApp sent after linking. */
  fromHistory: boolean;
  updateTime: Date;
}

/** Fields a chat update may set; a key present with value undefined clears an optional field. */
export type ChatPatch = Partial<
  Pick<ChatRecord, "name" | "unreadCount" | "archived" | "pinTime" | "muteUntil" | "markedUnread" | "fromHistory">
>;

/** A message that reached a chat, for its last-message fields and unread count. */
export interface ChatMessageNote {
  messageId: string;
  time: Date;
  /** Adds one to the unread count (a new received message). */
  countUnread: boolean;
}

export interface ChatQuery {
  accountId: string;
  pageSize: number;
  pageToken?: string;
  /** Only archived (true) or only unarchived (false) chats; absent: both. */
  archived?: boolean;
}

export interface ChatPage {
  chats: ChatRecord[];
  nextPageToken?: string;
}

export interface ChatStore {
  /** Creates the chat when missing, then applies the patch; returns the chat after it. */
  update(accountId: string, chatJid: string, patch: ChatPatch, time: Date): Promise<ChatRecord>;
  /**
   * Records a message in the chat (creating the chat when missing): the last-message fields
   * move only forward in time; `countUnread` adds one to the unread count. Call it once per
   * newly stored message (the message store tells whether it was new).
   */
  noteMessage(accountId: string, chatJid: string, note: ChatMessageNote, time: Date): Promise<ChatRecord>;
  get(accountId: string, chatJid: string): Promise<ChatRecord | undefined>;
  /** Chats newest first (last message time, then chat JID), keyset-paginated. */
  list(query: ChatQuery): Promise<ChatPage>;
  /** Removes the chat; false when it did not exist. */
  delete(accountId: string, chatJid: string): Promise<boolean>;
  /** Removes every chat of the account; returns how many. */
  deleteAccount(accountId: string): Promise<number>;
}

/** The sort time of a chat: its last message, else its last update. */
export function chatSortTime(chat: Pick<ChatRecord, "lastMessageTime" | "updateTime">): number {
  return (chat.lastMessageTime ?? chat.updateTime).getTime();
}

/** A new, empty chat. */
export function newChat(accountId: string, chatJid: string, time: Date): ChatRecord {
  return { accountId, chatJid, unreadCount: 0, archived: false, markedUnread: false, fromHistory: false, updateTime: time };
}

/** Applies a patch to a chat (pure; both adapters use it so they agree). */
export function applyChatPatch(chat: ChatRecord, patch: ChatPatch, time: Date): ChatRecord {
  const next: ChatRecord = { ...chat, updateTime: time };
  for (const key of ["name", "pinTime", "muteUntil"] as const) {
    if (key in patch) {
      if (patch[key] === undefined) delete next[key];
      else (next as unknown as Record<string, unknown>)[key] = patch[key];
    }
  }
  if (patch.unreadCount !== undefined) next.unreadCount = patch.unreadCount;
  if (patch.archived !== undefined) next.archived = patch.archived;
  if (patch.markedUnread !== undefined) next.markedUnread = patch.markedUnread;
  if (patch.fromHistory !== undefined) next.fromHistory = patch.fromHistory;
  return next;
}

/** Applies a message note to a chat (pure). */
export function applyChatNote(chat: ChatRecord, note: ChatMessageNote, time: Date): ChatRecord {
  const next: ChatRecord = { ...chat, updateTime: time };
  if (!chat.lastMessageTime || note.time.getTime() >= chat.lastMessageTime.getTime()) {
    next.lastMessageId = note.messageId;
    next.lastMessageTime = note.time;
  }
  if (note.countUnread) next.unreadCount = chat.unreadCount + 1;
  return next;
}

export function checkChatPageSize(pageSize: number): void {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
}
