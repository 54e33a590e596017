import { beforeAll, describe, expect, it } from "vitest";
import type { BaileysClient } from "./baileys-client.js";
import { simulatorWithAccount } from "./sim-fixture.js";

const ALICE = "15550071001";
const BOB = "15550071002";
const DAN = "15550071003";

describe("group settings, description, invite links and join approval, Baileys on both ends", () => {
  const fixture = simulatorWithAccount(ALICE);
  let alice: BaileysClient;
  let bob: BaileysClient;
  let dan: BaileysClient;
  let group: string;
  const member = (phone: string) => fixture.sim.lidOf(phone);

  beforeAll(async () => {
    alice = fixture.account;
    [bob, dan] = await Promise.all([fixture.linkClient("bob", BOB), fixture.linkClient("dan", DAN)]);
    group = (await alice.sock.groupCreate("Shop", [`${BOB}@s.whatsapp.net`])).id;
  });

  it("when the admin sets a description and settings, then members are told and the metadata shows them", async () => {
    const described = bob.waitFor("groups.update", (u) => u.some((g) => g.id === group && g.desc === "Open 9 to 5"));
    await alice.sock.groupUpdateDescription(group, "Open 9 to 5");
    await described;
    const announced = bob.waitFor("groups.update", (u) => u.some((g) => g.id === group && g.announce === true));
    await alice.sock.groupSettingUpdate(group, "announcement");
    await announced;
    await alice.sock.groupSettingUpdate(group, "locked");
    await alice.sock.groupToggleEphemeral(group, 86_400);
    await alice.sock.groupMemberAddMode(group, "all_member_add");

    const m = await bob.sock.groupMetadata(group);
    expect(m).toMatchObject({ desc: "Open 9 to 5", descOwner: member(ALICE), announce: true, restrict: true, ephemeralDuration: 86_400, memberAddMode: true, joinApprovalMode: false });
    expect(m.descId).toBeTruthy();

    await alice.sock.groupUpdateDescription(group, "");
    expect((await bob.sock.groupMetadata(group)).desc).toBeUndefined();
  });

  it("when a member who is not an admin changes locked info or settings, then WhatsApp refuses with not-authorized", async () => {
    await expect(bob.sock.groupUpdateDescription(group, "mine now")).rejects.toThrow(/not-authorized/);
    await expect(bob.sock.groupSettingUpdate(group, "not_announcement")).rejects.toThrow(/not-authorized/);
    await expect(bob.sock.groupInviteCode(group)).rejects.toThrow(/not-authorized/);
    expect((await alice.sock.groupMetadata(group)).announce).toBe(true);
  });

  it("when dan joins with the invite code, then he is a member; after a revoke the old code fails", async () => {
    const code = (await alice.sock.groupInviteCode(group))!;
    expect(code).toBeTruthy();
    expect(await alice.sock.groupInviteCode(group)).toBe(code);
    expect(await dan.sock.groupGetInviteInfo(code)).toMatchObject({ id: group, subject: "Shop" });

    const added = alice.waitFor("group-participants.update", (u) => u.id === group && u.action === "add" && u.participants.some((p) => p.id === member(DAN)));
    expect(await dan.sock.groupAcceptInvite(code)).toBe(group);
    await added;
    expect((await alice.sock.groupMetadata(group)).participants.map((p) => p.id)).toContain(member(DAN));

    const fresh = await alice.sock.groupRevokeInvite(group);
    expect(fresh).not.toBe(code);
    const left = alice.waitFor("group-participants.update", (u) => u.id === group && u.action === "remove");
    await dan.sock.groupLeave(group);
    await left;
    await expect(dan.sock.groupAcceptInvite(code)).rejects.toThrow(/not-acceptable/);
    await expect(dan.sock.groupGetInviteInfo(code)).rejects.toThrow(/not-acceptable/);
  });

  it("when join approval is on, then dan's request reaches the admin, who approves it, and dan is a member", async () => {
    await alice.sock.groupJoinApprovalMode(group, "on");
    expect((await alice.sock.groupMetadata(group)).joinApprovalMode).toBe(true);
    const code = (await alice.sock.groupInviteCode(group))!;

    const requested = alice.waitFor("group.join-request", (r) => r.id === group && r.action === "created");
    expect(await dan.sock.groupAcceptInvite(code)).toBeUndefined();
    expect((await requested).participant).toBe(member(DAN));
    const pending = await alice.sock.groupRequestParticipantsList(group);
    expect(pending.map((r) => r.jid)).toEqual([member(DAN)]);
    await expect(bob.sock.groupRequestParticipantsList(group)).rejects.toThrow(/not-authorized/);

    const added = dan.waitFor("group-participants.update", (u) => u.id === group && u.action === "add");
    expect(await alice.sock.groupRequestParticipantsUpdate(group, [member(DAN)], "approve")).toEqual([{ jid: member(DAN), status: "200" }]);
    await added;
    expect((await alice.sock.groupMetadata(group)).participants.map((p) => p.id)).toContain(member(DAN));
    expect(await alice.sock.groupRequestParticipantsList(group)).toEqual([]);
    expect(await alice.sock.groupRequestParticipantsUpdate(group, [member(DAN)], "reject")).toEqual([{ jid: member(DAN), status: "404" }]);
  });

  it("when a member with all-member add mode adds someone, then it is allowed", async () => {
    const erin = "15550071004";
    await fixture.contacts.contact(erin);
    expect((await bob.sock.groupParticipantsUpdate(group, [`${erin}@s.whatsapp.net`], "add"))[0]?.status).toBe("200");
  });
});

describe("communities, Baileys on both ends", () => {
  const fixture = simulatorWithAccount("15550072001");
  let alice: BaileysClient;
  let bob: BaileysClient;

  beforeAll(async () => {
    alice = fixture.account;
    bob = await fixture.linkClient("bob", "15550072002");
  });

  it("when an admin creates a community, links two groups and unlinks one, then the linked groups are listed each time", async () => {
    const community = (await alice.sock.communityCreate("Neighbours", "Our street"))!;
    expect(community).toMatchObject({ subject: "Neighbours", isCommunity: true, desc: "Our street" });
    const first = (await alice.sock.groupCreate("Garden", ["15550072002@s.whatsapp.net"])).id;
    const second = (await alice.sock.communityCreateGroup("Parking", [], community.id))!;
    expect(second.linkedParent).toBe(community.id);
    await alice.sock.communityLinkGroup(first, community.id);

    const linked = await alice.sock.communityFetchLinkedGroups(community.id);
    expect(linked).toMatchObject({ communityJid: community.id, isCommunity: true });
    expect(linked.linkedGroups.map((g) => g.subject).sort()).toEqual(["Garden", "Parking"]);
    expect((await bob.sock.groupMetadata(first)).linkedParent).toBe(community.id);

    await expect(bob.sock.communityLinkGroup(first, community.id)).rejects.toThrow(/forbidden|not-authorized/);
    await alice.sock.communityUnlinkGroup(second.id, community.id);
    expect((await alice.sock.communityFetchLinkedGroups(first)).linkedGroups.map((g) => g.subject)).toEqual(["Garden"]);
  });
});
