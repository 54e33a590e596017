import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlreadyExistsError, type AccountRecord, type AccountStore, type Store } from "../../src/store/store.js";

/** What an adapter's test file hands the contract: a fresh, empty store per test. */
export interface StoreHarness {
  store: Store;
  /** Opens a new Store on the same file or database (the contract closes the old one first). */
  reopen: () => Promise<Store>;
  /** Removes whatever open() created; called after every store has been closed. */
  cleanup: () => Promise<void>;
}

const created = new Date("2025-01-01T00:00:00.001Z");
const later = new Date("2025-06-30T23:59:59.999Z");

function account(accountId: string, overrides: Partial<AccountRecord> = {}): AccountRecord {
  return {
    accountId,
    displayName: `Account ${accountId}`,
    state: "disconnected",
    createTime: created,
    updateTime: created,
    ...overrides,
  };
}

const full: AccountRecord = {
  accountId: "acc-full",
  displayName: "Support line – Zürich 🙂",
  state: "connected",
  ownJid: { pn: "15551234567@s.whatsapp.net", lid: "123456789012345@lid" },
  lastDisconnect: { kind: "connection_lost", code: 428, reason: "Connection Closed", time: new Date("2025-03-04T05:06:07.089Z") },
  mediaDownload: { mode: "all", types: ["image", "voice_note"], maxBytes: 5_000_000 },
  callPolicy: { autoReject: true, replyText: "Calls are not answered here – please write 🙂" },
  historySync: { mode: "recent", recentDays: 30 },
  createTime: new Date("2025-01-02T03:04:05.678Z"),
  updateTime: new Date("2025-02-03T04:05:06.007Z"),
};

