import { randomBytes } from "node:crypto";
import { decryptPollVote, jidNormalizedUser, proto, sha256, type WAMessage } from "@whiskeysockets/baileys";
import { beforeAll, describe, expect, it } from "vitest";
import type { SimulatedContact } from "../../src/sim/contact.js";
import { simulatorWithAccount } from "./sim-fixture.js";

const { Status } = proto.WebMessageInfo;
const { Type: ProtocolType } = proto.Message.ProtocolMessage;
const ACCOUNT = "15550005001";
const ALICE = "15550005002";
const BOB = "15550005003";
const VCARD = (name: string, phone: string) => `BEGIN:VCARD\nVERSION:3.0\nFN:${name}\nTEL;type=CELL;waid=${phone}:+${phone}\nEND:VCARD`;

const fixture = simulatorWithAccount(ACCOUNT);
const ACCOUNT_JID = fixture.accountJid;
let alice: SimulatedContact;
let bob: SimulatedContact;

beforeAll(async () => {
  [alice, bob] = await Promise.all([fixture.contacts.contact(ALICE), fixture.contacts.contact(BOB)]);
});

/** What the account received with id `id`, once it arrived. */
const atAccount = (id: string) => fixture.account.waitForMessage((m) => m.key.id === id);

describe("the contact book", () => {
  it("when a contact sends text by number, then the account decrypts it as coming from the contact's number", async () => {
    const id = await fixture.contacts.sendText(ALICE, ACCOUNT_JID, "hello from a contact");
    const msg = await fixture.account.waitForText("hello from a contact");
    expect(msg.key.id).toBe(id);
    expect(msg.key.remoteJid).toBe(alice.jid);
  });

  it("when the account writes to a contact, then the book lists it, the contact reads it and reacts", async () => {
    const sent = await fixture.account.sock.sendMessage(alice.jid, { text: "how are you?" });
    const id = sent!.key.id!;
    const received = await alice.waitForMessage((m) => m.messageId === id);
    expect(received).toMatchObject({ fromJid: ACCOUNT_JID, text: "how are you?", kind: "text" });
    expect(await fixture.contacts.messages(ALICE)).toContainEqual(received);
    await fixture.account.waitForStatus(id, Status.DELIVERY_ACK);
    await alice.read(id);
    await fixture.account.waitForStatus(id, Status.READ);
    const reactId = await alice.react(id, "👍");
    const reaction = (await atAccount(reactId)).message?.reactionMessage;
    expect(reaction).toMatchObject({ text: "👍", key: { id } });
  });
});

