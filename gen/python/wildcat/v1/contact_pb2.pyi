from google.protobuf import timestamp_pb2 as _timestamp_pb2
from wildcat.v1 import jid_pb2 as _jid_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ContactDetails(_message.Message):
    __slots__ = ["about", "about_update_time", "address_book_name", "business", "jid", "picture_id", "picture_media_id", "picture_update_time", "push_name", "update_time", "verified_business_name"]
    ABOUT_FIELD_NUMBER: _ClassVar[int]
    ABOUT_UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_BOOK_NAME_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_FIELD_NUMBER: _ClassVar[int]
    JID_FIELD_NUMBER: _ClassVar[int]
    PICTURE_ID_FIELD_NUMBER: _ClassVar[int]
    PICTURE_MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    PICTURE_UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PUSH_NAME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_BUSINESS_NAME_FIELD_NUMBER: _ClassVar[int]
    about: str
    about_update_time: _timestamp_pb2.Timestamp
    address_book_name: str
    business: bool
    jid: _jid_pb2.Jid
    picture_id: str
    picture_media_id: str
    picture_update_time: _timestamp_pb2.Timestamp
    push_name: str
    update_time: _timestamp_pb2.Timestamp
    verified_business_name: str
    def __init__(self, jid: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., push_name: _Optional[str] = ..., address_book_name: _Optional[str] = ..., verified_business_name: _Optional[str] = ..., business: bool = ..., about: _Optional[str] = ..., about_update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., picture_media_id: _Optional[str] = ..., picture_id: _Optional[str] = ..., picture_update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ContactProfile(_message.Message):
    __slots__ = ["about", "about_update_time", "contact", "picture_media_id", "picture_url"]
    ABOUT_FIELD_NUMBER: _ClassVar[int]
    ABOUT_UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    PICTURE_MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    PICTURE_URL_FIELD_NUMBER: _ClassVar[int]
    about: str
    about_update_time: _timestamp_pb2.Timestamp
    contact: _jid_pb2.Jid
    picture_media_id: str
    picture_url: str
    def __init__(self, contact: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., about: _Optional[str] = ..., about_update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., picture_url: _Optional[str] = ..., picture_media_id: _Optional[str] = ...) -> None: ...

class ContactUpdate(_message.Message):
    __slots__ = ["changed_fields", "contact"]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    contact: ContactDetails
    def __init__(self, contact: _Optional[_Union[ContactDetails, _Mapping]] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class NumberCheck(_message.Message):
    __slots__ = ["exists", "jid", "number"]
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    JID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    exists: bool
    jid: _jid_pb2.Jid
    number: str
    def __init__(self, number: _Optional[str] = ..., exists: bool = ..., jid: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ...) -> None: ...
