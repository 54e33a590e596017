from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from wildcat.v1 import profile_pb2 as _profile_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetPrivacySettingsRequest(_message.Message):
    __slots__ = ["account_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class GetPrivacySettingsResponse(_message.Message):
    __slots__ = ["settings"]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: _profile_pb2.PrivacySettings
    def __init__(self, settings: _Optional[_Union[_profile_pb2.PrivacySettings, _Mapping]] = ...) -> None: ...

class RemoveProfilePictureRequest(_message.Message):
    __slots__ = ["account_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class RemoveProfilePictureResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SetProfileAboutRequest(_message.Message):
    __slots__ = ["about", "account_id"]
    ABOUT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    about: str
    account_id: str
    def __init__(self, account_id: _Optional[str] = ..., about: _Optional[str] = ...) -> None: ...

class SetProfileAboutResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SetProfileNameRequest(_message.Message):
    __slots__ = ["account_id", "name"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    name: str
    def __init__(self, account_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class SetProfileNameResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SetProfilePictureRequest(_message.Message):
    __slots__ = ["account_id", "media_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    media_id: str
    def __init__(self, account_id: _Optional[str] = ..., media_id: _Optional[str] = ...) -> None: ...

class SetProfilePictureResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class UpdatePrivacySettingsRequest(_message.Message):
    __slots__ = ["account_id", "settings"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    settings: _profile_pb2.PrivacySettings
    def __init__(self, account_id: _Optional[str] = ..., settings: _Optional[_Union[_profile_pb2.PrivacySettings, _Mapping]] = ...) -> None: ...

class UpdatePrivacySettingsResponse(_message.Message):
    __slots__ = ["settings"]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: _profile_pb2.PrivacySettings
    def __init__(self, settings: _Optional[_Union[_profile_pb2.PrivacySettings, _Mapping]] = ...) -> None: ...
