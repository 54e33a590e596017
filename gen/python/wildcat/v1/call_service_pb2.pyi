from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from wildcat.v1 import call_pb2 as _call_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RejectCallRequest(_message.Message):
    __slots__ = ["account_id", "call_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    call_id: str
    def __init__(self, account_id: _Optional[str] = ..., call_id: _Optional[str] = ...) -> None: ...

class RejectCallResponse(_message.Message):
    __slots__ = ["call"]
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: _call_pb2.Call
    def __init__(self, call: _Optional[_Union[_call_pb2.Call, _Mapping]] = ...) -> None: ...
