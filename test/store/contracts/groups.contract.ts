import { describe, expect, it } from "vitest";
import type { GroupRecord } from "../../../src/store/groups.js";
import { useAdapter, type AdapterFactory } from "../harness.js";

const t0 = Date.parse("2025-06-01T00:00:00Z");
const at = (s: number) => new Date(t0 + s * 1000);

function group(accountId: string, n: number, overrides: Partial<GroupRecord> = {}): GroupRecord {
  return {
    accountId,
    groupJid: `1203630000000${n}@g.us`,
    subject: `Group ${n}`,
    description: "Open 9 to 5",
    owner: "111@lid",
    createTime: at(n),
    announce: false,
    locked: true,
    memberAddMode: false,
    joinApproval: false,
    ephemeralSeconds: 86_400,
    isCommunity: false,
    participants: [
      { jid: "111@lid", pn: "15550000001@s.whatsapp.net", lid: "111@lid", role: "superadmin" },
      { jid: "222@lid", role: "member" },
    ],
    isMember: true,
    updateTime: at(100 + n),
    ...overrides,
  };
}

export function groupsContract(name: string, factory: AdapterFactory): void {
  describe(`${name} groups`, () => {
    const ctx = useAdapter(factory);

    it("when a group is put, get returns it exactly; putting it again replaces it", async () => {
      const g = group("acc", 1);
      await ctx.store.groups.put(g);
      expect(await ctx.store.groups.get("acc", g.groupJid)).toStrictEqual(g);
      expect(await ctx.store.groups.get("other", g.groupJid)).toBeUndefined();

      const { description: _, createTime: __, ...bare } = g;
      const changed: GroupRecord = { ...bare, subject: "Renamed", participants: [], isMember: false, updateTime: at(500) };
      await ctx.store.groups.put(changed);
      await ctx.store.groups.put(changed);
      expect(await ctx.store.groups.get("acc", g.groupJid)).toStrictEqual(changed);
    });

    it("when listed, an account's groups come by JID in pages, other accounts' never", async () => {
      for (const n of [3, 1, 2]) await ctx.store.groups.put(group("acc", n));
      await ctx.store.groups.put(group("other", 4));
      const first = await ctx.store.groups.list("acc", { pageSize: 2 });
      expect(first.groups.map((g) => g.subject)).toEqual(["Group 1", "Group 2"]);
      const second = await ctx.store.groups.list("acc", { pageSize: 2, after: first.nextAfter });
      expect(second).toStrictEqual({ groups: [group("acc", 3)] });
      expect(await ctx.store.groups.deleteAccount("acc")).toBe(3);
      expect((await ctx.store.groups.list("acc", { pageSize: 10 })).groups).toEqual([]);
      expect((await ctx.store.groups.list("other", { pageSize: 10 })).groups).toHaveLength(1);
    });
  });
}
