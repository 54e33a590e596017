from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from wildcat.v1 import call_pb2 as _call_pb2
from wildcat.v1 import jid_pb2 as _jid_pb2
from wildcat.v1 import message_pb2 as _message_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

ACCOUNT_STATE_CONNECTED: AccountState
ACCOUNT_STATE_CONNECTING: AccountState
ACCOUNT_STATE_DISCONNECTED: AccountState
ACCOUNT_STATE_LOGGED_OUT: AccountState
ACCOUNT_STATE_UNSPECIFIED: AccountState
ACCOUNT_STATE_WAITING_FOR_LOGIN: AccountState
DESCRIPTOR: _descriptor.FileDescriptor
DISCONNECT_REASON_CONNECTION_LOST: DisconnectReason
DISCONNECT_REASON_LOGGED_OUT: DisconnectReason
DISCONNECT_REASON_LOGIN_TIMEOUT: DisconnectReason
DISCONNECT_REASON_NEEDS_RELINK: DisconnectReason
DISCONNECT_REASON_REPLACED: DisconnectReason
DISCONNECT_REASON_REQUESTED: DisconnectReason
DISCONNECT_REASON_RESTART_REQUIRED: DisconnectReason
DISCONNECT_REASON_SERVER_ERROR: DisconnectReason
DISCONNECT_REASON_UNSPECIFIED: DisconnectReason
HISTORY_SYNC_MODE_ALL: HistorySyncMode
HISTORY_SYNC_MODE_NONE: HistorySyncMode
HISTORY_SYNC_MODE_RECENT: HistorySyncMode
HISTORY_SYNC_MODE_UNSPECIFIED: HistorySyncMode
MEDIA_DOWNLOAD_MODE_ALL: MediaDownloadMode
MEDIA_DOWNLOAD_MODE_NONE: MediaDownloadMode
MEDIA_DOWNLOAD_MODE_UNSPECIFIED: MediaDownloadMode

class Account(_message.Message):
    __slots__ = ["account_id", "call_policy", "create_time", "display_name", "history_sync", "last_disconnect", "media_download", "own_jid", "owner", "send_rate_per_minute", "state", "update_time"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_POLICY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    HISTORY_SYNC_FIELD_NUMBER: _ClassVar[int]
    LAST_DISCONNECT_FIELD_NUMBER: _ClassVar[int]
    MEDIA_DOWNLOAD_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    OWN_JID_FIELD_NUMBER: _ClassVar[int]
    SEND_RATE_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    call_policy: _call_pb2.CallPolicy
    create_time: _timestamp_pb2.Timestamp
    display_name: str
    history_sync: HistorySyncPolicy
    last_disconnect: Disconnect
    media_download: MediaDownloadPolicy
    own_jid: _jid_pb2.Jid
    owner: str
    send_rate_per_minute: int
    state: AccountState
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, account_id: _Optional[str] = ..., display_name: _Optional[str] = ..., state: _Optional[_Union[AccountState, str]] = ..., own_jid: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., last_disconnect: _Optional[_Union[Disconnect, _Mapping]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., media_download: _Optional[_Union[MediaDownloadPolicy, _Mapping]] = ..., send_rate_per_minute: _Optional[int] = ..., call_policy: _Optional[_Union[_call_pb2.CallPolicy, _Mapping]] = ..., history_sync: _Optional[_Union[HistorySyncPolicy, _Mapping]] = ..., owner: _Optional[str] = ...) -> None: ...

class Disconnect(_message.Message):
    __slots__ = ["code", "message", "reason", "time"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    reason: DisconnectReason
    time: _timestamp_pb2.Timestamp
    def __init__(self, reason: _Optional[_Union[DisconnectReason, str]] = ..., code: _Optional[int] = ..., message: _Optional[str] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HistorySyncPolicy(_message.Message):
    __slots__ = ["mode", "recent_days"]
    MODE_FIELD_NUMBER: _ClassVar[int]
    RECENT_DAYS_FIELD_NUMBER: _ClassVar[int]
    mode: HistorySyncMode
    recent_days: int
    def __init__(self, mode: _Optional[_Union[HistorySyncMode, str]] = ..., recent_days: _Optional[int] = ...) -> None: ...

class MediaDownloadPolicy(_message.Message):
    __slots__ = ["max_bytes", "mode", "types"]
    MAX_BYTES_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    max_bytes: int
    mode: MediaDownloadMode
    types: _containers.RepeatedScalarFieldContainer[_message_pb2.MessageType]
    def __init__(self, mode: _Optional[_Union[MediaDownloadMode, str]] = ..., types: _Optional[_Iterable[_Union[_message_pb2.MessageType, str]]] = ..., max_bytes: _Optional[int] = ...) -> None: ...

class PairingCode(_message.Message):
    __slots__ = ["code", "expire_time", "phone_number"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    code: str
    expire_time: _timestamp_pb2.Timestamp
    phone_number: str
    def __init__(self, code: _Optional[str] = ..., phone_number: _Optional[str] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class QrCode(_message.Message):
    __slots__ = ["code", "expire_time", "png"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    PNG_FIELD_NUMBER: _ClassVar[int]
    code: str
    expire_time: _timestamp_pb2.Timestamp
    png: bytes
    def __init__(self, code: _Optional[str] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., png: _Optional[bytes] = ...) -> None: ...

class HistorySyncMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class MediaDownloadMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class AccountState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class DisconnectReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
