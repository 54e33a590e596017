from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from wildcat.v1 import jid_pb2 as _jid_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
MESSAGE_STATUS_DELIVERED: MessageStatus
MESSAGE_STATUS_FAILED: MessageStatus
MESSAGE_STATUS_PENDING: MessageStatus
MESSAGE_STATUS_PLAYED: MessageStatus
MESSAGE_STATUS_READ: MessageStatus
MESSAGE_STATUS_SERVER_ACK: MessageStatus
MESSAGE_STATUS_UNSPECIFIED: MessageStatus
MESSAGE_TYPE_AUDIO: MessageType
MESSAGE_TYPE_CONTACTS: MessageType
MESSAGE_TYPE_DOCUMENT: MessageType
MESSAGE_TYPE_IMAGE: MessageType
MESSAGE_TYPE_LOCATION: MessageType
MESSAGE_TYPE_OTHER: MessageType
MESSAGE_TYPE_POLL: MessageType
MESSAGE_TYPE_POLL_VOTE: MessageType
MESSAGE_TYPE_REACTION: MessageType
MESSAGE_TYPE_STICKER: MessageType
MESSAGE_TYPE_TEXT: MessageType
MESSAGE_TYPE_UNSPECIFIED: MessageType
MESSAGE_TYPE_VIDEO: MessageType
MESSAGE_TYPE_VOICE_NOTE: MessageType

class AudioContent(_message.Message):
    __slots__ = ["media_id", "voice_note"]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    VOICE_NOTE_FIELD_NUMBER: _ClassVar[int]
    media_id: str
    voice_note: bool
    def __init__(self, media_id: _Optional[str] = ..., voice_note: bool = ...) -> None: ...

class Contact(_message.Message):
    __slots__ = ["display_name", "vcard"]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    VCARD_FIELD_NUMBER: _ClassVar[int]
    display_name: str
    vcard: str
    def __init__(self, display_name: _Optional[str] = ..., vcard: _Optional[str] = ...) -> None: ...

class ContactsContent(_message.Message):
    __slots__ = ["contacts"]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    contacts: _containers.RepeatedCompositeFieldContainer[Contact]
    def __init__(self, contacts: _Optional[_Iterable[_Union[Contact, _Mapping]]] = ...) -> None: ...

class DocumentContent(_message.Message):
    __slots__ = ["caption", "file_name", "media_id"]
    CAPTION_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    caption: str
    file_name: str
    media_id: str
    def __init__(self, media_id: _Optional[str] = ..., file_name: _Optional[str] = ..., caption: _Optional[str] = ...) -> None: ...

class ImageContent(_message.Message):
    __slots__ = ["caption", "media_id"]
    CAPTION_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    caption: str
    media_id: str
    def __init__(self, media_id: _Optional[str] = ..., caption: _Optional[str] = ...) -> None: ...

class LocationContent(_message.Message):
    __slots__ = ["address", "latitude", "longitude", "name"]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    address: str
    latitude: float
    longitude: float
    name: str
    def __init__(self, latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., name: _Optional[str] = ..., address: _Optional[str] = ...) -> None: ...

class MediaRef(_message.Message):
    __slots__ = ["download_path", "file_name", "media_id", "mime_type", "sha256", "size_bytes"]
    DOWNLOAD_PATH_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    download_path: str
    file_name: str
    media_id: str
    mime_type: str
    sha256: str
    size_bytes: int
    def __init__(self, media_id: _Optional[str] = ..., mime_type: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., file_name: _Optional[str] = ..., download_path: _Optional[str] = ...) -> None: ...

