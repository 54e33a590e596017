from google.protobuf import timestamp_pb2 as _timestamp_pb2
from wildcat.v1 import account_pb2 as _account_pb2
from wildcat.v1 import call_pb2 as _call_pb2
from wildcat.v1 import chat_pb2 as _chat_pb2
from wildcat.v1 import contact_pb2 as _contact_pb2
from wildcat.v1 import group_pb2 as _group_pb2
from wildcat.v1 import jid_pb2 as _jid_pb2
from wildcat.v1 import media_pb2 as _media_pb2
from wildcat.v1 import message_pb2 as _message_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CONTACT_PRESENCE_AVAILABLE: ContactPresence
CONTACT_PRESENCE_COMPOSING: ContactPresence
CONTACT_PRESENCE_PAUSED: ContactPresence
CONTACT_PRESENCE_RECORDING: ContactPresence
CONTACT_PRESENCE_UNAVAILABLE: ContactPresence
CONTACT_PRESENCE_UNSPECIFIED: ContactPresence
DESCRIPTOR: _descriptor.FileDescriptor
EVENT_TYPE_ACCOUNT_STATE_CHANGED: EventType
EVENT_TYPE_CALL_ACCEPTED: EventType
EVENT_TYPE_CALL_ENDED: EventType
EVENT_TYPE_CALL_OFFERED: EventType
EVENT_TYPE_CALL_REJECTED: EventType
EVENT_TYPE_CHAT_DELETED: EventType
EVENT_TYPE_CHAT_UPDATED: EventType
EVENT_TYPE_CONTACT_UPDATED: EventType
EVENT_TYPE_GROUP_CREATED: EventType
EVENT_TYPE_GROUP_JOIN_REQUESTED: EventType
EVENT_TYPE_GROUP_PARTICIPANTS_CHANGED: EventType
EVENT_TYPE_GROUP_UPDATED: EventType
EVENT_TYPE_HISTORY_SYNCED: EventType
EVENT_TYPE_MEDIA_READY: EventType
EVENT_TYPE_MESSAGE_DELETED: EventType
EVENT_TYPE_MESSAGE_EDITED: EventType
EVENT_TYPE_MESSAGE_REACTION: EventType
EVENT_TYPE_MESSAGE_RECEIVED: EventType
EVENT_TYPE_MESSAGE_SENT: EventType
EVENT_TYPE_MESSAGE_STARRED: EventType
EVENT_TYPE_MESSAGE_STATUS_CHANGED: EventType
EVENT_TYPE_PRESENCE_UPDATED: EventType
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_WEBHOOK_DISABLED: EventType
EVENT_TYPE_WEBHOOK_TEST: EventType
GROUP_PARTICIPANTS_ACTION_ADDED: GroupParticipantsAction
GROUP_PARTICIPANTS_ACTION_DEMOTED: GroupParticipantsAction
GROUP_PARTICIPANTS_ACTION_PROMOTED: GroupParticipantsAction
GROUP_PARTICIPANTS_ACTION_REMOVED: GroupParticipantsAction
GROUP_PARTICIPANTS_ACTION_UNSPECIFIED: GroupParticipantsAction
HISTORY_SYNC_KIND_FULL: HistorySyncKind
HISTORY_SYNC_KIND_INITIAL_BOOTSTRAP: HistorySyncKind
HISTORY_SYNC_KIND_ON_DEMAND: HistorySyncKind
HISTORY_SYNC_KIND_PUSH_NAME: HistorySyncKind
HISTORY_SYNC_KIND_RECENT: HistorySyncKind
HISTORY_SYNC_KIND_UNSPECIFIED: HistorySyncKind

