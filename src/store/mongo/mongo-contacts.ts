import type { Collection } from "mongodb";
import { decodeToken, encodeToken } from "../keyset-token.js";
import {
  checkContactPageSize,
  contactSearchText,
  mergeContact,
  type ContactIds,
  type ContactPage,
  type ContactPatch,
  type ContactQuery,
  type ContactRecord,
  type ContactStore,
  type ContactUpsert,
} from "../contacts.js";
import { ensureIndexes } from "./ensure-indexes.js";

/** One contact; `_id` is account and key JID joined by a NUL, the unique key every write goes by. */
export interface ContactDocument extends ContactRecord {
  _id: string;
  sortTime: number;
  search: string;
}

const idOf = (accountId: string, jid: string) => `${accountId}\u0000${jid}`;
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Contacts on MongoDB. An upsert replaces the whole document by its `_id`, then removes records
 * folded into it: repeated after a crash between the two, it finds both again and does the same.
 */
export class MongoContacts implements ContactStore {
  constructor(private readonly contacts: Collection<ContactDocument>) {}

  static async createIndexes(contacts: Collection<ContactDocument>): Promise<void> {
    await ensureIndexes(contacts, [
      { key: { accountId: 1, sortTime: -1, jid: -1 }, name: "account_time" },
      { key: { accountId: 1, pnJid: 1 }, name: "account_pn" },
      { key: { accountId: 1, lidJid: 1 }, name: "account_lid" },
    ]);
  }

  async upsert(accountId: string, ids: ContactIds, patch: ContactPatch, time: Date): Promise<ContactUpsert> {
    const jids = [ids.pnJid, ids.lidJid].filter((j): j is string => !!j);
    const docs = await this.contacts.find({ accountId, $or: jids.flatMap((j) => [{ jid: j }, { pnJid: j }, { lidJid: j }]) }).toArray();
    const { next, remove, changed } = mergeContact(accountId, docs.map(fromDoc), ids, patch, time);
    if (changed.length === 0) return { contact: next, changed };
    await this.contacts.replaceOne({ _id: idOf(accountId, next.jid) }, { ...next, sortTime: next.updateTime.getTime(), search: contactSearchText(next) }, { upsert: true });
    for (const jid of remove) await this.contacts.deleteOne({ _id: idOf(accountId, jid) });
    return { contact: next, changed };
  }

  async get(accountId: string, jid: string): Promise<ContactRecord | undefined> {
    const doc = await this.contacts.findOne({ accountId, $or: [{ jid }, { pnJid: jid }, { lidJid: jid }] });
    return doc ? fromDoc(doc) : undefined;
  }

  async list(query: ContactQuery): Promise<ContactPage> {
    checkContactPageSize(query.pageSize);
    const filter: Record<string, unknown> = { accountId: query.accountId };
    if (query.text) filter.search = { $regex: escapeRegex(query.text.toLowerCase()) };
    if (query.pageToken) {
      const [time, jid] = decodeToken(query.pageToken, ["number", "string"]);
      filter.$or = [{ sortTime: { $lt: time } }, { sortTime: time, jid: { $lt: jid } }];
    }
    const docs = await this.contacts.find(filter).sort({ sortTime: -1, jid: -1 }).limit(query.pageSize + 1).toArray();
    const contacts = docs.slice(0, query.pageSize).map(fromDoc);
    const last = docs[query.pageSize - 1];
    return docs.length > query.pageSize ? { contacts, nextPageToken: encodeToken([last.sortTime, last.jid]) } : { contacts };
  }

  async deleteAccount(accountId: string): Promise<number> {
    return (await this.contacts.deleteMany({ accountId })).deletedCount;
  }
}

function fromDoc(doc: ContactDocument): ContactRecord {
  const { _id, sortTime, search, ...contact } = doc;
  void _id;
  void sortTime;
  void search;
  return contact;
}
