import { EventType } from "../../gen/wildcat/v1/event_pb.js";
import type { EventType as StoredEventType } from "../store/events.js";

/** The contract's name of each stored event type. */
export const WIRE_EVENT_TYPES: Record<StoredEventType, EventType> = {
  message_received: EventType.MESSAGE_RECEIVED,
  message_sent: EventType.MESSAGE_SENT,
  message_status_changed: EventType.MESSAGE_STATUS_CHANGED,
  message_edited: EventType.MESSAGE_EDITED,
  message_deleted: EventType.MESSAGE_DELETED,
  message_reaction: EventType.MESSAGE_REACTION,
  account_state_changed: EventType.ACCOUNT_STATE_CHANGED,
  media_ready: EventType.MEDIA_READY,
  webhook_disabled: EventType.WEBHOOK_DISABLED,
  webhook_test: EventType.WEBHOOK_TEST,
  group_created: EventType.GROUP_CREATED,
  group_participants_changed: EventType.GROUP_PARTICIPANTS_CHANGED,
  group_updated: EventType.GROUP_UPDATED,
  group_join_requested: EventType.GROUP_JOIN_REQUESTED,
  presence_updated: EventType.PRESENCE_UPDATED,
  call_offered: EventType.CALL_OFFERED,
  call_accepted: EventType.CALL_ACCEPTED,
  call_rejected: EventType.CALL_REJECTED,
  call_ended: EventType.CALL_ENDED,
  contact_updated: EventType.CONTACT_UPDATED,
  chat_updated: EventType.CHAT_UPDATED,
  chat_deleted: EventType.CHAT_DELETED,
  message_starred: EventType.MESSAGE_STARRED,
  history_synced: EventType.HISTORY_SYNCED,
};

/** The stored name of each event type of the contract (none for UNSPECIFIED). */
export const STORED_EVENT_TYPES = Object.fromEntries(
  Object.entries(WIRE_EVENT_TYPES).map(([stored, wire]) => [wire, stored]),
) as Partial<Record<EventType, StoredEventType>>;
