import { describe, expect, inject, it, beforeEach, afterEach } from "vitest";
import type { Store } from "../../src/store/store.js";
import { mongoAdapter, sqliteAdapter, type Adapter, type AdapterFactory } from "../store/harness.js";

const uri = inject("mongodbUri");
const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const PN = "15550001111@s.whatsapp.net";
const LID = "81230001111@lid";

/** The contact store contract, run against every adapter. */
function contactStoreContract(name: string, factory: AdapterFactory): void {
  describe(`${name} contact store`, () => {
    let adapter: Adapter;
    let store: Store;
    beforeEach(async () => {
      adapter = await factory();
      store = await adapter.open();
    });
    afterEach(async () => {
      await store.close();
      await adapter.cleanup();
    });

    it("when a contact is upserted twice with the same data, then the second changes nothing and reports no change", async () => {
      const first = await store.contacts.upsert("a", { pnJid: PN }, { pushName: "Bob" }, t(1));
      expect(first.changed.sort()).toEqual(["jid", "push_name"]);
      const again = await store.contacts.upsert("a", { pnJid: PN }, { pushName: "Bob" }, t(2));
      expect(again.changed).toEqual([]);
      expect(await store.contacts.get("a", PN)).toEqual({ accountId: "a", jid: PN, pnJid: PN, pushName: "Bob", business: false, updateTime: t(1) });
    });

    it("when a contact is first seen by LID and later with both forms, then it is one record keyed by the phone-number JID, found by either", async () => {
      await store.contacts.upsert("a", { lidJid: LID }, { pushName: "Bob", about: "Hi", aboutTime: t(1) }, t(1));
      await store.contacts.upsert("a", { pnJid: PN }, { addressBookName: "Bob Shop" }, t(2));
      const merged = await store.contacts.upsert("a", { pnJid: PN, lidJid: LID }, {}, t(3));
      expect(merged.changed).toEqual(["jid"]);
      expect(merged.contact).toMatchObject({ jid: PN, pnJid: PN, lidJid: LID, pushName: "Bob", addressBookName: "Bob Shop", about: "Hi", aboutTime: t(1), updateTime: t(3) });
      expect(await store.contacts.get("a", LID)).toEqual(merged.contact);
      expect(await store.contacts.get("a", PN)).toEqual(merged.contact);
      expect((await store.contacts.list({ accountId: "a", pageSize: 10 })).contacts).toEqual([merged.contact]);
    });

    it("when a field is patched with undefined, then it is cleared", async () => {
      await store.contacts.upsert("a", { pnJid: PN }, { pictureMediaId: "m1", pictureId: "1", pictureTime: t(1) }, t(1));
      const cleared = await store.contacts.upsert("a", { pnJid: PN }, { pictureMediaId: undefined, pictureId: undefined, pictureTime: t(2) }, t(2));
      expect(cleared.changed).toEqual(["picture_media_id"]);
      const got = await store.contacts.get("a", PN);
      expect(got?.pictureMediaId).toBeUndefined();
      expect(got?.pictureTime).toEqual(t(2));
    });

    it("when contacts are listed, then most recently updated first, paginated, filtered by text, per account, also after reopening", async () => {
      for (let i = 1; i <= 5; i++) await store.contacts.upsert("a", { pnJid: `1555000000${i}@s.whatsapp.net` }, { pushName: i % 2 ? `Odd ${i}` : `Even ${i}` }, t(i));
      await store.contacts.upsert("b", { pnJid: PN }, { pushName: "Odd other" }, t(9));
      await store.close();
      store = await adapter.open();
      const first = await store.contacts.list({ accountId: "a", pageSize: 2 });
      expect(first.contacts.map((c) => c.pushName)).toEqual(["Odd 5", "Even 4"]);
      const second = await store.contacts.list({ accountId: "a", pageSize: 2, pageToken: first.nextPageToken });
      expect(second.contacts.map((c) => c.pushName)).toEqual(["Odd 3", "Even 2"]);
      const third = await store.contacts.list({ accountId: "a", pageSize: 2, pageToken: second.nextPageToken });
      expect(third.contacts.map((c) => c.pushName)).toEqual(["Odd 1"]);
      expect(third.nextPageToken).toBeUndefined();
      expect((await store.contacts.list({ accountId: "a", pageSize: 10, text: "oDD" })).contacts.map((c) => c.pushName)).toEqual(["Odd 5", "Odd 3", "Odd 1"]);
      expect((await store.contacts.list({ accountId: "a", pageSize: 10, text: "5550000002" })).contacts.map((c) => c.pushName)).toEqual(["Even 2"]);
      expect((await store.contacts.list({ accountId: "a", pageSize: 10, text: "(.*" })).contacts).toEqual([]);
      await expect(store.contacts.list({ accountId: "a", pageSize: 2, pageToken: "garbage" })).rejects.toThrow(RangeError);
      expect(await store.contacts.deleteAccount("a")).toBe(5);
      expect((await store.contacts.list({ accountId: "a", pageSize: 10 })).contacts).toEqual([]);
      expect(await store.contacts.get("b", PN)).toMatchObject({ pushName: "Odd other" });
    });
  });
}

contactStoreContract("SQLite", sqliteAdapter);
describe.skipIf(!uri)("MongoDB", () => contactStoreContract("MongoDB", mongoAdapter(uri)));
