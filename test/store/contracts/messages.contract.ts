import { describe, expect, it } from "vitest";
import type {
  MediaRef,
  MessageKey,
  MessageQuery,
  MessageRecord,
  MessageType,
  NewMessage,
  SendRequestClaim,
} from "../../../src/store/messages.js";
import { useAdapter, type AdapterFactory } from "../harness.js";

const chat = "15551234567@s.whatsapp.net";
const group = "120363000000000001@g.us";
const t0 = Date.parse("2025-03-01T12:00:00.000Z");

function key(messageId: string, overrides: Partial<MessageKey> = {}): MessageKey {
  return { accountId: "acc", chatJid: chat, messageId, fromMe: false, ...overrides };
}

function message(messageId: string, offsetS: number, overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    key: key(messageId),
    chat: { jid: chat, pn: chat, lid: "98765@lid" },
    from: { jid: chat, pn: chat },
    timestamp: new Date(t0 + offsetS * 1000),
    type: "text",
    text: `text of ${messageId}`,
    ...overrides,
  };
}

const full: NewMessage = {
  key: key("FULL1", { chatJid: group, participant: "98765@lid" }),
  chat: { jid: group },
  from: { jid: "98765@lid", pn: "15550001111@s.whatsapp.net", lid: "98765@lid" },
  timestamp: new Date("2025-03-01T12:34:56.789Z"),
  type: "image",
  text: "caption – ünïcode 🙂",
  media: { mediaId: "m_1", mimeType: "image/jpeg", sizeBytes: 12345, sha256: "ab".repeat(32), fileName: "a.jpg" },
  rawMessage: new Uint8Array([0, 1, 2, 250, 255]),
};

const photo: MediaRef = { mediaId: "m_2", mimeType: "image/png", sizeBytes: 777, sha256: "cd".repeat(32) };

function claim(requestId: string, messageId: string, overrides: Partial<SendRequestClaim> = {}): SendRequestClaim {
  return { accountId: "acc", requestId, chatJid: chat, messageId, createTime: new Date(t0), ...overrides };
}

