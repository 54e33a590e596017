from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from wildcat.v1 import event_pb2 as _event_pb2
from wildcat.v1 import message_pb2 as _message_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
DIRECTION_FILTER_INBOUND: DirectionFilter
DIRECTION_FILTER_OUTBOUND: DirectionFilter
DIRECTION_FILTER_UNSPECIFIED: DirectionFilter
PRESENCE_AVAILABLE: Presence
PRESENCE_COMPOSING: Presence
PRESENCE_PAUSED: Presence
PRESENCE_RECORDING: Presence
PRESENCE_UNAVAILABLE: Presence
PRESENCE_UNSPECIFIED: Presence
STREAM_START_NOW: StreamStart
STREAM_START_OLDEST: StreamStart
STREAM_START_UNSPECIFIED: StreamStart

class DeleteMessageRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid", "message_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    message_id: str
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ..., message_id: _Optional[str] = ...) -> None: ...

class DeleteMessageResponse(_message.Message):
    __slots__ = ["message"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class EditMessageRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid", "message_id", "text"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    message_id: str
    text: str
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ..., message_id: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class EditMessageResponse(_message.Message):
    __slots__ = ["message"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class GetMessageRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid", "from_me", "message_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    FROM_ME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    from_me: bool
    message_id: str
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ..., message_id: _Optional[str] = ..., from_me: bool = ...) -> None: ...

class GetMessageResponse(_message.Message):
    __slots__ = ["message"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class ListMessagesRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid", "direction", "end_time", "page_size", "page_token", "start_time", "types"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    direction: DirectionFilter
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    start_time: _timestamp_pb2.Timestamp
    types: _containers.RepeatedScalarFieldContainer[_message_pb2.MessageType]
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., types: _Optional[_Iterable[_Union[_message_pb2.MessageType, str]]] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., direction: _Optional[_Union[DirectionFilter, str]] = ...) -> None: ...

class ListMessagesResponse(_message.Message):
    __slots__ = ["messages", "next_page_token"]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    next_page_token: str
    def __init__(self, messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid", "message_ids"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_IDS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    message_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ..., message_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SendMessageRequest(_message.Message):
    __slots__ = ["account_id", "audio", "contacts", "document", "image", "location", "mentions", "poll", "reaction", "reply_to_message_id", "request_id", "sticker", "text", "to", "video"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_FIELD_NUMBER: _ClassVar[int]
    POLL_FIELD_NUMBER: _ClassVar[int]
    REACTION_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STICKER_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    audio: _message_pb2.AudioContent
    contacts: _message_pb2.ContactsContent
    document: _message_pb2.DocumentContent
    image: _message_pb2.ImageContent
    location: _message_pb2.LocationContent
    mentions: _containers.RepeatedScalarFieldContainer[str]
    poll: _message_pb2.PollContent
    reaction: _message_pb2.ReactionContent
    reply_to_message_id: str
    request_id: str
    sticker: _message_pb2.StickerContent
    text: _message_pb2.TextContent
    to: str
    video: _message_pb2.VideoContent
    def __init__(self, account_id: _Optional[str] = ..., to: _Optional[str] = ..., request_id: _Optional[str] = ..., reply_to_message_id: _Optional[str] = ..., mentions: _Optional[_Iterable[str]] = ..., text: _Optional[_Union[_message_pb2.TextContent, _Mapping]] = ..., image: _Optional[_Union[_message_pb2.ImageContent, _Mapping]] = ..., video: _Optional[_Union[_message_pb2.VideoContent, _Mapping]] = ..., audio: _Optional[_Union[_message_pb2.AudioContent, _Mapping]] = ..., document: _Optional[_Union[_message_pb2.DocumentContent, _Mapping]] = ..., sticker: _Optional[_Union[_message_pb2.StickerContent, _Mapping]] = ..., location: _Optional[_Union[_message_pb2.LocationContent, _Mapping]] = ..., contacts: _Optional[_Union[_message_pb2.ContactsContent, _Mapping]] = ..., reaction: _Optional[_Union[_message_pb2.ReactionContent, _Mapping]] = ..., poll: _Optional[_Union[_message_pb2.PollContent, _Mapping]] = ...) -> None: ...

class SendMessageResponse(_message.Message):
    __slots__ = ["message"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class SendPresenceRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid", "presence"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    presence: Presence
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ..., presence: _Optional[_Union[Presence, str]] = ...) -> None: ...

class SendPresenceResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class StreamMessagesRequest(_message.Message):
    __slots__ = ["account_ids", "after_cursor", "chat_jids", "event_types", "start"]
    ACCOUNT_IDS_FIELD_NUMBER: _ClassVar[int]
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    CHAT_JIDS_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    account_ids: _containers.RepeatedScalarFieldContainer[str]
    after_cursor: str
    chat_jids: _containers.RepeatedScalarFieldContainer[str]
    event_types: _containers.RepeatedScalarFieldContainer[_event_pb2.EventType]
    start: StreamStart
    def __init__(self, account_ids: _Optional[_Iterable[str]] = ..., event_types: _Optional[_Iterable[_Union[_event_pb2.EventType, str]]] = ..., chat_jids: _Optional[_Iterable[str]] = ..., after_cursor: _Optional[str] = ..., start: _Optional[_Union[StreamStart, str]] = ...) -> None: ...

class StreamMessagesResponse(_message.Message):
    __slots__ = ["event"]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _event_pb2.Event
    def __init__(self, event: _Optional[_Union[_event_pb2.Event, _Mapping]] = ...) -> None: ...

class Presence(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class DirectionFilter(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class StreamStart(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
