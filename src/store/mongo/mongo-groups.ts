import type { Collection } from "mongodb";
import { groupFromJson, groupToJson, type GroupPage, type GroupRecord, type GroupStore } from "../groups.js";
import { ensureIndexes } from "./ensure-indexes.js";

/** One document per (account, group); replaced whole, so a repeated write is harmless on FerretDB v1. */
export interface GroupDocument {
  _id: string;
  accountId: string;
  groupJid: string;
  /** The record as JSON: nothing queries inside it. */
  doc: string;
}

const idOf = (accountId: string, groupJid: string) => `${accountId}\u0000${groupJid}`;

export class MongoGroups implements GroupStore {
  constructor(private readonly groups: Collection<GroupDocument>) {}

  static createIndexes(groups: Collection<GroupDocument>): Promise<void> {
    return ensureIndexes(groups, [{ key: { accountId: 1, groupJid: 1 }, name: "account_group" }]);
  }

  async put(group: GroupRecord): Promise<void> {
    const _id = idOf(group.accountId, group.groupJid);
    await this.groups.replaceOne({ _id }, { accountId: group.accountId, groupJid: group.groupJid, doc: groupToJson(group) }, { upsert: true });
  }

  async get(accountId: string, groupJid: string): Promise<GroupRecord | undefined> {
    const doc = await this.groups.findOne({ _id: idOf(accountId, groupJid) });
    return doc ? groupFromJson(doc.doc) : undefined;
  }

  async list(accountId: string, { pageSize, after }: { pageSize: number; after?: string }): Promise<GroupPage> {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
    const filter = after === undefined ? { accountId } : { accountId, groupJid: { $gt: after } };
    const docs = await this.groups.find(filter).sort({ accountId: 1, groupJid: 1 }).limit(pageSize + 1).toArray();
    const groups = docs.slice(0, pageSize).map((d) => groupFromJson(d.doc));
    return docs.length > pageSize ? { groups, nextAfter: groups[pageSize - 1]!.groupJid } : { groups };
  }

  async deleteAccount(accountId: string): Promise<number> {
    return (await this.groups.deleteMany({ accountId })).deletedCount;
  }
}
