from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
MEDIA_SOURCE_INBOUND: MediaSource
MEDIA_SOURCE_UNSPECIFIED: MediaSource
MEDIA_SOURCE_UPLOAD: MediaSource

class Media(_message.Message):
    __slots__ = ["account_id", "create_time", "download_path", "file_name", "media_id", "message_id", "mime_type", "sha256", "size_bytes", "source"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_PATH_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    create_time: _timestamp_pb2.Timestamp
    download_path: str
    file_name: str
    media_id: str
    message_id: str
    mime_type: str
    sha256: str
    size_bytes: int
    source: MediaSource
    def __init__(self, media_id: _Optional[str] = ..., account_id: _Optional[str] = ..., mime_type: _Optional[str] = ..., file_name: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., source: _Optional[_Union[MediaSource, str]] = ..., message_id: _Optional[str] = ..., download_path: _Optional[str] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MediaMetadata(_message.Message):
    __slots__ = ["account_id", "file_name", "mime_type", "sha256", "size_bytes"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    file_name: str
    mime_type: str
    sha256: str
    size_bytes: int
    def __init__(self, account_id: _Optional[str] = ..., mime_type: _Optional[str] = ..., file_name: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class MediaSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
