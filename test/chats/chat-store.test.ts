import { describe, expect, inject, it, beforeEach, afterEach } from "vitest";
import type { Store } from "../../src/store/store.js";
import { mongoAdapter, sqliteAdapter, type Adapter, type AdapterFactory } from "../store/harness.js";

const uri = inject("mongodbUri");
const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

/** The chat store contract, run against every adapter. */
function chatStoreContract(name: string, factory: AdapterFactory): void {
  describe(`${name} chat store`, () => {
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

    it("when messages arrive, then the chat keeps the newest one and counts unread received ones", async () => {
      await store.chats.noteMessage("a", "1@s.whatsapp.net", { messageId: "m2", time: t(20), countUnread: true }, t(21));
      await store.chats.noteMessage("a", "1@s.whatsapp.net", { messageId: "m1", time: t(10), countUnread: true }, t(22));
      await store.chats.noteMessage("a", "1@s.whatsapp.net", { messageId: "m3", time: t(30), countUnread: false }, t(31));
      const chat = await store.chats.get("a", "1@s.whatsapp.net");
      expect(chat).toMatchObject({ lastMessageId: "m3", lastMessageTime: t(30), unreadCount: 2, archived: false, markedUnread: false });
    });

    it("when a chat is patched, then set fields change, cleared ones go and others stay", async () => {
      await store.chats.update("a", "c@g.us", { name: "Orders", archived: true, pinTime: t(5), muteUntil: t(99), fromHistory: true }, t(6));
      const patched = await store.chats.update("a", "c@g.us", { pinTime: undefined, markedUnread: true, unreadCount: 0 }, t(7));
      expect(patched.pinTime).toBeUndefined();
      const got = await store.chats.get("a", "c@g.us");
      expect(got).toEqual({
        accountId: "a",
        chatJid: "c@g.us",
        name: "Orders",
        archived: true,
        muteUntil: t(99),
        markedUnread: true,
        unreadCount: 0,
        fromHistory: true,
        updateTime: t(7),
      });
    });

    it("when chats are listed, then newest first, paginated, by archive state, per account", async () => {
      for (let i = 1; i <= 5; i++) {
        await store.chats.noteMessage("a", `${i}@s.whatsapp.net`, { messageId: `m${i}`, time: t(i * 10), countUnread: false }, t(60));
      }
      await store.chats.noteMessage("b", "9@s.whatsapp.net", { messageId: "x", time: t(1), countUnread: false }, t(60));
      await store.chats.update("a", "2@s.whatsapp.net", { archived: true }, t(61));
      const first = await store.chats.list({ accountId: "a", pageSize: 2 });
      expect(first.chats.map((c) => c.chatJid)).toEqual(["5@s.whatsapp.net", "4@s.whatsapp.net"]);
      const second = await store.chats.list({ accountId: "a", pageSize: 2, pageToken: first.nextPageToken });
      expect(second.chats.map((c) => c.chatJid)).toEqual(["3@s.whatsapp.net", "2@s.whatsapp.net"]);
      const third = await store.chats.list({ accountId: "a", pageSize: 2, pageToken: second.nextPageToken });
      expect(third.chats.map((c) => c.chatJid)).toEqual(["1@s.whatsapp.net"]);
      expect(third.nextPageToken).toBeUndefined();
      expect((await store.chats.list({ accountId: "a", pageSize: 10, archived: true })).chats.map((c) => c.chatJid)).toEqual(["2@s.whatsapp.net"]);
      expect((await store.chats.list({ accountId: "a", pageSize: 10, archived: false })).chats).toHaveLength(4);
      await expect(store.chats.list({ accountId: "a", pageSize: 2, pageToken: "garbage" })).rejects.toThrow(RangeError);
    });

    it("when a chat or an account is deleted, then its chats are gone and others stay, also after reopening", async () => {
      await store.chats.update("a", "1@s.whatsapp.net", { archived: true }, t(1));
      await store.chats.update("a", "2@s.whatsapp.net", {}, t(1));
      await store.chats.update("b", "1@s.whatsapp.net", {}, t(1));
      expect(await store.chats.delete("a", "1@s.whatsapp.net")).toBe(true);
      expect(await store.chats.delete("a", "1@s.whatsapp.net")).toBe(false);
      expect(await store.chats.deleteAccount("a")).toBe(1);
      await store.close();
      store = await adapter.open();
      expect((await store.chats.list({ accountId: "a", pageSize: 10 })).chats).toEqual([]);
      expect(await store.chats.get("b", "1@s.whatsapp.net")).toMatchObject({ chatJid: "1@s.whatsapp.net", unreadCount: 0 });
    });
  });
}

chatStoreContract("SQLite", sqliteAdapter);
describe.skipIf(!uri)("MongoDB", () => chatStoreContract("MongoDB", mongoAdapter(uri)));
