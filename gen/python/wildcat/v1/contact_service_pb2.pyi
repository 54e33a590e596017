from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from wildcat.v1 import contact_pb2 as _contact_pb2
from wildcat.v1 import jid_pb2 as _jid_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BlockContactRequest(_message.Message):
    __slots__ = ["account_id", "contact"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    contact: str
    def __init__(self, account_id: _Optional[str] = ..., contact: _Optional[str] = ...) -> None: ...

class BlockContactResponse(_message.Message):
    __slots__ = ["contact"]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    contact: _jid_pb2.Jid
    def __init__(self, contact: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ...) -> None: ...

class CheckNumbersRequest(_message.Message):
    __slots__ = ["account_id", "numbers"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBERS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    numbers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, account_id: _Optional[str] = ..., numbers: _Optional[_Iterable[str]] = ...) -> None: ...

class CheckNumbersResponse(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[_contact_pb2.NumberCheck]
    def __init__(self, results: _Optional[_Iterable[_Union[_contact_pb2.NumberCheck, _Mapping]]] = ...) -> None: ...

class GetContactProfileRequest(_message.Message):
    __slots__ = ["account_id", "contact"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    contact: str
    def __init__(self, account_id: _Optional[str] = ..., contact: _Optional[str] = ...) -> None: ...

class GetContactProfileResponse(_message.Message):
    __slots__ = ["profile"]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    profile: _contact_pb2.ContactProfile
    def __init__(self, profile: _Optional[_Union[_contact_pb2.ContactProfile, _Mapping]] = ...) -> None: ...

class GetContactRequest(_message.Message):
    __slots__ = ["account_id", "contact"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    contact: str
    def __init__(self, account_id: _Optional[str] = ..., contact: _Optional[str] = ...) -> None: ...

class GetContactResponse(_message.Message):
    __slots__ = ["contact"]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    contact: _contact_pb2.ContactDetails
    def __init__(self, contact: _Optional[_Union[_contact_pb2.ContactDetails, _Mapping]] = ...) -> None: ...

class ListBlockedContactsRequest(_message.Message):
    __slots__ = ["account_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class ListBlockedContactsResponse(_message.Message):
    __slots__ = ["contacts"]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    contacts: _containers.RepeatedCompositeFieldContainer[_jid_pb2.Jid]
    def __init__(self, contacts: _Optional[_Iterable[_Union[_jid_pb2.Jid, _Mapping]]] = ...) -> None: ...

class ListContactsRequest(_message.Message):
    __slots__ = ["account_id", "page_size", "page_token", "query"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    page_size: int
    page_token: str
    query: str
    def __init__(self, account_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., query: _Optional[str] = ...) -> None: ...

class ListContactsResponse(_message.Message):
    __slots__ = ["contacts", "next_page_token"]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    contacts: _containers.RepeatedCompositeFieldContainer[_contact_pb2.ContactDetails]
    next_page_token: str
    def __init__(self, contacts: _Optional[_Iterable[_Union[_contact_pb2.ContactDetails, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SubscribePresenceRequest(_message.Message):
    __slots__ = ["account_id", "contact"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    contact: str
    def __init__(self, account_id: _Optional[str] = ..., contact: _Optional[str] = ...) -> None: ...

class SubscribePresenceResponse(_message.Message):
    __slots__ = ["contact"]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    contact: _jid_pb2.Jid
    def __init__(self, contact: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ...) -> None: ...

class UnblockContactRequest(_message.Message):
    __slots__ = ["account_id", "contact"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    contact: str
    def __init__(self, account_id: _Optional[str] = ..., contact: _Optional[str] = ...) -> None: ...

class UnblockContactResponse(_message.Message):
    __slots__ = ["contact"]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    contact: _jid_pb2.Jid
    def __init__(self, contact: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ...) -> None: ...