class ChatChange(_message.Message):
    __slots__ = ["changed_fields", "chat", "from_me", "from_whatsapp", "message_id", "starred"]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    FROM_ME_FIELD_NUMBER: _ClassVar[int]
    FROM_WHATSAPP_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    STARRED_FIELD_NUMBER: _ClassVar[int]
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    chat: _chat_pb2.Chat
    from_me: bool
    from_whatsapp: bool
    message_id: str
    starred: bool
    def __init__(self, chat: _Optional[_Union[_chat_pb2.Chat, _Mapping]] = ..., changed_fields: _Optional[_Iterable[str]] = ..., from_whatsapp: bool = ..., message_id: _Optional[str] = ..., from_me: bool = ..., starred: bool = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ["account", "account_id", "call", "chat_change", "contact_update", "create_time", "cursor", "event_id", "group_change", "history_synced", "media", "message", "presence_update", "reaction", "status_update", "type", "webhook"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_FIELD_NUMBER: _ClassVar[int]
    CHAT_CHANGE_FIELD_NUMBER: _ClassVar[int]
    CONTACT_UPDATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_CHANGE_FIELD_NUMBER: _ClassVar[int]
    HISTORY_SYNCED_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_UPDATE_FIELD_NUMBER: _ClassVar[int]
    REACTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_UPDATE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    account_id: str
    call: _call_pb2.Call
    chat_change: ChatChange
    contact_update: _contact_pb2.ContactUpdate
    create_time: _timestamp_pb2.Timestamp
    cursor: str
    event_id: str
    group_change: GroupChange
    history_synced: HistorySynced
    media: _media_pb2.Media
    message: _message_pb2.Message
    presence_update: PresenceUpdate
    reaction: MessageReaction
    status_update: MessageStatusUpdate
    type: EventType
    webhook: WebhookNotice
    def __init__(self, event_id: _Optional[str] = ..., cursor: _Optional[str] = ..., type: _Optional[_Union[EventType, str]] = ..., account_id: _Optional[str] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., status_update: _Optional[_Union[MessageStatusUpdate, _Mapping]] = ..., reaction: _Optional[_Union[MessageReaction, _Mapping]] = ..., account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ..., media: _Optional[_Union[_media_pb2.Media, _Mapping]] = ..., webhook: _Optional[_Union[WebhookNotice, _Mapping]] = ..., group_change: _Optional[_Union[GroupChange, _Mapping]] = ..., presence_update: _Optional[_Union[PresenceUpdate, _Mapping]] = ..., call: _Optional[_Union[_call_pb2.Call, _Mapping]] = ..., contact_update: _Optional[_Union[_contact_pb2.ContactUpdate, _Mapping]] = ..., chat_change: _Optional[_Union[ChatChange, _Mapping]] = ..., history_synced: _Optional[_Union[HistorySynced, _Mapping]] = ...) -> None: ...

class GroupChange(_message.Message):
    __slots__ = ["action", "author", "changed_fields", "group", "participants"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    action: GroupParticipantsAction
    author: _jid_pb2.Jid
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    group: _group_pb2.Group
    participants: _containers.RepeatedCompositeFieldContainer[_jid_pb2.Jid]
    def __init__(self, group: _Optional[_Union[_group_pb2.Group, _Mapping]] = ..., author: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., action: _Optional[_Union[GroupParticipantsAction, str]] = ..., participants: _Optional[_Iterable[_Union[_jid_pb2.Jid, _Mapping]]] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class HistorySynced(_message.Message):
    __slots__ = ["chats_stored", "kind", "messages_skipped", "messages_stored", "newest_message_time", "oldest_message_time", "request_id"]
    CHATS_STORED_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_SKIPPED_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_STORED_FIELD_NUMBER: _ClassVar[int]
    NEWEST_MESSAGE_TIME_FIELD_NUMBER: _ClassVar[int]
    OLDEST_MESSAGE_TIME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    chats_stored: int
    kind: HistorySyncKind
    messages_skipped: int
    messages_stored: int
    newest_message_time: _timestamp_pb2.Timestamp
    oldest_message_time: _timestamp_pb2.Timestamp
    request_id: str
    def __init__(self, kind: _Optional[_Union[HistorySyncKind, str]] = ..., chats_stored: _Optional[int] = ..., messages_stored: _Optional[int] = ..., messages_skipped: _Optional[int] = ..., oldest_message_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., newest_message_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class MessageReaction(_message.Message):
    __slots__ = ["chat", "from_me", "message_id", "reaction"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    FROM_ME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    REACTION_FIELD_NUMBER: _ClassVar[int]
    chat: _jid_pb2.Jid
    from_me: bool
    message_id: str
    reaction: _message_pb2.Reaction
    def __init__(self, chat: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., message_id: _Optional[str] = ..., from_me: bool = ..., reaction: _Optional[_Union[_message_pb2.Reaction, _Mapping]] = ...) -> None: ...

class MessageStatusUpdate(_message.Message):
    __slots__ = ["chat", "from_me", "message_id", "participant", "status", "time"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    FROM_ME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    chat: _jid_pb2.Jid
    from_me: bool
    message_id: str
    participant: _jid_pb2.Jid
    status: _message_pb2.MessageStatus
    time: _timestamp_pb2.Timestamp
    def __init__(self, chat: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., message_id: _Optional[str] = ..., from_me: bool = ..., status: _Optional[_Union[_message_pb2.MessageStatus, str]] = ..., participant: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PresenceUpdate(_message.Message):
    __slots__ = ["chat", "last_seen_time", "participant", "presence"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    chat: _jid_pb2.Jid
    last_seen_time: _timestamp_pb2.Timestamp
    participant: _jid_pb2.Jid
    presence: ContactPresence
    def __init__(self, chat: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., participant: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., presence: _Optional[_Union[ContactPresence, str]] = ..., last_seen_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WebhookNotice(_message.Message):
    __slots__ = ["description", "disabled_reason", "url", "webhook_id"]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DISABLED_REASON_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    description: str
    disabled_reason: str
    url: str
    webhook_id: str
    def __init__(self, webhook_id: _Optional[str] = ..., url: _Optional[str] = ..., description: _Optional[str] = ..., disabled_reason: _Optional[str] = ...) -> None: ...

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class HistorySyncKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ContactPresence(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class GroupParticipantsAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