class Message(_message.Message):
    __slots__ = ["account_id", "chat", "content", "delete_time", "deleted", "edit_time", "edited", "from_history", "from_me", "has_media", "media", "mentions", "message_id", "raw_message", "reactions", "reply_to_message_id", "starred", "status", "status_history", "text", "timestamp", "type"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    EDITED_FIELD_NUMBER: _ClassVar[int]
    EDIT_TIME_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    FROM_HISTORY_FIELD_NUMBER: _ClassVar[int]
    FROM_ME_FIELD_NUMBER: _ClassVar[int]
    HAS_MEDIA_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    RAW_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REACTIONS_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    STARRED_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_HISTORY_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    chat: _jid_pb2.Jid
    content: MessageContent
    delete_time: _timestamp_pb2.Timestamp
    deleted: bool
    edit_time: _timestamp_pb2.Timestamp
    edited: bool
    from_history: bool
    from_me: bool
    has_media: bool
    media: MediaRef
    mentions: _containers.RepeatedCompositeFieldContainer[_jid_pb2.Jid]
    message_id: str
    raw_message: bytes
    reactions: _containers.RepeatedCompositeFieldContainer[Reaction]
    reply_to_message_id: str
    starred: bool
    status: MessageStatus
    status_history: _containers.RepeatedCompositeFieldContainer[StatusChange]
    text: str
    timestamp: _timestamp_pb2.Timestamp
    type: MessageType
    def __init__(self, account_id: _Optional[str] = ..., message_id: _Optional[str] = ..., chat: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., from_me: bool = ..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., type: _Optional[_Union[MessageType, str]] = ..., text: _Optional[str] = ..., has_media: bool = ..., media: _Optional[_Union[MediaRef, _Mapping]] = ..., content: _Optional[_Union[MessageContent, _Mapping]] = ..., reply_to_message_id: _Optional[str] = ..., mentions: _Optional[_Iterable[_Union[_jid_pb2.Jid, _Mapping]]] = ..., status: _Optional[_Union[MessageStatus, str]] = ..., status_history: _Optional[_Iterable[_Union[StatusChange, _Mapping]]] = ..., edited: bool = ..., edit_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., deleted: bool = ..., delete_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., reactions: _Optional[_Iterable[_Union[Reaction, _Mapping]]] = ..., raw_message: _Optional[bytes] = ..., starred: bool = ..., from_history: bool = ..., **kwargs) -> None: ...

class MessageContent(_message.Message):
    __slots__ = ["audio", "contacts", "document", "image", "location", "poll", "poll_vote", "reaction", "sticker", "text", "video"]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    POLL_FIELD_NUMBER: _ClassVar[int]
    POLL_VOTE_FIELD_NUMBER: _ClassVar[int]
    REACTION_FIELD_NUMBER: _ClassVar[int]
    STICKER_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    audio: AudioContent
    contacts: ContactsContent
    document: DocumentContent
    image: ImageContent
    location: LocationContent
    poll: PollContent
    poll_vote: PollVoteContent
    reaction: ReactionContent
    sticker: StickerContent
    text: TextContent
    video: VideoContent
    def __init__(self, text: _Optional[_Union[TextContent, _Mapping]] = ..., image: _Optional[_Union[ImageContent, _Mapping]] = ..., video: _Optional[_Union[VideoContent, _Mapping]] = ..., audio: _Optional[_Union[AudioContent, _Mapping]] = ..., document: _Optional[_Union[DocumentContent, _Mapping]] = ..., sticker: _Optional[_Union[StickerContent, _Mapping]] = ..., location: _Optional[_Union[LocationContent, _Mapping]] = ..., contacts: _Optional[_Union[ContactsContent, _Mapping]] = ..., reaction: _Optional[_Union[ReactionContent, _Mapping]] = ..., poll: _Optional[_Union[PollContent, _Mapping]] = ..., poll_vote: _Optional[_Union[PollVoteContent, _Mapping]] = ...) -> None: ...

class PollContent(_message.Message):
    __slots__ = ["name", "options", "selectable_count"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    SELECTABLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    options: _containers.RepeatedScalarFieldContainer[str]
    selectable_count: int
    def __init__(self, name: _Optional[str] = ..., options: _Optional[_Iterable[str]] = ..., selectable_count: _Optional[int] = ...) -> None: ...

class PollVoteContent(_message.Message):
    __slots__ = ["poll_message_id", "selected_options"]
    POLL_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SELECTED_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    poll_message_id: str
    selected_options: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, poll_message_id: _Optional[str] = ..., selected_options: _Optional[_Iterable[str]] = ...) -> None: ...

class Reaction(_message.Message):
    __slots__ = ["emoji", "time"]
    EMOJI_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    emoji: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, emoji: _Optional[str] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., **kwargs) -> None: ...

class ReactionContent(_message.Message):
    __slots__ = ["emoji", "from_me", "message_id", "participant_jid"]
    EMOJI_FIELD_NUMBER: _ClassVar[int]
    FROM_ME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_JID_FIELD_NUMBER: _ClassVar[int]
    emoji: str
    from_me: bool
    message_id: str
    participant_jid: str
    def __init__(self, message_id: _Optional[str] = ..., from_me: bool = ..., participant_jid: _Optional[str] = ..., emoji: _Optional[str] = ...) -> None: ...

class StatusChange(_message.Message):
    __slots__ = ["status", "time"]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    status: MessageStatus
    time: _timestamp_pb2.Timestamp
    def __init__(self, status: _Optional[_Union[MessageStatus, str]] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StickerContent(_message.Message):
    __slots__ = ["media_id"]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    media_id: str
    def __init__(self, media_id: _Optional[str] = ...) -> None: ...

class TextContent(_message.Message):
    __slots__ = ["body"]
    BODY_FIELD_NUMBER: _ClassVar[int]
    body: str
    def __init__(self, body: _Optional[str] = ...) -> None: ...

class VideoContent(_message.Message):
    __slots__ = ["caption", "gif_playback", "media_id"]
    CAPTION_FIELD_NUMBER: _ClassVar[int]
    GIF_PLAYBACK_FIELD_NUMBER: _ClassVar[int]
    MEDIA_ID_FIELD_NUMBER: _ClassVar[int]
    caption: str
    gif_playback: bool
    media_id: str
    def __init__(self, media_id: _Optional[str] = ..., caption: _Optional[str] = ..., gif_playback: bool = ...) -> None: ...

class MessageType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class MessageStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