/** The behaviour every {@link AccountStore} adapter must have. */
export function accountStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`${name} account store`, () => {
    let harness: StoreHarness;
    let store: Store;
    let accounts: AccountStore;

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
      accounts = store.accounts;
    });

    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    async function reopen(): Promise<void> {
      await store.close();
      store = await harness.reopen();
      accounts = store.accounts;
    }

    async function ids(page: Promise<{ accounts: AccountRecord[] }>): Promise<string[]> {
      return (await page).accounts.map((a) => a.accountId);
    }

    describe("create and get", () => {
      it("when an account is created, get returns every field exactly, dates to the millisecond", async () => {
        expect(await accounts.create(full)).toStrictEqual(full);

        const got = await accounts.get(full.accountId);

        expect(got).toStrictEqual(full);
        expect(got?.createTime.getTime()).toBe(full.createTime.getTime());
        expect(got?.updateTime.getTime()).toBe(full.updateTime.getTime());
        expect(got?.lastDisconnect?.time.getTime()).toBe(full.lastDisconnect?.time.getTime());
      });

      it("when optional fields are absent, get returns a record without them", async () => {
        const minimal = account("acc-min");
        await accounts.create(minimal);

        const got = await accounts.get("acc-min");

        expect(got).toStrictEqual(minimal);
        expect(got).not.toHaveProperty("ownJid");
        expect(got).not.toHaveProperty("lastDisconnect");
        expect(got).not.toHaveProperty("mediaDownload");
        expect(got).not.toHaveProperty("callPolicy");
      });

      it("when ownJid has only a LID, get returns only the LID", async () => {
        await accounts.create(account("acc-lid", { ownJid: { lid: "42@lid" } }));

        expect((await accounts.get("acc-lid"))?.ownJid).toStrictEqual({ lid: "42@lid" });
      });

      it("when an id is taken, create throws AlreadyExistsError and keeps the first account", async () => {
        await accounts.create(account("acc-1", { displayName: "first" }));

        await expect(accounts.create(account("acc-1", { displayName: "second" }))).rejects.toBeInstanceOf(
          AlreadyExistsError,
        );
        expect((await accounts.get("acc-1"))?.displayName).toBe("first");
      });

      it("when an id is unknown, get returns undefined", async () => {
        await accounts.create(account("acc-1"));

        expect(await accounts.get("acc-2")).toBeUndefined();
      });
    });

    describe("list", () => {
      it("when the store is empty, list returns no accounts and no nextAfter", async () => {
        expect(await accounts.list({ pageSize: 10 })).toStrictEqual({ accounts: [] });
      });

      it("when accounts were created in any order, list returns them ordered by id", async () => {
        for (const id of ["c", "a", "e", "b", "d"]) await accounts.create(account(id));

        const page = await accounts.list({ pageSize: 10 });

        expect(page.accounts.map((a) => a.accountId)).toEqual(["a", "b", "c", "d", "e"]);
        expect(page.nextAfter).toBeUndefined();
        expect(page.accounts[0]).toStrictEqual(account("a"));
      });

      it("when following nextAfter, pages cover every account once and the last page has no nextAfter", async () => {
        for (const id of ["e", "d", "c", "b", "a"]) await accounts.create(account(id));

        const first = await accounts.list({ pageSize: 2 });
        const second = await accounts.list({ pageSize: 2, after: first.nextAfter });
        const third = await accounts.list({ pageSize: 2, after: second.nextAfter });

        expect([first, second, third].map((p) => p.accounts.map((a) => a.accountId))).toEqual([
          ["a", "b"],
          ["c", "d"],
          ["e"],
        ]);
        expect([first.nextAfter, second.nextAfter, third.nextAfter]).toEqual(["b", "d", undefined]);
      });

      it("when the last page is exactly full, its nextAfter is undefined", async () => {
        for (const id of ["a", "b", "c", "d"]) await accounts.create(account(id));

        const second = await accounts.list({ pageSize: 2, after: "b" });

        expect(second.accounts.map((a) => a.accountId)).toEqual(["c", "d"]);
        expect(second.nextAfter).toBeUndefined();
      });

      it("when after is not an existing id, list starts at the next greater id", async () => {
        for (const id of ["a1", "a3", "a5"]) await accounts.create(account(id));

        expect(await ids(accounts.list({ pageSize: 10, after: "a2" }))).toEqual(["a3", "a5"]);
        expect(await ids(accounts.list({ pageSize: 10, after: "a5" }))).toEqual([]);
      });

      it("when pageSize is not a positive integer, list throws RangeError", async () => {
        await expect(accounts.list({ pageSize: 0 })).rejects.toBeInstanceOf(RangeError);
        await expect(accounts.list({ pageSize: 1.5 })).rejects.toBeInstanceOf(RangeError);
      });
    });

    describe("update", () => {
      it("when given some keys, update changes only those and sets updateTime", async () => {
        await accounts.create(full);

        const updated = await accounts.update(full.accountId, { state: "logged_out" }, later);

        const expected = { ...full, state: "logged_out", updateTime: later };
        expect(updated).toStrictEqual(expected);
        expect(await accounts.get(full.accountId)).toStrictEqual(expected);
      });

      it("when a key is given as undefined, update clears that field", async () => {
        await accounts.create(full);

        const cleared = { ownJid: undefined, lastDisconnect: undefined, mediaDownload: undefined, callPolicy: undefined, historySync: undefined };
        const updated = await accounts.update(full.accountId, cleared, later);

        const { ownJid: _o, lastDisconnect: _l, mediaDownload: _m, callPolicy: _c, historySync: _h, ...rest } = full;
        expect(updated).toStrictEqual({ ...rest, updateTime: later });
        expect(await accounts.get(full.accountId)).toStrictEqual({ ...rest, updateTime: later });
      });

      it("when ownJid and lastDisconnect are given, update replaces them whole rather than merging", async () => {
        await accounts.create(full);
        const lastDisconnect = { kind: "logged_out" as const, code: 401, reason: "logged out", time: new Date("2025-07-01T00:00:00.500Z") };

        await accounts.update(full.accountId, { ownJid: { lid: "7@lid" }, lastDisconnect }, later);

        const got = await accounts.get(full.accountId);
        expect(got?.ownJid).toStrictEqual({ lid: "7@lid" });
        expect(got?.lastDisconnect).toStrictEqual(lastDisconnect);
      });

      it("when displayName or state is given as undefined, update leaves it unchanged", async () => {
        await accounts.create(full);

        await accounts.update(full.accountId, { displayName: undefined, state: undefined }, later);

        expect(await accounts.get(full.accountId)).toStrictEqual({ ...full, updateTime: later });
      });

      it("when the id is unknown, update returns undefined and creates nothing", async () => {
        expect(await accounts.update("nobody", { displayName: "ghost" }, later)).toBeUndefined();
        expect(await accounts.get("nobody")).toBeUndefined();
      });
    });

    describe("delete", () => {
      it("when the account exists, delete removes it and returns true; a second delete returns false", async () => {
        await accounts.create(account("a"));
        await accounts.create(account("b"));

        expect(await accounts.delete("a")).toBe(true);
        expect(await accounts.get("a")).toBeUndefined();
        expect(await ids(accounts.list({ pageSize: 10 }))).toEqual(["b"]);
        expect(await accounts.delete("a")).toBe(false);
      });
    });

    describe("durability", () => {
      it("when the store is closed and reopened, created, updated and deleted accounts are as left", async () => {
        await accounts.create(full);
        await accounts.create(account("b"));
        await accounts.create(account("c"));
        await accounts.update("b", { displayName: "renamed", ownJid: { pn: "1@s.whatsapp.net" } }, later);
        await accounts.delete("c");

        await reopen();

        expect(await accounts.get(full.accountId)).toStrictEqual(full);
        expect(await accounts.get("b")).toStrictEqual(
          account("b", { displayName: "renamed", ownJid: { pn: "1@s.whatsapp.net" }, updateTime: later }),
        );
        expect(await ids(accounts.list({ pageSize: 10 }))).toEqual([full.accountId, "b"]);
      });
    });
  });
}