describe("a contact sends every message type to a Baileys client", () => {
  it("when alice sends text with mentions, a link and a reply, then the account decrypts each intact", async () => {
    const mentionId = await alice.sendText(ACCOUNT_JID, `hi @${BOB}`, { mentions: [bob.jid] });
    const mention = await atAccount(mentionId);
    expect(mention.message?.extendedTextMessage?.text).toBe(`hi @${BOB}`);
    expect(mention.message?.extendedTextMessage?.contextInfo?.mentionedJid).toEqual([bob.jid]);

    const linkId = await alice.sendText(ACCOUNT_JID, "see https://example.org/page now", {
      linkPreview: { title: "Example", description: "A page" },
    });
    const link = (await atAccount(linkId)).message?.extendedTextMessage;
    expect(link).toMatchObject({ text: "see https://example.org/page now", matchedText: "https://example.org/page", title: "Example", description: "A page" });

    const fromAccount = await fixture.account.sock.sendMessage(alice.jid, { text: "question?" });
    await alice.waitForMessage((m) => m.messageId === fromAccount!.key.id);
    const replyId = await alice.sendText(ACCOUNT_JID, "answer", { replyTo: fromAccount!.key.id! });
    const reply = (await atAccount(replyId)).message?.extendedTextMessage;
    expect(reply?.text).toBe("answer");
    expect(reply?.contextInfo?.stanzaId).toBe(fromAccount!.key.id);
    expect(reply?.contextInfo?.quotedMessage?.extendedTextMessage?.text ?? reply?.contextInfo?.quotedMessage?.conversation).toBe("question?");
  });

  it("when alice sends each media kind, then the account downloads exactly the bytes, with their kind and metadata", async () => {
    const files = {
      image: randomBytes(40_000),
      video: randomBytes(120_000),
      audio: randomBytes(30_000),
      voice: randomBytes(20_000),
      sticker: randomBytes(15_000),
      document: randomBytes(10 * 1024 * 1024),
    };
    const ids = {
      image: await alice.sendMedia(ACCOUNT_JID, "image", files.image, { caption: "a picture", mimetype: "image/png" }),
      video: await alice.sendMedia(ACCOUNT_JID, "video", files.video, { caption: "a clip", seconds: 3 }),
      audio: await alice.sendMedia(ACCOUNT_JID, "audio", files.audio, { seconds: 4 }),
      voice: await alice.sendMedia(ACCOUNT_JID, "voice_note", files.voice, { seconds: 2 }),
      sticker: await alice.sendMedia(ACCOUNT_JID, "sticker", files.sticker),
      document: await alice.sendMedia(ACCOUNT_JID, "document", files.document, {
        fileName: "report.pdf",
        mimetype: "application/pdf",
        caption: "the report",
      }),
    };
    const got = Object.fromEntries(
      await Promise.all(Object.entries(ids).map(async ([kind, id]) => [kind, await atAccount(id)] as const)),
    ) as Record<keyof typeof files, WAMessage>;
    for (const kind of Object.keys(files) as (keyof typeof files)[]) {
      expect(Buffer.compare(await fixture.account.download(got[kind]), files[kind]), kind).toBe(0);
    }
    expect(got.image.message?.imageMessage).toMatchObject({ caption: "a picture", mimetype: "image/png" });
    expect(got.video.message?.videoMessage).toMatchObject({ caption: "a clip", mimetype: "video/mp4", seconds: 3 });
    expect(got.audio.message?.audioMessage).toMatchObject({ mimetype: "audio/mpeg", seconds: 4 });
    expect(got.audio.message?.audioMessage?.ptt).toBeFalsy();
    expect(got.voice.message?.audioMessage).toMatchObject({ mimetype: "audio/ogg; codecs=opus", ptt: true, seconds: 2 });
    expect(got.sticker.message?.stickerMessage?.mimetype).toBe("image/webp");
    expect(got.document.message?.documentMessage).toMatchObject({ fileName: "report.pdf", mimetype: "application/pdf", caption: "the report" });
    expect(Number(got.document.message?.documentMessage?.fileLength)).toBe(10 * 1024 * 1024);
  });

  it("when alice sends a location and contact cards, then the account decrypts them", async () => {
    const locationId = await alice.sendLocation(ACCOUNT_JID, { latitude: 52.52, longitude: 13.405, name: "Berlin", address: "Mitte" });
    expect((await atAccount(locationId)).message?.locationMessage).toMatchObject({
      degreesLatitude: 52.52,
      degreesLongitude: 13.405,
      name: "Berlin",
      address: "Mitte",
    });

    const oneId = await alice.sendContacts(ACCOUNT_JID, [{ displayName: "Carol", vcard: VCARD("Carol", "15550009001") }]);
    expect((await atAccount(oneId)).message?.contactMessage).toMatchObject({ displayName: "Carol", vcard: VCARD("Carol", "15550009001") });
    const cards = [
      { displayName: "Dave", vcard: VCARD("Dave", "15550009002") },
      { displayName: "Erin", vcard: VCARD("Erin", "15550009003") },
    ];
    const severalId = await alice.sendContacts(ACCOUNT_JID, cards);
    const several = (await atAccount(severalId)).message?.contactsArrayMessage;
    expect(several?.displayName).toBe("2 contacts");
    expect(several?.contacts?.map((c) => ({ displayName: c.displayName, vcard: c.vcard }))).toEqual(cards);
  });

  it("when alice edits and revokes her messages, then the account gets the edit and the revoke for them", async () => {
    const id = await alice.sendText(ACCOUNT_JID, "typo heer");
    await atAccount(id);
    const editId = await alice.edit(id, "typo here");
    const edit = (await atAccount(editId)).message?.protocolMessage;
    expect(edit).toMatchObject({ type: ProtocolType.MESSAGE_EDIT, key: { id } });
    expect(edit?.editedMessage?.extendedTextMessage?.text ?? edit?.editedMessage?.conversation).toBe("typo here");

    const revokeId = await alice.revoke(id);
    expect((await atAccount(revokeId)).message?.protocolMessage).toMatchObject({ type: ProtocolType.REVOKE, key: { id } });
  });

  it("when alice votes in the account's poll, then Baileys' own decryptPollVote opens her choice", async () => {
    const poll = await fixture.account.sock.sendMessage(alice.jid, { poll: { name: "Lunch?", values: ["pizza", "sushi", "salad"], selectableCount: 0 } });
    const received = await alice.waitForMessage((m) => m.messageId === poll!.key.id);
    expect(received).toMatchObject({ kind: "poll", text: "Lunch?", poll: { name: "Lunch?", options: ["pizza", "sushi", "salad"], selectableCount: 0 } });

    const voteId = await alice.vote(received.messageId, ["sushi", "salad"]);
    const update = (await atAccount(voteId)).message?.pollUpdateMessage;
    expect(update?.pollCreationMessageKey?.id).toBe(poll!.key.id);
    const vote = decryptPollVote(update!.vote!, {
      pollCreatorJid: ACCOUNT_JID,
      pollMsgId: poll!.key.id!,
      pollEncKey: poll!.message!.messageContextInfo!.messageSecret!,
      voterJid: alice.jid,
    });
    expect(vote.selectedOptions.map((h) => Buffer.from(h).toString("hex"))).toEqual(
      ["sushi", "salad"].map((o) => sha256(Buffer.from(o)).toString("hex")),
    );
    await expect(alice.vote(received.messageId, ["burgers"])).rejects.toThrow(/no option "burgers"/);
  });
});

