from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from wildcat.v1 import media_pb2 as _media_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AppendUploadRequest(_message.Message):
    __slots__ = ["chunk", "offset", "upload_id"]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    chunk: bytes
    offset: int
    upload_id: str
    def __init__(self, upload_id: _Optional[str] = ..., offset: _Optional[int] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class AppendUploadResponse(_message.Message):
    __slots__ = ["upload"]
    UPLOAD_FIELD_NUMBER: _ClassVar[int]
    upload: Upload
    def __init__(self, upload: _Optional[_Union[Upload, _Mapping]] = ...) -> None: ...

class CreateDownloadUrlRequest(_message.Message):
    __slots__ = ["media_id", "ttl"]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    media_id: str
    ttl: _duration_pb2.Duration
    def __init__(self, media_id: _Optional[str] = ..., ttl: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CreateDownloadUrlResponse(_message.Message):
    __slots__ = ["expire_time", "url_path"]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    URL_PATH_FIELD_NUMBER: _ClassVar[int]
    expire_time: _timestamp_pb2.Timestamp
    url_path: str
    def __init__(self, url_path: _Optional[str] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeleteMediaRequest(_message.Message):
    __slots__ = ["media_id"]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    media_id: str
    def __init__(self, media_id: _Optional[str] = ...) -> None: ...

class DeleteMediaResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DownloadMediaRequest(_message.Message):
    __slots__ = ["length", "media_id", "offset"]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    length: int
    media_id: str
    offset: int
    def __init__(self, media_id: _Optional[str] = ..., offset: _Optional[int] = ..., length: _Optional[int] = ...) -> None: ...

class DownloadMediaResponse(_message.Message):
    __slots__ = ["chunk", "metadata"]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    chunk: bytes
    metadata: _media_pb2.Media
    def __init__(self, metadata: _Optional[_Union[_media_pb2.Media, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class FinishUploadRequest(_message.Message):
    __slots__ = ["upload_id"]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    def __init__(self, upload_id: _Optional[str] = ...) -> None: ...

class FinishUploadResponse(_message.Message):
    __slots__ = ["media"]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    media: _media_pb2.Media
    def __init__(self, media: _Optional[_Union[_media_pb2.Media, _Mapping]] = ...) -> None: ...

class GetMediaRequest(_message.Message):
    __slots__ = ["media_id"]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    media_id: str
    def __init__(self, media_id: _Optional[str] = ...) -> None: ...

class GetMediaResponse(_message.Message):
    __slots__ = ["media"]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    media: _media_pb2.Media
    def __init__(self, media: _Optional[_Union[_media_pb2.Media, _Mapping]] = ...) -> None: ...

class GetUploadRequest(_message.Message):
    __slots__ = ["upload_id"]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    def __init__(self, upload_id: _Optional[str] = ...) -> None: ...

class GetUploadResponse(_message.Message):
    __slots__ = ["upload"]
    UPLOAD_FIELD_NUMBER: _ClassVar[int]
    upload: Upload
    def __init__(self, upload: _Optional[_Union[Upload, _Mapping]] = ...) -> None: ...

class ListMediaRequest(_message.Message):
    __slots__ = ["account_id", "page_size", "page_token"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    page_size: int
    page_token: str
    def __init__(self, account_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMediaResponse(_message.Message):
    __slots__ = ["media", "next_page_token"]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    media: _containers.RepeatedCompositeFieldContainer[_media_pb2.Media]
    next_page_token: str
    def __init__(self, media: _Optional[_Iterable[_Union[_media_pb2.Media, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StartUploadRequest(_message.Message):
    __slots__ = ["metadata"]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    metadata: _media_pb2.MediaMetadata
    def __init__(self, metadata: _Optional[_Union[_media_pb2.MediaMetadata, _Mapping]] = ...) -> None: ...

class StartUploadResponse(_message.Message):
    __slots__ = ["upload"]
    UPLOAD_FIELD_NUMBER: _ClassVar[int]
    upload: Upload
    def __init__(self, upload: _Optional[_Union[Upload, _Mapping]] = ...) -> None: ...

class Upload(_message.Message):
    __slots__ = ["expire_time", "metadata", "offset", "upload_id"]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    expire_time: _timestamp_pb2.Timestamp
    metadata: _media_pb2.MediaMetadata
    offset: int
    upload_id: str
    def __init__(self, upload_id: _Optional[str] = ..., metadata: _Optional[_Union[_media_pb2.MediaMetadata, _Mapping]] = ..., offset: _Optional[int] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UploadMediaRequest(_message.Message):
    __slots__ = ["chunk", "metadata"]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    chunk: bytes
    metadata: _media_pb2.MediaMetadata
    def __init__(self, metadata: _Optional[_Union[_media_pb2.MediaMetadata, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class UploadMediaResponse(_message.Message):
    __slots__ = ["media"]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    media: _media_pb2.Media
    def __init__(self, media: _Optional[_Union[_media_pb2.Media, _Mapping]] = ...) -> None: ...
