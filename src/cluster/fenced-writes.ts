import type { EventLog } from "../store/events.js";
import type { MessageStore } from "../store/messages.js";
import { override } from "../store/override.js";

/** Throws {@link StaleLeaseError} unless this process holds the account's current lease. */
export type LeaseCheck = (accountId: string) => Promise<void>;

/**
 * The event log as an account's socket pipeline sees it in cluster mode: every append for an
 * account first proves this process still owns it (see `Ownership.check`), so a process that
 * lost the account (paused, partitioned) cannot add events after the new owner's. Events of no
 * account (webhook_disabled) are not the socket's and pass. Reads are untouched.
 */
export function fencedEvents(inner: EventLog, check: LeaseCheck): EventLog {
  return override(inner, {
    append: async (event) => {
      if (event.accountId) await check(event.accountId);
      return inner.append(event);
    },
  });
}

/** The message store as an account's socket pipeline sees it in cluster mode: writes fenced like {@link fencedEvents}. */
export function fencedMessages(inner: MessageStore, check: LeaseCheck): MessageStore {
  return override(inner, {
    upsert: async (message) => {
      await check(message.key.accountId);
      return inner.upsert(message);
    },
    addStatus: async (key, change) => {
      await check(key.accountId);
      return inner.addStatus(key, change);
    },
    markEdited: async (key, edit) => {
      await check(key.accountId);
      return inner.markEdited(key, edit);
    },
    markDeleted: async (key, time) => {
      await check(key.accountId);
      return inner.markDeleted(key, time);
    },
    setReaction: async (key, reaction) => {
      await check(key.accountId);
      return inner.setReaction(key, reaction);
    },
    setStarred: async (key, starred) => {
      await check(key.accountId);
      return inner.setStarred(key, starred);
    },
    setMedia: async (key, media) => {
      await check(key.accountId);
      return inner.setMedia(key, media);
    },
    claimRequest: async (claim) => {
      await check(claim.accountId);
      return inner.claimRequest(claim);
    },
  });
}
