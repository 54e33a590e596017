from wildcat.v1 import jid_pb2 as _jid_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NumberCheck(_message.Message):
    __slots__ = ["exists", "jid", "number"]
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    JID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    exists: bool
    jid: _jid_pb2.Jid
    number: str
    def __init__(self, number: _Optional[str] = ..., exists: bool = ..., jid: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ...) -> None: ...
