from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

CALL_PRIVACY_EVERYONE: CallPrivacy
CALL_PRIVACY_KNOWN: CallPrivacy
CALL_PRIVACY_UNSPECIFIED: CallPrivacy
DESCRIPTOR: _descriptor.FileDescriptor
ONLINE_PRIVACY_EVERYONE: OnlinePrivacy
ONLINE_PRIVACY_SAME_AS_LAST_SEEN: OnlinePrivacy
ONLINE_PRIVACY_UNSPECIFIED: OnlinePrivacy
PRIVACY_AUDIENCE_CONTACTS: PrivacyAudience
PRIVACY_AUDIENCE_CONTACTS_EXCEPT: PrivacyAudience
PRIVACY_AUDIENCE_EVERYONE: PrivacyAudience
PRIVACY_AUDIENCE_NOBODY: PrivacyAudience
PRIVACY_AUDIENCE_UNSPECIFIED: PrivacyAudience
READ_RECEIPTS_PRIVACY_OFF: ReadReceiptsPrivacy
READ_RECEIPTS_PRIVACY_ON: ReadReceiptsPrivacy
READ_RECEIPTS_PRIVACY_UNSPECIFIED: ReadReceiptsPrivacy

class PrivacySettings(_message.Message):
    __slots__ = ["about", "calls", "groups_add", "last_seen", "online", "profile_picture", "read_receipts"]
    ABOUT_FIELD_NUMBER: _ClassVar[int]
    CALLS_FIELD_NUMBER: _ClassVar[int]
    GROUPS_ADD_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_FIELD_NUMBER: _ClassVar[int]
    ONLINE_FIELD_NUMBER: _ClassVar[int]
    PROFILE_PICTURE_FIELD_NUMBER: _ClassVar[int]
    READ_RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    about: PrivacyAudience
    calls: CallPrivacy
    groups_add: PrivacyAudience
    last_seen: PrivacyAudience
    online: OnlinePrivacy
    profile_picture: PrivacyAudience
    read_receipts: ReadReceiptsPrivacy
    def __init__(self, last_seen: _Optional[_Union[PrivacyAudience, str]] = ..., online: _Optional[_Union[OnlinePrivacy, str]] = ..., profile_picture: _Optional[_Union[PrivacyAudience, str]] = ..., about: _Optional[_Union[PrivacyAudience, str]] = ..., groups_add: _Optional[_Union[PrivacyAudience, str]] = ..., read_receipts: _Optional[_Union[ReadReceiptsPrivacy, str]] = ..., calls: _Optional[_Union[CallPrivacy, str]] = ...) -> None: ...

class PrivacyAudience(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class OnlinePrivacy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class CallPrivacy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ReadReceiptsPrivacy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
