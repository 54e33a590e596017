from google.protobuf import timestamp_pb2 as _timestamp_pb2
from wildcat.v1 import jid_pb2 as _jid_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ContactProfile(_message.Message):
    __slots__ = ["about", "about_update_time", "contact", "picture_url"]
    ABOUT_FIELD_NUMBER: _ClassVar[int]
    ABOUT_UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    PICTURE_URL_FIELD_NUMBER: _ClassVar[int]
    about: str
    about_update_time: _timestamp_pb2.Timestamp
    contact: _jid_pb2.Jid
    picture_url: str
    def __init__(self, contact: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., about: _Optional[str] = ..., about_update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., picture_url: _Optional[str] = ...) -> None: ...

class NumberCheck(_message.Message):
    __slots__ = ["exists", "jid", "number"]
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    JID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    exists: bool
    jid: _jid_pb2.Jid
    number: str
    def __init__(self, number: _Optional[str] = ..., exists: bool = ..., jid: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ...) -> None: ...
