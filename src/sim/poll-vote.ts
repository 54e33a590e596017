import { randomBytes } from "node:crypto";
import { aesEncryptGCM, decryptPollVote, hkdf, proto, sha256 } from "@whiskeysockets/baileys";

/**
 * Who a vote is between, as user-level JIDs in ONE addressing (both phone numbers or both LIDs):
 * WhatsApp keys the vote on them, and a receiver tries both addressings, as WhatsApp Web does.
 */
export interface PollVoteAddressing {
  pollCreatorJid: string;
  voterJid: string;
}

/**
 * Encrypts a poll vote as WhatsApp does (Baileys can only decrypt one): the key is
 * HKDF-SHA256 of the poll's `messageSecret` with info = poll id ‖ creator ‖ voter ‖ "Poll Vote",
 * the payload a `PollVoteMessage` of the chosen options' SHA-256, sealed with AES-256-GCM under
 * AAD = "poll id \0 voter". Baileys' `decryptPollVote` is the exact inverse.
 */
export function encryptPollVote(
  optionNames: string[],
  poll: { messageId: string; messageSecret: Uint8Array },
  { pollCreatorJid, voterJid }: PollVoteAddressing,
): proto.Message.IPollEncValue {
  const key = hkdf(poll.messageSecret, 32, { info: `${poll.messageId}${pollCreatorJid}${voterJid}Poll Vote` });
  const plaintext = proto.Message.PollVoteMessage.encode({ selectedOptions: optionNames.map((name) => sha256(Buffer.from(name))) }).finish();
  const encIv = randomBytes(12);
  const encPayload = aesEncryptGCM(plaintext, key, encIv, Buffer.from(`${poll.messageId}\u0000${voterJid}`));
  return { encPayload, encIv };
}

/**
 * Opens a vote with the first addressing that works; resolves to the chosen option names
 * (unknown hashes are left out), or undefined when no addressing opens it.
 */
export function openPollVote(
  vote: proto.Message.IPollEncValue,
  poll: { messageId: string; messageSecret: Uint8Array; options: string[] },
  addressings: PollVoteAddressing[],
): string[] | undefined {
  for (const addressing of addressings) {
    let selected: Uint8Array[];
    try {
      selected = decryptPollVote(vote, { ...addressing, pollMsgId: poll.messageId, pollEncKey: poll.messageSecret }).selectedOptions;
    } catch {
      continue; // authentication failed: not this addressing
    }
    const byHash = new Map(poll.options.map((name) => [Buffer.from(sha256(Buffer.from(name))).toString("hex"), name]));
    return selected.flatMap((hash) => byHash.get(Buffer.from(hash).toString("hex")) ?? []);
  }
  return undefined;
}
