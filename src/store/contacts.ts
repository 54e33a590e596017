/**
 * The contact store port: one record per (account, person) with what WhatsApp told the account
 * about that person: both JID forms (the LID↔phone-number mapping), push name, address-book
 * name, business name, about text, profile picture (a media id). A person first seen by one JID
 * form and later by the other stays one record: it is keyed by the phone-number JID once known
 * (else the LID), and an upsert naming both forms folds a record kept under the LID into it.
 * Writes are idempotent read-merge-replace by that key, so FerretDB v1 (no transactions,
 * non-atomic updates) needs nothing more than the unique key; an account's contact updates come
 * from its one socket's serial handler.
 */

/** A contact as the gateway keeps it. */
export interface ContactRecord {
  accountId: string;
  /** The key: `pnJid` when known, else `lidJid`. */
  jid: string;
  pnJid?: string;
  lidJid?: string;
  /** The name the contact gave itself (WhatsApp's "push name" / `notify`). */
  pushName?: string;
  /** The name in the account's phone address book, when WhatsApp synced it. */
  addressBookName?: string;
  verifiedBusinessName?: string;
  business: boolean;
  about?: string;
  aboutTime?: Date;
  /** The current picture in the media store, WhatsApp's id of it, and when it was stored (or removed). */
  pictureMediaId?: string;
  pictureId?: string;
  pictureTime?: Date;
  /** When anything changed last; lists are ordered by it. */
  updateTime: Date;
}

/** Fields an upsert may set; a key present with value undefined clears an optional field. */
export type ContactPatch = Partial<
  Pick<
    ContactRecord,
    "pushName" | "addressBookName" | "verifiedBusinessName" | "business" | "about" | "aboutTime" | "pictureMediaId" | "pictureId" | "pictureTime"
  >
>;

/** The JID forms an upsert knows of the person; at least one. */
export interface ContactIds {
  pnJid?: string;
  lidJid?: string;
}

/** What an upsert did: the record after it and which contract fields changed (empty: nothing). */
export interface ContactUpsert {
  contact: ContactRecord;
  changed: string[];
}

export interface ContactQuery {
  accountId: string;
  pageSize: number;
  pageToken?: string;
  /** Case-insensitive substring of a name or the phone number; absent: all. */
  text?: string;
}

export interface ContactPage {
  contacts: ContactRecord[];
  nextPageToken?: string;
}

export interface ContactStore {
  /**
   * Creates the contact when missing, folds records of the same person kept under the other JID
   * form into one, applies the patch. Repeating an upsert changes nothing (and reports no change).
   * This is the entry point for every source: messages, notifications, contact sync, history sync.
   */
  upsert(accountId: string, ids: ContactIds, patch: ContactPatch, time: Date): Promise<ContactUpsert>;
  /** The contact known under this phone-number JID or LID. */
  get(accountId: string, jid: string): Promise<ContactRecord | undefined>;
  /** Most recently updated first (update time, then key), keyset-paginated. */
  list(query: ContactQuery): Promise<ContactPage>;
  /** Removes every contact of the account; returns how many. */
  deleteAccount(accountId: string): Promise<number>;
}

/** Patch keys and the ContactDetails field each one shows as (for `changed`). */
const FIELDS: Record<keyof ContactPatch, string> = {
  pushName: "push_name",
  addressBookName: "address_book_name",
  verifiedBusinessName: "verified_business_name",
  business: "business",
  about: "about",
  aboutTime: "about",
  pictureMediaId: "picture_media_id",
  pictureId: "picture_media_id",
  pictureTime: "picture_media_id",
};

const same = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b);

/**
 * The merge every adapter runs (pure, so both agree): `found` are the stored records matching
 * either JID form (at most two). Returns the record to write, the keys of records to remove
 * (folded into it), and what changed.
 */
export function mergeContact(accountId: string, found: ContactRecord[], ids: ContactIds, patch: ContactPatch, time: Date): { next: ContactRecord; remove: string[]; changed: string[] } {
  if (!ids.pnJid && !ids.lidJid) throw new RangeError("a contact needs a phone-number JID or a LID");
  // the record under the phone-number JID wins; a LID-keyed one adds what it alone knows
  const ordered = [...found].sort((a, b) => Number(!!b.pnJid) - Number(!!a.pnJid));
  const base: ContactRecord = ordered.length ? { ...ordered[0] } : { accountId, jid: "", business: false, updateTime: time };
  for (const other of ordered.slice(1)) {
    for (const [key, value] of Object.entries(other) as [keyof ContactRecord, unknown][]) {
      if (value !== undefined && (base as unknown as Record<string, unknown>)[key] === undefined) (base as unknown as Record<string, unknown>)[key] = value;
    }
  }
  const next: ContactRecord = { ...base };
  const changed = new Set<string>();
  if (ids.pnJid && next.pnJid !== ids.pnJid) next.pnJid = ids.pnJid;
  if (ids.lidJid && next.lidJid !== ids.lidJid) next.lidJid = ids.lidJid;
  next.jid = next.pnJid ?? next.lidJid!;
  if (ordered.length === 0 || ordered.length > 1 || ordered[0].pnJid !== next.pnJid || ordered[0].lidJid !== next.lidJid) changed.add("jid");
  for (const key of Object.keys(patch) as (keyof ContactPatch)[]) {
    const value = patch[key];
    if (same(next[key], value)) continue;
    if (value === undefined) delete next[key];
    else (next as unknown as Record<string, unknown>)[key] = value;
    changed.add(FIELDS[key]);
  }
  if (changed.size === 0) return { next: ordered[0], remove: [], changed: [] };
  next.updateTime = time;
  return { next, remove: ordered.map((c) => c.jid).filter((jid) => jid !== next.jid), changed: [...changed] };
}

/** The lower-case text a query searches: names and the phone number. */
export function contactSearchText(contact: ContactRecord): string {
  const number = contact.pnJid?.split("@")[0] ?? "";
  return [contact.pushName, contact.addressBookName, contact.verifiedBusinessName, number].filter(Boolean).join("\n").toLowerCase();
}

export function checkContactPageSize(pageSize: number): void {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
}
