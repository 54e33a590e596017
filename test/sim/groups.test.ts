import { decryptPollVote, jidNormalizedUser, sha256, type WAMessage } from "@whiskeysockets/baileys";
import { beforeAll, describe, expect, it } from "vitest";
import type { SimulatedContact } from "../../src/sim/contact.js";
import type { GroupAddressing } from "../../src/sim/sim-state.js";
import type { BaileysClient } from "./baileys-client.js";
import { simulatorWithAccount } from "./sim-fixture.js";

describe.each<[GroupAddressing, string]>([
  ["lid", "1555008"],
  ["pn", "1555009"],
])("groups addressed by %s", (addressing, prefix) => {
  const ALICE = `${prefix}1001`;
  const BOB = `${prefix}1002`;
  const CAROL = `${prefix}1003`;
  const fixture = simulatorWithAccount(ALICE, { groupAddressing: addressing });
  let alice: BaileysClient;
  let bob: BaileysClient;
  let carol: SimulatedContact;
  let group: string;
  /** How the group names a member (user level). */
  const member = (phone: string) => (addressing === "lid" ? fixture.sim.lidOf(phone) : `${phone}@s.whatsapp.net`);
  const sender = (m: WAMessage) => jidNormalizedUser(m.key.participant!);

  beforeAll(async () => {
    alice = fixture.account;
    [bob, carol] = await Promise.all([fixture.linkClient("bob", BOB), fixture.contacts.contact(CAROL)]);
  });

  it("when a contact creates a group with two Baileys clients, then both are told and read the same metadata", async () => {
    const announced = Promise.all([alice, bob].map((c) => c.waitFor("groups.upsert", (groups) => groups.some((g) => g.subject === "Team"))));
    group = await carol.createGroup("Team", [`${ALICE}@s.whatsapp.net`, `${BOB}@s.whatsapp.net`]);
    expect(group).toMatch(/^\d+@g\.us$/);
    const [[atAlice]] = await announced;
    expect(atAlice).toMatchObject({ id: group, subject: "Team", addressingMode: addressing, owner: member(CAROL) });

    const metadata = await alice.sock.groupMetadata(group);
    expect(metadata).toMatchObject({ id: group, subject: "Team", addressingMode: addressing, size: 3 });
    expect(metadata.participants.map((p) => [p.id, p.admin]).sort()).toEqual(
      [
        [member(ALICE), null],
        [member(BOB), null],
        [member(CAROL), "superadmin"],
      ].sort(),
    );
    expect((await alice.sock.groupFetchAllParticipating())[group]?.subject).toBe("Team");
  });

  it("when each member writes to the group, then the two others decrypt it with the sender named", async () => {
    const first = await alice.sock.sendMessage(group, { text: "hi all, alice here" });
    const atBob = await bob.waitForText("hi all, alice here");
    expect(atBob.key.remoteJid).toBe(group);
    expect(sender(atBob)).toBe(member(ALICE));
    expect(await carol.waitForMessage((m) => m.messageId === first!.key.id)).toMatchObject({ chatJid: group, fromJid: member(ALICE), text: "hi all, alice here" });

    await bob.sock.sendMessage(group, { text: "bob too" });
    expect(sender(await alice.waitForText("bob too"))).toBe(member(BOB));
    await carol.waitForMessage((m) => m.text === "bob too" && m.fromJid === member(BOB));

    const fromCarol = await carol.sendText(group, "and carol");
    expect(sender(await alice.waitForText("and carol"))).toBe(member(CAROL));
    expect((await bob.waitForText("and carol")).key.id).toBe(fromCarol);

    // the sender key is known now: this one travels as skmsg only
    await alice.sock.sendMessage(group, { text: "second from alice" });
    await bob.waitForText("second from alice");
    await carol.waitForMessage((m) => m.text === "second from alice");
  });

  it("when bob reads alice's group message, then alice gets a read receipt naming bob", async () => {
    const sent = await alice.sock.sendMessage(group, { text: "read this" });
    const atBob = await bob.waitForText("read this");
    await alice.waitForReceipt(sent!.key.id!, member(BOB), "receiptTimestamp");
    await bob.sock.readMessages([atBob.key]);
    await alice.waitForReceipt(sent!.key.id!, member(BOB), "readTimestamp");
  });

  it("when carol votes in alice's group poll, then alice opens the vote with Baileys' decryptPollVote in the group's addressing", async () => {
    const poll = await alice.sock.sendMessage(group, { poll: { name: "When?", values: ["today", "tomorrow"], selectableCount: 1 } });
    await carol.waitForMessage((m) => m.messageId === poll!.key.id);
    const voteId = await carol.vote(poll!.key.id!, ["tomorrow"]);
    const update = (await alice.waitForMessage((m) => m.key.id === voteId)).message?.pollUpdateMessage;
    expect(update?.pollCreationMessageKey?.id).toBe(poll!.key.id);
    const vote = decryptPollVote(update!.vote!, {
      pollCreatorJid: member(ALICE),
      pollMsgId: poll!.key.id!,
      pollEncKey: poll!.message!.messageContextInfo!.messageSecret!,
      voterJid: member(CAROL),
    });
    expect(vote.selectedOptions.map((h) => Buffer.from(h).toString("hex"))).toEqual([sha256(Buffer.from("tomorrow")).toString("hex")]);
  });

  it("when alice types in the group, then the other members see her composing there", async () => {
    const atBob = bob.waitFor("presence.update", (u) => u.id === group && u.presences[member(ALICE)]?.lastKnownPresence === "composing");
    await alice.sock.sendPresenceUpdate("composing", group);
    await atBob;
    await carol.waitForPresence((p) => p.chatJid === group && p.fromJid === member(ALICE) && p.presence === "composing");
  });

  it("when bob is offline, then alice's group message waits for him", async () => {
    const closed = bob.waitForClose();
    bob.end();
    await closed;
    await alice.sock.sendMessage(group, { text: "while bob was away" });
    await carol.waitForMessage((m) => m.text === "while bob was away");
    bob.connect();
    await bob.waitForOpen();
    await bob.waitForText("while bob was away");
  });

  it("when bob lost alice's sender key, then his retry receipt makes alice resend it to his device alone", async () => {
    const [user] = member(ALICE).split("@");
    await bob.keys.set({ "sender-key": { [`${group}::${addressing === "lid" ? `${user}_1` : user}::1`]: null } });
    // the one failure this test provokes, and Baileys' own lines about it
    bob.expectedProblems.push((line) =>
      ["failed to decrypt message", "transaction failed, rolling back", "[handleMessage] Attempting retry request for failed decryption"].includes(
        `${line.msg}`,
      ),
    );
    const sent = await alice.sock.sendMessage(group, { text: "after losing the key" });
    expect((await bob.waitForText("after losing the key")).key.id).toBe(sent!.key.id);
    expect(bob.logs.some((l) => l.msg === "failed to decrypt message" && JSON.stringify(l).includes(sent!.key.id!))).toBe(true);
    await carol.waitForMessage((m) => m.messageId === sent!.key.id);
  });

  it("when the admin renames the group, removes bob and adds him back, then members are told and bob's sends follow his membership", async () => {
    const renamed = alice.waitFor("groups.update", (updates) => updates.some((u) => u.id === group && u.subject === "Team 2"));
    await carol.updateGroupSubject(group, "Team 2");
    await renamed;

    const removed = Promise.all(
      [alice, bob].map((c) =>
        c.waitFor("group-participants.update", (u) => u.id === group && u.action === "remove" && u.participants.some((p) => p.id === member(BOB))),
      ),
    );
    expect(await carol.changeGroupMembers(group, "remove", [`${BOB}@s.whatsapp.net`])).toEqual([{ jid: `${BOB}@s.whatsapp.net`, status: "200" }]);
    await removed;
    expect((await alice.sock.groupMetadata(group)).participants.map((p) => p.id)).not.toContain(member(BOB));
    // Baileys asks for the members before it encrypts, and is refused
    bob.expectedProblems.push((line) => line.msg === "transaction failed, rolling back" && (line.error as { data?: number })?.data === 403);
    await expect(bob.sock.sendMessage(group, { text: "am I still here?" })).rejects.toThrow(/forbidden/);

    const added = bob.waitFor("group-participants.update", (u) => u.id === group && u.action === "add");
    await carol.changeGroupMembers(group, "add", [`${BOB}@s.whatsapp.net`]);
    await added;
    await alice.sock.sendMessage(group, { text: "welcome back" });
    await bob.waitForText("welcome back");
  });

  it("when a member tries to add someone, then only after the admin promotes her may she; and a member who leaves is gone", async () => {
    const stranger = `${prefix}1004`;
    await fixture.contacts.contact(stranger);
    const add = () => alice.sock.groupParticipantsUpdate(group, [`${stranger}@s.whatsapp.net`], "add");
    await expect(add()).rejects.toThrow(/forbidden/);
    const promoted = bob.waitFor("group-participants.update", (u) => u.id === group && u.action === "promote");
    await carol.changeGroupMembers(group, "promote", [`${ALICE}@s.whatsapp.net`]);
    await promoted;
    expect((await add())[0]?.status).toBe("200");

    const left = alice.waitFor("group-participants.update", (u) => u.id === group && u.action === "remove" && u.participants.some((p) => p.id === member(BOB)));
    await bob.sock.groupLeave(group);
    await left;
    const metadata = await carol.groupMetadata(group);
    expect(metadata.participants.map((p) => [p.id, p.admin]).sort()).toEqual(
      [
        [member(ALICE), "admin"],
        [member(CAROL), "superadmin"],
        [member(stranger), null],
      ].sort(),
    );
  });
});
