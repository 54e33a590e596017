from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from wildcat.v1 import chat_pb2 as _chat_pb2
from wildcat.v1 import message_pb2 as _message_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ArchiveChatRequest(_message.Message):
    __slots__ = ["account_id", "archived", "chat_jid"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    archived: bool
    chat_jid: str
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ..., archived: bool = ...) -> None: ...

class ArchiveChatResponse(_message.Message):
    __slots__ = ["chat"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    chat: _chat_pb2.Chat
    def __init__(self, chat: _Optional[_Union[_chat_pb2.Chat, _Mapping]] = ...) -> None: ...

class DeleteChatRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ...) -> None: ...

class DeleteChatResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetChatRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ...) -> None: ...

class GetChatResponse(_message.Message):
    __slots__ = ["chat"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    chat: _chat_pb2.Chat
    def __init__(self, chat: _Optional[_Union[_chat_pb2.Chat, _Mapping]] = ...) -> None: ...

class ListChatsRequest(_message.Message):
    __slots__ = ["account_id", "page_size", "page_token"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    page_size: int
    page_token: str
    def __init__(self, account_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChatsResponse(_message.Message):
    __slots__ = ["chats", "next_page_token"]
    CHATS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    chats: _containers.RepeatedCompositeFieldContainer[_chat_pb2.Chat]
    next_page_token: str
    def __init__(self, chats: _Optional[_Iterable[_Union[_chat_pb2.Chat, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MarkChatUnreadRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid", "unread"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    UNREAD_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    unread: bool
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ..., unread: bool = ...) -> None: ...

class MarkChatUnreadResponse(_message.Message):
    __slots__ = ["chat"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    chat: _chat_pb2.Chat
    def __init__(self, chat: _Optional[_Union[_chat_pb2.Chat, _Mapping]] = ...) -> None: ...

class MuteChatRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid", "duration", "mute_end_time"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    MUTE_END_TIME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    duration: _duration_pb2.Duration
    mute_end_time: _timestamp_pb2.Timestamp
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ..., mute_end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., duration: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class MuteChatResponse(_message.Message):
    __slots__ = ["chat"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    chat: _chat_pb2.Chat
    def __init__(self, chat: _Optional[_Union[_chat_pb2.Chat, _Mapping]] = ...) -> None: ...

class PinChatRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid", "pinned"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    PINNED_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    pinned: bool
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ..., pinned: bool = ...) -> None: ...

class PinChatResponse(_message.Message):
    __slots__ = ["chat"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    chat: _chat_pb2.Chat
    def __init__(self, chat: _Optional[_Union[_chat_pb2.Chat, _Mapping]] = ...) -> None: ...

class RequestHistoryRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid", "count"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    count: int
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class RequestHistoryResponse(_message.Message):
    __slots__ = ["request_id"]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class StarMessageRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid", "from_me", "message_id", "starred"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    FROM_ME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    STARRED_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    from_me: bool
    message_id: str
    starred: bool
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ..., message_id: _Optional[str] = ..., from_me: bool = ..., starred: bool = ...) -> None: ...

class StarMessageResponse(_message.Message):
    __slots__ = ["message"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class UnmuteChatRequest(_message.Message):
    __slots__ = ["account_id", "chat_jid"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat_jid: str
    def __init__(self, account_id: _Optional[str] = ..., chat_jid: _Optional[str] = ...) -> None: ...

class UnmuteChatResponse(_message.Message):
    __slots__ = ["chat"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    chat: _chat_pb2.Chat
    def __init__(self, chat: _Optional[_Union[_chat_pb2.Chat, _Mapping]] = ...) -> None: ...