describe("a contact receives every message type from a Baileys client", () => {
  it("when the account sends text, a link, a mention and a reply, then alice describes each", async () => {
    const text = await fixture.account.sock.sendMessage(alice.jid, { text: `hello @${BOB}`, mentions: [bob.jid] });
    expect(await alice.waitForMessage((m) => m.messageId === text!.key.id)).toMatchObject({
      fromJid: ACCOUNT_JID,
      kind: "text",
      type: "extendedTextMessage",
      text: `hello @${BOB}`,
      mentions: [bob.jid],
    });
    const fromAlice = await alice.sendText(ACCOUNT_JID, "quote me");
    const quoted = await atAccount(fromAlice);
    const reply = await fixture.account.sock.sendMessage(alice.jid, { text: "quoted you" }, { quoted });
    const described = await alice.waitForMessage((m) => m.messageId === reply!.key.id);
    expect(described).toMatchObject({ kind: "text", text: "quoted you", replyToMessageId: fromAlice });
    expect(alice.raw(described.messageId).message?.extendedTextMessage?.contextInfo?.quotedMessage).toBeTruthy();
  });

  it("when the account sends each media kind, then alice downloads exactly the bytes and marks the voice note played", async () => {
    const files = {
      image: randomBytes(30_000),
      video: randomBytes(90_000),
      audio: randomBytes(25_000),
      voice_note: randomBytes(18_000),
      sticker: randomBytes(12_000),
      document: randomBytes(200_000),
    };
    const sent = {
      image: await fixture.account.sock.sendMessage(alice.jid, { image: files.image, caption: "pic", jpegThumbnail: "" }),
      video: await fixture.account.sock.sendMessage(alice.jid, { video: files.video, caption: "clip", jpegThumbnail: "" }),
      audio: await fixture.account.sock.sendMessage(alice.jid, { audio: files.audio, mimetype: "audio/mpeg", seconds: 5 }),
      voice_note: await fixture.account.sock.sendMessage(alice.jid, { audio: files.voice_note, mimetype: "audio/ogg; codecs=opus", ptt: true, seconds: 2 }),
      sticker: await fixture.account.sock.sendMessage(alice.jid, { sticker: files.sticker }),
      document: await fixture.account.sock.sendMessage(alice.jid, { document: files.document, mimetype: "text/csv", fileName: "data.csv", caption: "numbers" }),
    };
    for (const kind of Object.keys(files) as (keyof typeof files)[]) {
      const id = sent[kind]!.key.id!;
      const m = await alice.waitForMessage((x) => x.messageId === id);
      expect(m.kind, id).toBe(kind);
      expect(Buffer.compare(await alice.download(id), files[kind]), kind).toBe(0);
    }
    const described = alice.messages();
    const of = (kind: keyof typeof files) => described.find((m) => m.messageId === sent[kind]!.key.id);
    expect(of("image")).toMatchObject({ text: "pic", media: { mimetype: "image/jpeg" } });
    expect(of("video")).toMatchObject({ text: "clip", media: { mimetype: "video/mp4" } });
    expect(of("voice_note")).toMatchObject({ media: { mimetype: "audio/ogg; codecs=opus", seconds: 2 } });
    expect(of("document")).toMatchObject({ text: "numbers", media: { mimetype: "text/csv", fileName: "data.csv", fileLength: 200_000 } });

    const voiceId = sent.voice_note!.key.id!;
    await alice.played(voiceId);
    await fixture.account.waitForStatus(voiceId, Status.PLAYED);
  });

  it("when the account sends a location and contact cards, then alice describes them", async () => {
    const location = await fixture.account.sock.sendMessage(alice.jid, { location: { degreesLatitude: -33.86, degreesLongitude: 151.21, name: "Sydney" } });
    expect(await alice.waitForMessage((m) => m.messageId === location!.key.id)).toMatchObject({
      kind: "location",
      text: "Sydney",
      location: { latitude: -33.86, longitude: 151.21, name: "Sydney" },
    });
    const cards = [
      { displayName: "Frank", vcard: VCARD("Frank", "15550009004") },
      { displayName: "Grace", vcard: VCARD("Grace", "15550009005") },
    ];
    const many = await fixture.account.sock.sendMessage(alice.jid, { contacts: { displayName: "Two", contacts: cards } });
    expect(await alice.waitForMessage((m) => m.messageId === many!.key.id)).toMatchObject({ kind: "contacts", type: "contactsArrayMessage", contacts: cards });
    const one = await fixture.account.sock.sendMessage(alice.jid, { contacts: { contacts: [cards[0]!] } });
    expect(await alice.waitForMessage((m) => m.messageId === one!.key.id)).toMatchObject({ kind: "contacts", type: "contactMessage", text: "Frank", contacts: [cards[0]] });
  });

  it("when the account reacts, edits and revokes, then alice sees each about the right message", async () => {
    const fromAlice = await alice.sendText(ACCOUNT_JID, "react to this");
    const original = await atAccount(fromAlice);
    const react = await fixture.account.sock.sendMessage(alice.jid, { react: { text: "🎉", key: original.key } });
    expect(await alice.waitForMessage((m) => m.messageId === react!.key.id)).toMatchObject({ kind: "reaction", text: "🎉", targetMessageId: fromAlice });

    const text = await fixture.account.sock.sendMessage(alice.jid, { text: "frist" });
    await alice.waitForMessage((m) => m.messageId === text!.key.id);
    await alice.read(text!.key.id!);
    await fixture.account.waitForStatus(text!.key.id!, Status.READ);
    const edit = await fixture.account.sock.sendMessage(alice.jid, { text: "first", edit: text!.key });
    expect(await alice.waitForMessage((m) => m.messageId === edit!.key.id)).toMatchObject({ kind: "edit", text: "first", targetMessageId: text!.key.id });
    const revoke = await fixture.account.sock.sendMessage(alice.jid, { delete: text!.key });
    expect(await alice.waitForMessage((m) => m.messageId === revoke!.key.id)).toMatchObject({ kind: "revoke", targetMessageId: text!.key.id });
  });

  it("when the account reads alice's message and types to her, then alice sees READ and the typing", async () => {
    const id = await alice.sendText(ACCOUNT_JID, "read me");
    const m = await atAccount(id);
    await fixture.account.sock.readMessages([m.key]);
    expect(await alice.waitForStatus(id, Status.READ)).toBeGreaterThanOrEqual(Status.READ);
    await fixture.account.sock.sendPresenceUpdate("composing", alice.jid);
    await alice.waitForPresence((p) => p.fromJid === ACCOUNT_JID && p.presence === "composing");
  });
});

describe("contact to contact", () => {
  it("when bob votes in alice's poll and reacts, then alice opens the vote and sees the reaction", async () => {
    const pollId = await alice.sendPoll(bob.jid, { name: "Where?", options: ["here", "there"], selectableCount: 1 });
    const poll = await bob.waitForMessage((m) => m.messageId === pollId);
    expect(poll).toMatchObject({ fromJid: alice.jid, kind: "poll", type: "pollCreationMessageV3", poll: { selectableCount: 1 } });
    await expect(bob.vote(pollId, ["here", "there"])).rejects.toThrow(/at most 1/);
    const voteId = await bob.vote(pollId, ["there"]);
    expect(await alice.waitForMessage((m) => m.messageId === voteId)).toMatchObject({ kind: "poll_vote", targetMessageId: pollId, votes: ["there"] });
    const reactId = await bob.react(pollId, "👀");
    expect(await alice.waitForMessage((m) => m.messageId === reactId)).toMatchObject({ kind: "reaction", text: "👀", targetMessageId: pollId });
    expect(jidNormalizedUser(alice.raw(voteId).key.remoteJid!)).toBe(bob.jid);
  });
});
