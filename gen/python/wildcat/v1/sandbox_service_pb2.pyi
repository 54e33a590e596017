from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from wildcat.v1 import group_service_pb2 as _group_service_pb2
from wildcat.v1 import message_pb2 as _message_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CONTACT_CALL_OUTCOME_CANCELLED: ContactCallOutcome
CONTACT_CALL_OUTCOME_HUNG_UP: ContactCallOutcome
CONTACT_CALL_OUTCOME_REJECTED: ContactCallOutcome
CONTACT_CALL_OUTCOME_TIMEOUT: ContactCallOutcome
CONTACT_CALL_OUTCOME_UNSPECIFIED: ContactCallOutcome
CONTACT_CALL_STATE_ANSWERED: ContactCallState
CONTACT_CALL_STATE_ENDED: ContactCallState
CONTACT_CALL_STATE_RINGING: ContactCallState
CONTACT_CALL_STATE_UNSPECIFIED: ContactCallState
CONTACT_MEDIA_KIND_AUDIO: ContactMediaKind
CONTACT_MEDIA_KIND_DOCUMENT: ContactMediaKind
CONTACT_MEDIA_KIND_IMAGE: ContactMediaKind
CONTACT_MEDIA_KIND_STICKER: ContactMediaKind
CONTACT_MEDIA_KIND_UNSPECIFIED: ContactMediaKind
CONTACT_MEDIA_KIND_VIDEO: ContactMediaKind
CONTACT_MEDIA_KIND_VOICE_NOTE: ContactMediaKind
CONTACT_MESSAGE_KIND_AUDIO: ContactMessageKind
CONTACT_MESSAGE_KIND_CONTACTS: ContactMessageKind
CONTACT_MESSAGE_KIND_DOCUMENT: ContactMessageKind
CONTACT_MESSAGE_KIND_EDIT: ContactMessageKind
CONTACT_MESSAGE_KIND_IMAGE: ContactMessageKind
CONTACT_MESSAGE_KIND_LOCATION: ContactMessageKind
CONTACT_MESSAGE_KIND_OTHER: ContactMessageKind
CONTACT_MESSAGE_KIND_POLL: ContactMessageKind
CONTACT_MESSAGE_KIND_POLL_VOTE: ContactMessageKind
CONTACT_MESSAGE_KIND_REACTION: ContactMessageKind
CONTACT_MESSAGE_KIND_REVOKE: ContactMessageKind
CONTACT_MESSAGE_KIND_STICKER: ContactMessageKind
CONTACT_MESSAGE_KIND_TEXT: ContactMessageKind
CONTACT_MESSAGE_KIND_UNSPECIFIED: ContactMessageKind
CONTACT_MESSAGE_KIND_VIDEO: ContactMessageKind
CONTACT_MESSAGE_KIND_VOICE_NOTE: ContactMessageKind
DESCRIPTOR: _descriptor.FileDescriptor
FAULT_DELAY_ACKS: Fault
FAULT_DROP_CONNECTION: Fault
FAULT_GO_AWAY: Fault
FAULT_NONE: Fault
FAULT_REFUSE_ACKS: Fault
FAULT_STREAM_ERROR: Fault
FAULT_UNSPECIFIED: Fault

class AnswerContactCallRequest(_message.Message):
    __slots__ = ["call_id"]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class AnswerContactCallResponse(_message.Message):
    __slots__ = ["call"]
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: ContactCall
    def __init__(self, call: _Optional[_Union[ContactCall, _Mapping]] = ...) -> None: ...