export function messagesContract(name: string, factory: AdapterFactory): void {
  describe(`${name} messages`, () => {
    const ctx = useAdapter(factory);
    const ids = (records: MessageRecord[]) => records.map((m) => m.key.messageId);

    /** Follows page tokens to the end: the ids in order, and how many pages it took. */
    async function listAll(query: Omit<MessageQuery, "pageToken">) {
      const seen: string[] = [];
      let pageToken: string | undefined;
      let pages = 0;
      do {
        const page = await ctx.store.messages.list({ ...query, pageToken });
        seen.push(...ids(page.messages));
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken);
      return { seen, pages };
    }

    /** The filter results both filter tests expect of the same five messages T1, I2, T3, V4, T5. */
    async function expectFiltered(list: (q: Partial<MessageQuery>) => Promise<string[]>) {
      expect(await list({ types: ["text"] })).toEqual(["T5", "T3", "T1"]);
      expect(await list({ types: ["image", "video"] })).toEqual(["V4", "I2"]);
      expect(await list({ fromMe: true })).toEqual(["V4", "T3"]);
      expect(await list({ fromMe: false, types: ["text"] })).toEqual(["T5", "T1"]);
      expect(await list({ since: new Date(t0 + 2000), until: new Date(t0 + 4000) })).toEqual(["T3", "I2"]);
    }

    it("when a message is stored, get returns every field exactly, with no status yet", async () => {
      expect(await ctx.store.messages.upsert(full)).toEqual({ created: true });

      expect(await ctx.store.messages.get(full.key)).toStrictEqual({
        ...full,
        hasMedia: true,
        statusHistory: [],
        reactions: [],
      });
    });

    it("when WhatsApp redelivers a message, it is stored once and later changes are kept", async () => {
      await ctx.store.messages.upsert(message("A", 1));
      await ctx.store.messages.markEdited(key("A"), { time: new Date(t0 + 5000), text: "edited" });

      expect(await ctx.store.messages.upsert(message("A", 1, { text: "original again" }))).toEqual({ created: false });

      const got = await ctx.store.messages.get(key("A"));
      expect(got?.text).toBe("text of A");
      expect(got?.edit).toStrictEqual({ time: new Date(t0 + 5000), text: "edited" });
      expect((await ctx.store.messages.list({ accountId: "acc", chatJid: chat, pageSize: 10 })).messages).toHaveLength(1);
    });

    it("when a message comes from history, it is kept as such; the same key arriving live later is not stored again", async () => {
      await ctx.store.messages.upsert({ ...message("H", 1), fromHistory: true });
      expect(await ctx.store.messages.upsert(message("H", 1))).toEqual({ created: false });
      await ctx.store.messages.upsert(message("L", 2));
      expect(await ctx.store.messages.upsert({ ...message("L", 2), fromHistory: true })).toEqual({ created: false });

      expect((await ctx.store.messages.get(key("H")))?.fromHistory).toBe(true);
      expect(await ctx.store.messages.get(key("L"))).not.toHaveProperty("fromHistory");
    });

    it("when the same message is delivered several times at once, exactly one store call creates it", async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => ctx.store.messages.upsert(message("RACE", 1))));

      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await ctx.store.messages.findById("acc", "RACE")).toHaveLength(1);
    });

    it("when the same id differs in chat, direction or participant, each is its own message", async () => {
      const variants: MessageKey[] = [
        key("X"),
        key("X", { fromMe: true }),
        key("X", { chatJid: group, participant: "1@lid" }),
        key("X", { chatJid: group, participant: "2@lid" }),
        key("X", { accountId: "other" }),
      ];
      for (const k of variants) expect(await ctx.store.messages.upsert(message("X", 1, { key: k }))).toEqual({ created: true });

      for (const k of variants) expect((await ctx.store.messages.get(k))?.key).toStrictEqual(k);
      expect(await ctx.store.messages.findById("acc", "X")).toHaveLength(4);
    });

    it("when status updates arrive before the message, they are kept and the message is still created", async () => {
      await ctx.store.messages.addStatus(key("B", { fromMe: true }), { status: "delivered", time: new Date(t0 + 2000) });
      expect(await ctx.store.messages.get(key("B", { fromMe: true }))).toBeUndefined();
      expect((await ctx.store.messages.list({ accountId: "acc", chatJid: chat, pageSize: 10 })).messages).toEqual([]);

      expect(await ctx.store.messages.upsert(message("B", 1, { key: key("B", { fromMe: true }) }))).toEqual({ created: true });

      const got = await ctx.store.messages.get(key("B", { fromMe: true }));
      expect(got?.status).toBe("delivered");
      expect(got?.statusHistory).toStrictEqual([{ status: "delivered", time: new Date(t0 + 2000) }]);
    });

    it("when statuses arrive out of order, the highest one wins and history keeps arrival order", async () => {
      const k = key("C", { fromMe: true });
      await ctx.store.messages.upsert(message("C", 1, { key: k }));
      await ctx.store.messages.addStatus(k, { status: "server_ack", time: new Date(t0 + 1) });
      await ctx.store.messages.addStatus(k, { status: "read", time: new Date(t0 + 3) });
      await ctx.store.messages.addStatus(k, { status: "delivered", time: new Date(t0 + 2) });

      const got = await ctx.store.messages.get(k);
      expect(got?.status).toBe("read");
      expect(got?.statusHistory.map((s) => s.status)).toEqual(["server_ack", "read", "delivered"]);
    });

    it("when messages are edited, deleted and reacted to, get shows it; an empty emoji removes a reaction", async () => {
      await ctx.store.messages.upsert(message("D", 1));
      const alice = { jid: "1@lid", pn: "1@s.whatsapp.net" };
      const bob = { jid: "2@lid" };
      await ctx.store.messages.setReaction(key("D"), { from: alice, emoji: "👍", time: new Date(t0 + 1) });
      await ctx.store.messages.setReaction(key("D"), { from: bob, emoji: "❤️", time: new Date(t0 + 2) });
      await ctx.store.messages.setReaction(key("D"), { from: alice, emoji: "😂", time: new Date(t0 + 3) });
      await ctx.store.messages.setReaction(key("D"), { from: bob, emoji: "", time: new Date(t0 + 4) });
      await ctx.store.messages.markEdited(key("D"), { time: new Date(t0 + 5) });
      await ctx.store.messages.markDeleted(key("D"), new Date(t0 + 6));

      const got = await ctx.store.messages.get(key("D"));
      expect(got?.reactions).toStrictEqual([{ from: alice, emoji: "😂", time: new Date(t0 + 3) }]);
      expect(got?.edit).toStrictEqual({ time: new Date(t0 + 5) });
      expect(got?.deleteTime).toStrictEqual(new Date(t0 + 6));
    });

    it("when a message is starred and unstarred, get shows it; a star that arrives before its message is kept", async () => {
      await ctx.store.messages.upsert(message("S1", 1));
      expect((await ctx.store.messages.get(key("S1")))?.starred).toBeUndefined();
      await ctx.store.messages.setStarred(key("S1"), true);
      expect((await ctx.store.messages.get(key("S1")))?.starred).toBe(true);
      await ctx.store.messages.setStarred(key("S1"), false);
      expect((await ctx.store.messages.get(key("S1")))?.starred).toBeUndefined();

      await ctx.store.messages.setStarred(key("S2"), true);
      expect(await ctx.store.messages.get(key("S2"))).toBeUndefined();
      await ctx.store.messages.upsert(message("S2", 2));
      expect((await ctx.store.messages.get(key("S2")))?.starred).toBe(true);
    });

    it("when a chat is listed, pages run newest first, ties in storage order, each message exactly once", async () => {
      // Two messages per second, so pages split inside a tie.
      for (let i = 0; i < 9; i++) await ctx.store.messages.upsert(message(`M${i}`, Math.floor(i / 2)));
      await ctx.store.messages.upsert(message("elsewhere", 100, { key: key("elsewhere", { chatJid: "other@s.whatsapp.net" }) }));

      const { seen, pages } = await listAll({ accountId: "acc", chatJid: chat, pageSize: 2 });

      expect(seen).toEqual(["M8", "M7", "M6", "M5", "M4", "M3", "M2", "M1", "M0"]);
      expect(pages).toBe(5);
    });

    it("when filters are given, list returns only matching messages: type, from-me, time range", async () => {
      const specs: [string, number, MessageType, boolean][] = [
        ["T1", 1, "text", false],
        ["I2", 2, "image", false],
        ["T3", 3, "text", true],
        ["V4", 4, "video", true],
        ["T5", 5, "text", false],
      ];
      for (const [id, s, type, fromMe] of specs) {
        await ctx.store.messages.upsert(message(id, s, { key: key(id, { fromMe }), type }));
      }
      const list = async (q: object) =>
        ids((await ctx.store.messages.list({ accountId: "acc", chatJid: chat, pageSize: 10, ...q })).messages);

      await expectFiltered(list);
      expect(await list({ types: ["text"], pageSize: 1, pageToken: (await ctx.store.messages.list({ accountId: "acc", chatJid: chat, pageSize: 1, types: ["text"] })).nextPageToken })).toEqual(["T3"]);
    });

    it("when missingMedia is set, list returns only messages whose file is described but not stored, until setMedia stores it", async () => {
      const described: MediaRef = { ...photo, mediaId: "" };
      await ctx.store.messages.upsert(message("TXT", 1));
      await ctx.store.messages.upsert(message("HAS", 2, { type: "image", media: photo }));
      await ctx.store.messages.upsert(message("NO1", 3, { type: "image", media: described }));
      await ctx.store.messages.upsert(message("NO2", 4, { type: "document", media: described, key: key("NO2", { chatJid: group }), chat: { jid: group } }));
      const missing = async () => ids((await ctx.store.messages.list({ accountId: "acc", pageSize: 10, missingMedia: true })).messages);

      expect(await missing()).toEqual(["NO2", "NO1"]);
      await ctx.store.messages.setMedia(key("NO1"), photo);
      expect(await missing()).toEqual(["NO2"]);
    });

    it("when no chat is given, list pages through every chat of the account newest first, ties in storage order", async () => {
      // Three chats, interleaved, two messages per second: pages split inside ties that span chats.
      const chats = [chat, group, "15559990000@s.whatsapp.net"];
      for (let i = 0; i < 9; i++) {
        const chatJid = chats[i % 3];
        await ctx.store.messages.upsert(message(`M${i}`, Math.floor(i / 2), { key: key(`M${i}`, { chatJid }), chat: { jid: chatJid } }));
      }
      await ctx.store.messages.upsert(message("otherAccount", 100, { key: key("otherAccount", { accountId: "other" }) }));
      await ctx.store.messages.addStatus(key("placeholder"), { status: "read", time: new Date(t0) });

      const { seen, pages } = await listAll({ accountId: "acc", pageSize: 2 });

      expect(seen).toEqual(["M8", "M7", "M6", "M5", "M4", "M3", "M2", "M1", "M0"]);
      expect(pages).toBe(5);
    });

    it("when no chat is given, filters apply across chats: type, from-me, time range, with pagination", async () => {
      const specs: [string, string, number, MessageType, boolean][] = [
        ["T1", chat, 1, "text", false],
        ["I2", group, 2, "image", false],
        ["T3", group, 3, "text", true],
        ["V4", chat, 4, "video", true],
        ["T5", "15559990000@s.whatsapp.net", 5, "text", false],
      ];
      for (const [id, chatJid, s, type, fromMe] of specs) {
        await ctx.store.messages.upsert(message(id, s, { key: key(id, { chatJid, fromMe }), chat: { jid: chatJid }, type }));
      }
      const list = async (q: object) => ids((await ctx.store.messages.list({ accountId: "acc", pageSize: 10, ...q })).messages);

      await expectFiltered(list);
      const first = await ctx.store.messages.list({ accountId: "acc", pageSize: 2, types: ["text"] });
      expect(ids(first.messages)).toEqual(["T5", "T3"]);
      expect(await list({ types: ["text"], pageToken: first.nextPageToken })).toEqual(["T1"]);
    });

    it("when findById is narrowed by direction, only that direction's message is returned", async () => {
      await ctx.store.messages.upsert(message("Y", 1));
      await ctx.store.messages.upsert(message("Y", 2, { key: key("Y", { fromMe: true }) }));

      expect((await ctx.store.messages.findById("acc", "Y", true)).map((m) => m.key)).toStrictEqual([key("Y", { fromMe: true })]);
      expect((await ctx.store.messages.findById("acc", "Y", false)).map((m) => m.key)).toStrictEqual([key("Y")]);
      expect(await ctx.store.messages.findById("acc", "Y")).toHaveLength(2);
    });

    it("when media is set on a stored message, it replaces the old one and hasMedia follows", async () => {
      await ctx.store.messages.upsert(message("P", 1, { type: "image" }));
      expect((await ctx.store.messages.get(key("P")))?.hasMedia).toBe(false);

      expect(await ctx.store.messages.setMedia(key("P"), full.media!)).toBe(true);
      expect(await ctx.store.messages.setMedia(key("P"), photo)).toBe(true);

      const got = await ctx.store.messages.get(key("P"));
      expect(got?.media).toStrictEqual(photo);
      expect(got?.hasMedia).toBe(true);
      expect(got?.text).toBe("text of P");
    });

    it("when media is set on a message that is not stored, it returns false and creates nothing", async () => {
      expect(await ctx.store.messages.setMedia(key("unknown"), photo)).toBe(false);
      // A placeholder (an update that arrived before its message) is not a stored message either.
      await ctx.store.messages.addStatus(key("early"), { status: "read", time: new Date(t0) });
      expect(await ctx.store.messages.setMedia(key("early"), photo)).toBe(false);

      expect(await ctx.store.messages.get(key("unknown"))).toBeUndefined();
      expect((await ctx.store.messages.list({ accountId: "acc", pageSize: 10 })).messages).toEqual([]);
      await ctx.store.messages.upsert(message("early", 1));
      const early = await ctx.store.messages.get(key("early"));
      expect(early?.hasMedia).toBe(false);
      expect(early?.status).toBe("read");
    });

    it("when one request id is claimed 20 times at once from several stores, exactly one wins and all see its target", async () => {
      const stores = [ctx.store, await ctx.open(), await ctx.open()];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => stores[i % stores.length].messages.claimRequest(claim("req-1", `MSG${i}`))),
      );

      const winners = results.flatMap((r, i) => (r.claimed ? [i] : []));
      expect(winners).toHaveLength(1);
      const target = { claimed: false, chatJid: chat, messageId: `MSG${winners[0]}` };
      expect(results.filter((r) => !r.claimed)).toStrictEqual(Array(19).fill(target));
      expect(await ctx.store.messages.claimRequest(claim("req-1", "LATE", { chatJid: group }))).toStrictEqual(target);
    });

    it("when request ids differ, or the same id is used by another account, each claim is its own", async () => {
      expect(await ctx.store.messages.claimRequest(claim("req-1", "A"))).toStrictEqual({ claimed: true });
      expect(await ctx.store.messages.claimRequest(claim("req-2", "B"))).toStrictEqual({ claimed: true });
      expect(await ctx.store.messages.claimRequest(claim("req-1", "C", { accountId: "other", chatJid: group }))).toStrictEqual({ claimed: true });

      expect(await ctx.store.messages.claimRequest(claim("req-2", "D"))).toStrictEqual({ claimed: false, chatJid: chat, messageId: "B" });
      expect(await ctx.store.messages.claimRequest(claim("req-1", "E", { accountId: "other" }))).toStrictEqual({ claimed: false, chatJid: group, messageId: "C" });
    });

    it("when claims are pruned, those made before the cutoff are forgotten and later ones kept", async () => {
      await ctx.store.messages.claimRequest(claim("old", "A", { createTime: new Date(t0) }));
      await ctx.store.messages.claimRequest(claim("edge", "B", { createTime: new Date(t0 + 1000) }));
      await ctx.store.messages.claimRequest(claim("new", "C", { createTime: new Date(t0 + 2000) }));

      expect(await ctx.store.messages.pruneRequests(new Date(t0 + 1000))).toBe(1);
      expect(await ctx.store.messages.pruneRequests(new Date(t0 + 1000))).toBe(0);

      expect(await ctx.store.messages.claimRequest(claim("old", "A2"))).toStrictEqual({ claimed: true });
      expect(await ctx.store.messages.claimRequest(claim("edge", "B2"))).toStrictEqual({ claimed: false, chatJid: chat, messageId: "B" });
      expect(await ctx.store.messages.claimRequest(claim("new", "C2"))).toStrictEqual({ claimed: false, chatJid: chat, messageId: "C" });
    });

    it("when an account is deleted, its claims go too and only its messages are counted", async () => {
      await ctx.store.messages.upsert(message("A", 1));
      await ctx.store.messages.claimRequest(claim("req-1", "A"));
      await ctx.store.messages.claimRequest(claim("req-2", "B"));
      await ctx.store.messages.claimRequest(claim("req-1", "O", { accountId: "other" }));

      expect(await ctx.store.messages.deleteAccount("acc")).toBe(1);

      expect(await ctx.store.messages.claimRequest(claim("req-1", "A2"))).toStrictEqual({ claimed: true });
      expect(await ctx.store.messages.claimRequest(claim("req-1", "X", { accountId: "other" }))).toStrictEqual({ claimed: false, chatJid: chat, messageId: "O" });
    });

    it("when a page token is garbage, list throws RangeError", async () => {
      await expect(ctx.store.messages.list({ accountId: "acc", chatJid: chat, pageSize: 5, pageToken: "nope" })).rejects.toBeInstanceOf(RangeError);
      await expect(ctx.store.messages.list({ accountId: "acc", chatJid: chat, pageSize: 0 })).rejects.toBeInstanceOf(RangeError);
    });

    it("when an account's messages are deleted, other accounts keep theirs", async () => {
      await ctx.store.messages.upsert(message("A", 1));
      await ctx.store.messages.upsert(message("A", 1, { key: key("A", { accountId: "other" }) }));

      expect(await ctx.store.messages.deleteAccount("acc")).toBe(1);

      expect(await ctx.store.messages.get(key("A"))).toBeUndefined();
      expect(await ctx.store.messages.get(key("A", { accountId: "other" }))).toBeDefined();
    });
  });
}
