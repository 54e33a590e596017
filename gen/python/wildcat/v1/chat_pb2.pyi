from google.protobuf import timestamp_pb2 as _timestamp_pb2
from wildcat.v1 import jid_pb2 as _jid_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Chat(_message.Message):
    __slots__ = ["archived", "from_history", "jid", "last_message_id", "last_message_time", "marked_unread", "mute_end_time", "name", "pin_time", "unread_count", "update_time"]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    FROM_HISTORY_FIELD_NUMBER: _ClassVar[int]
    JID_FIELD_NUMBER: _ClassVar[int]
    LAST_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_MESSAGE_TIME_FIELD_NUMBER: _ClassVar[int]
    MARKED_UNREAD_FIELD_NUMBER: _ClassVar[int]
    MUTE_END_TIME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PIN_TIME_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    archived: bool
    from_history: bool
    jid: _jid_pb2.Jid
    last_message_id: str
    last_message_time: _timestamp_pb2.Timestamp
    marked_unread: bool
    mute_end_time: _timestamp_pb2.Timestamp
    name: str
    pin_time: _timestamp_pb2.Timestamp
    unread_count: int
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, jid: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., name: _Optional[str] = ..., last_message_id: _Optional[str] = ..., last_message_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., unread_count: _Optional[int] = ..., archived: bool = ..., pin_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., mute_end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., marked_unread: bool = ..., from_history: bool = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