class ContactCall(_message.Message):
    __slots__ = ["call_id", "end_time", "ended_by", "from_phone_number", "outcome", "start_time", "state", "to_phone_number", "video"]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    ENDED_BY_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    FROM_PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TO_PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    end_time: _timestamp_pb2.Timestamp
    ended_by: str
    from_phone_number: str
    outcome: ContactCallOutcome
    start_time: _timestamp_pb2.Timestamp
    state: ContactCallState
    to_phone_number: str
    video: bool
    def __init__(self, call_id: _Optional[str] = ..., from_phone_number: _Optional[str] = ..., to_phone_number: _Optional[str] = ..., video: bool = ..., state: _Optional[_Union[ContactCallState, str]] = ..., outcome: _Optional[_Union[ContactCallOutcome, str]] = ..., ended_by: _Optional[str] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ContactCallRequest(_message.Message):
    __slots__ = ["from_phone_number", "phone_number_addressing", "ring_timeout", "to", "video"]
    FROM_PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_ADDRESSING_FIELD_NUMBER: _ClassVar[int]
    RING_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    from_phone_number: str
    phone_number_addressing: bool
    ring_timeout: _duration_pb2.Duration
    to: str
    video: bool
    def __init__(self, from_phone_number: _Optional[str] = ..., to: _Optional[str] = ..., video: bool = ..., phone_number_addressing: bool = ..., ring_timeout: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ContactCallResponse(_message.Message):
    __slots__ = ["call_id"]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class ContactEndCallRequest(_message.Message):
    __slots__ = ["call_id"]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class ContactEndCallResponse(_message.Message):
    __slots__ = ["call"]
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: ContactCall
    def __init__(self, call: _Optional[_Union[ContactCall, _Mapping]] = ...) -> None: ...

class ContactJoinGroupRequest(_message.Message):
    __slots__ = ["invite_code", "phone_number"]
    INVITE_CODE_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    invite_code: str
    phone_number: str
    def __init__(self, phone_number: _Optional[str] = ..., invite_code: _Optional[str] = ...) -> None: ...

class ContactJoinGroupResponse(_message.Message):
    __slots__ = ["group_jid", "pending_approval"]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    PENDING_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    group_jid: str
    pending_approval: bool
    def __init__(self, group_jid: _Optional[str] = ..., pending_approval: bool = ...) -> None: ...

class ContactLeaveGroupRequest(_message.Message):
    __slots__ = ["group_jid", "phone_number"]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    group_jid: str
    phone_number: str
    def __init__(self, phone_number: _Optional[str] = ..., group_jid: _Optional[str] = ...) -> None: ...

class ContactLeaveGroupResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ContactMessage(_message.Message):
    __slots__ = ["chat_jid", "contacts", "file_name", "from_jid", "kind", "location", "mentions", "message_id", "mime_type", "poll", "poll_votes", "reply_to_message_id", "seconds", "size_bytes", "target_message_id", "text", "timestamp", "type"]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    FROM_JID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    POLL_FIELD_NUMBER: _ClassVar[int]
    POLL_VOTES_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    TARGET_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    chat_jid: str
    contacts: _containers.RepeatedCompositeFieldContainer[_message_pb2.Contact]
    file_name: str
    from_jid: str
    kind: ContactMessageKind
    location: _message_pb2.LocationContent
    mentions: _containers.RepeatedScalarFieldContainer[str]
    message_id: str
    mime_type: str
    poll: _message_pb2.PollContent
    poll_votes: _containers.RepeatedScalarFieldContainer[str]
    reply_to_message_id: str
    seconds: int
    size_bytes: int
    target_message_id: str
    text: str
    timestamp: _timestamp_pb2.Timestamp
    type: str
    def __init__(self, from_jid: _Optional[str] = ..., message_id: _Optional[str] = ..., text: _Optional[str] = ..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., type: _Optional[str] = ..., kind: _Optional[_Union[ContactMessageKind, str]] = ..., reply_to_message_id: _Optional[str] = ..., target_message_id: _Optional[str] = ..., mentions: _Optional[_Iterable[str]] = ..., mime_type: _Optional[str] = ..., file_name: _Optional[str] = ..., size_bytes: _Optional[int] = ..., seconds: _Optional[int] = ..., location: _Optional[_Union[_message_pb2.LocationContent, _Mapping]] = ..., contacts: _Optional[_Iterable[_Union[_message_pb2.Contact, _Mapping]]] = ..., poll: _Optional[_Union[_message_pb2.PollContent, _Mapping]] = ..., poll_votes: _Optional[_Iterable[str]] = ..., chat_jid: _Optional[str] = ...) -> None: ...

class ContactUpdateParticipantsRequest(_message.Message):
    __slots__ = ["action", "group_jid", "participants", "phone_number"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    action: _group_service_pb2.ParticipantAction
    group_jid: str
    participants: _containers.RepeatedScalarFieldContainer[str]
    phone_number: str
    def __init__(self, phone_number: _Optional[str] = ..., group_jid: _Optional[str] = ..., action: _Optional[_Union[_group_service_pb2.ParticipantAction, str]] = ..., participants: _Optional[_Iterable[str]] = ...) -> None: ...

class ContactUpdateParticipantsResponse(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[_group_service_pb2.ParticipantResult]
    def __init__(self, results: _Optional[_Iterable[_Union[_group_service_pb2.ParticipantResult, _Mapping]]] = ...) -> None: ...

class CreateGroupRequest(_message.Message):
    __slots__ = ["creator_phone_number", "participants", "subject"]
    CREATOR_PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    creator_phone_number: str
    participants: _containers.RepeatedScalarFieldContainer[str]
    subject: str
    def __init__(self, creator_phone_number: _Optional[str] = ..., subject: _Optional[str] = ..., participants: _Optional[_Iterable[str]] = ...) -> None: ...

class CreateGroupResponse(_message.Message):
    __slots__ = ["group_jid"]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    group_jid: str
    def __init__(self, group_jid: _Optional[str] = ...) -> None: ...

class DownloadContactMediaRequest(_message.Message):
    __slots__ = ["message_id", "phone_number"]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    phone_number: str
    def __init__(self, phone_number: _Optional[str] = ..., message_id: _Optional[str] = ...) -> None: ...

class DownloadContactMediaResponse(_message.Message):
    __slots__ = ["data", "file_name", "mime_type"]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    file_name: str
    mime_type: str
    def __init__(self, data: _Optional[bytes] = ..., mime_type: _Optional[str] = ..., file_name: _Optional[str] = ...) -> None: ...

class EnterPairingCodeRequest(_message.Message):
    __slots__ = ["code", "phone_number"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    code: str
    phone_number: str
    def __init__(self, phone_number: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class EnterPairingCodeResponse(_message.Message):
    __slots__ = ["jid"]
    JID_FIELD_NUMBER: _ClassVar[int]
    jid: str
    def __init__(self, jid: _Optional[str] = ...) -> None: ...

class GetContactCallRequest(_message.Message):
    __slots__ = ["call_id"]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class GetContactCallResponse(_message.Message):
    __slots__ = ["call"]
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: ContactCall
    def __init__(self, call: _Optional[_Union[ContactCall, _Mapping]] = ...) -> None: ...

class GetPhoneChatRequest(_message.Message):
    __slots__ = ["chat_jid", "phone_number"]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    chat_jid: str
    phone_number: str
    def __init__(self, phone_number: _Optional[str] = ..., chat_jid: _Optional[str] = ...) -> None: ...

class GetPhoneChatResponse(_message.Message):
    __slots__ = ["chat"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    chat: PhoneChat
    def __init__(self, chat: _Optional[_Union[PhoneChat, _Mapping]] = ...) -> None: ...

class HistoryChat(_message.Message):
    __slots__ = ["chat", "messages", "name", "unread_count"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    chat: str
    messages: _containers.RepeatedCompositeFieldContainer[HistoryMessage]
    name: str
    unread_count: int
    def __init__(self, chat: _Optional[str] = ..., name: _Optional[str] = ..., unread_count: _Optional[int] = ..., messages: _Optional[_Iterable[_Union[HistoryMessage, _Mapping]]] = ...) -> None: ...

class HistoryContact(_message.Message):
    __slots__ = ["name", "phone_number"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    name: str
    phone_number: str
    def __init__(self, phone_number: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class HistoryMessage(_message.Message):
    __slots__ = ["from_me", "message_id", "sender", "text", "time"]
    FROM_ME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    from_me: bool
    message_id: str
    sender: str
    text: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, message_id: _Optional[str] = ..., from_me: bool = ..., text: _Optional[str] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., sender: _Optional[str] = ...) -> None: ...

class InjectFaultRequest(_message.Message):
    __slots__ = ["code", "delay", "fault", "jid"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    DELAY_FIELD_NUMBER: _ClassVar[int]
    FAULT_FIELD_NUMBER: _ClassVar[int]
    JID_FIELD_NUMBER: _ClassVar[int]
    code: int
    delay: _duration_pb2.Duration
    fault: Fault
    jid: str
    def __init__(self, jid: _Optional[str] = ..., fault: _Optional[_Union[Fault, str]] = ..., code: _Optional[int] = ..., delay: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class InjectFaultResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class LinkDeviceRequest(_message.Message):
    __slots__ = ["phone_number", "qr_code"]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    QR_CODE_FIELD_NUMBER: _ClassVar[int]
    phone_number: str
    qr_code: str
    def __init__(self, qr_code: _Optional[str] = ..., phone_number: _Optional[str] = ...) -> None: ...

class LinkDeviceResponse(_message.Message):
    __slots__ = ["jid", "lid"]
    JID_FIELD_NUMBER: _ClassVar[int]
    LID_FIELD_NUMBER: _ClassVar[int]
    jid: str
    lid: str
    def __init__(self, jid: _Optional[str] = ..., lid: _Optional[str] = ...) -> None: ...

class ListContactMessagesRequest(_message.Message):
    __slots__ = ["phone_number"]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    phone_number: str
    def __init__(self, phone_number: _Optional[str] = ...) -> None: ...

class ListContactMessagesResponse(_message.Message):
    __slots__ = ["messages"]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[ContactMessage]
    def __init__(self, messages: _Optional[_Iterable[_Union[ContactMessage, _Mapping]]] = ...) -> None: ...

class PhoneChangeChatRequest(_message.Message):
    __slots__ = ["archived", "chat_jid", "delete", "mute_end_time", "phone_number", "pinned", "star", "unmute", "unread"]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    CHAT_JID_FIELD_NUMBER: _ClassVar[int]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    MUTE_END_TIME_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PINNED_FIELD_NUMBER: _ClassVar[int]
    STAR_FIELD_NUMBER: _ClassVar[int]
    UNMUTE_FIELD_NUMBER: _ClassVar[int]
    UNREAD_FIELD_NUMBER: _ClassVar[int]
    archived: bool
    chat_jid: str
    delete: bool
    mute_end_time: _timestamp_pb2.Timestamp
    phone_number: str
    pinned: bool
    star: PhoneStar
    unmute: bool
    unread: bool
    def __init__(self, phone_number: _Optional[str] = ..., chat_jid: _Optional[str] = ..., archived: bool = ..., pinned: bool = ..., mute_end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., unmute: bool = ..., unread: bool = ..., delete: bool = ..., star: _Optional[_Union[PhoneStar, _Mapping]] = ...) -> None: ...

class PhoneChangeChatResponse(_message.Message):
    __slots__ = ["chat"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    chat: PhoneChat
    def __init__(self, chat: _Optional[_Union[PhoneChat, _Mapping]] = ...) -> None: ...

class PhoneChat(_message.Message):
    __slots__ = ["archived", "deleted", "marked_unread", "mute_end_time", "pin_time", "starred_message_ids"]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    MARKED_UNREAD_FIELD_NUMBER: _ClassVar[int]
    MUTE_END_TIME_FIELD_NUMBER: _ClassVar[int]
    PIN_TIME_FIELD_NUMBER: _ClassVar[int]
    STARRED_MESSAGE_IDS_FIELD_NUMBER: _ClassVar[int]
    archived: bool
    deleted: bool
    marked_unread: bool
    mute_end_time: _timestamp_pb2.Timestamp
    pin_time: _timestamp_pb2.Timestamp
    starred_message_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, archived: bool = ..., pin_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., mute_end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., marked_unread: bool = ..., deleted: bool = ..., starred_message_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class PhoneStar(_message.Message):
    __slots__ = ["from_me", "message_id", "starred"]
    FROM_ME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    STARRED_FIELD_NUMBER: _ClassVar[int]
    from_me: bool
    message_id: str
    starred: bool
    def __init__(self, message_id: _Optional[str] = ..., from_me: bool = ..., starred: bool = ...) -> None: ...

class SendFromContactRequest(_message.Message):
    __slots__ = ["contacts", "file_name", "from_phone_number", "location", "media", "media_kind", "media_mime_type", "media_seconds", "mentions", "poll", "reply_to_message_id", "text", "to_jid"]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    FROM_PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    MEDIA_KIND_FIELD_NUMBER: _ClassVar[int]
    MEDIA_MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_FIELD_NUMBER: _ClassVar[int]
    POLL_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TO_JID_FIELD_NUMBER: _ClassVar[int]
    contacts: _message_pb2.ContactsContent
    file_name: str
    from_phone_number: str
    location: _message_pb2.LocationContent
    media: bytes
    media_kind: ContactMediaKind
    media_mime_type: str
    media_seconds: int
    mentions: _containers.RepeatedScalarFieldContainer[str]
    poll: _message_pb2.PollContent
    reply_to_message_id: str
    text: str
    to_jid: str
    def __init__(self, from_phone_number: _Optional[str] = ..., to_jid: _Optional[str] = ..., text: _Optional[str] = ..., media: _Optional[bytes] = ..., media_mime_type: _Optional[str] = ..., reply_to_message_id: _Optional[str] = ..., media_kind: _Optional[_Union[ContactMediaKind, str]] = ..., file_name: _Optional[str] = ..., media_seconds: _Optional[int] = ..., mentions: _Optional[_Iterable[str]] = ..., location: _Optional[_Union[_message_pb2.LocationContent, _Mapping]] = ..., contacts: _Optional[_Union[_message_pb2.ContactsContent, _Mapping]] = ..., poll: _Optional[_Union[_message_pb2.PollContent, _Mapping]] = ...) -> None: ...

class SendFromContactResponse(_message.Message):
    __slots__ = ["message_id"]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    message_id: str
    def __init__(self, message_id: _Optional[str] = ...) -> None: ...

class SetPhoneHistoryRequest(_message.Message):
    __slots__ = ["bootstrap_message_limit", "chats", "contacts", "phone_number"]
    BOOTSTRAP_MESSAGE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    CHATS_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    bootstrap_message_limit: int
    chats: _containers.RepeatedCompositeFieldContainer[HistoryChat]
    contacts: _containers.RepeatedCompositeFieldContainer[HistoryContact]
    phone_number: str
    def __init__(self, phone_number: _Optional[str] = ..., chats: _Optional[_Iterable[_Union[HistoryChat, _Mapping]]] = ..., contacts: _Optional[_Iterable[_Union[HistoryContact, _Mapping]]] = ..., bootstrap_message_limit: _Optional[int] = ...) -> None: ...

class SetPhoneHistoryResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class UpdateContactProfileRequest(_message.Message):
    __slots__ = ["about", "name", "phone_number", "picture", "remove_picture"]
    ABOUT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PICTURE_FIELD_NUMBER: _ClassVar[int]
    REMOVE_PICTURE_FIELD_NUMBER: _ClassVar[int]
    about: str
    name: str
    phone_number: str
    picture: bytes
    remove_picture: bool
    def __init__(self, phone_number: _Optional[str] = ..., name: _Optional[str] = ..., about: _Optional[str] = ..., picture: _Optional[bytes] = ..., remove_picture: bool = ...) -> None: ...

class UpdateContactProfileResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ContactMediaKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ContactMessageKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Fault(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ContactCallState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ContactCallOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
