from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from wildcat.v1 import jid_pb2 as _jid_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

CALL_END_REASON_TERMINATED: CallEndReason
CALL_END_REASON_TIMEOUT: CallEndReason
CALL_END_REASON_UNSPECIFIED: CallEndReason
DESCRIPTOR: _descriptor.FileDescriptor

class Call(_message.Message):
    __slots__ = ["call_id", "end_reason", "group", "group_jid", "offline", "rejected_by_us", "time", "video"]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    END_REASON_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    OFFLINE_FIELD_NUMBER: _ClassVar[int]
    REJECTED_BY_US_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    end_reason: CallEndReason
    group: bool
    group_jid: _jid_pb2.Jid
    offline: bool
    rejected_by_us: bool
    time: _timestamp_pb2.Timestamp
    video: bool
    def __init__(self, call_id: _Optional[str] = ..., video: bool = ..., group: bool = ..., group_jid: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_reason: _Optional[_Union[CallEndReason, str]] = ..., rejected_by_us: bool = ..., offline: bool = ..., **kwargs) -> None: ...

class CallPolicy(_message.Message):
    __slots__ = ["auto_reject", "reply_text"]
    AUTO_REJECT_FIELD_NUMBER: _ClassVar[int]
    REPLY_TEXT_FIELD_NUMBER: _ClassVar[int]
    auto_reject: bool
    reply_text: str
    def __init__(self, auto_reject: bool = ..., reply_text: _Optional[str] = ...) -> None: ...

class CallEndReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
