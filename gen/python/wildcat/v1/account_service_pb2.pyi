from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from wildcat.v1 import account_pb2 as _account_pb2
from wildcat.v1 import call_pb2 as _call_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConnectAccountRequest(_message.Message):
    __slots__ = ["account_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class ConnectAccountResponse(_message.Message):
    __slots__ = ["account"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class CreateAccountRequest(_message.Message):
    __slots__ = ["account_id", "call_policy", "display_name", "history_sync", "media_download", "send_rate_per_minute"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_POLICY_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    HISTORY_SYNC_FIELD_NUMBER: _ClassVar[int]
    MEDIA_DOWNLOAD_FIELD_NUMBER: _ClassVar[int]
    SEND_RATE_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    call_policy: _call_pb2.CallPolicy
    display_name: str
    history_sync: _account_pb2.HistorySyncPolicy
    media_download: _account_pb2.MediaDownloadPolicy
    send_rate_per_minute: int
    def __init__(self, account_id: _Optional[str] = ..., display_name: _Optional[str] = ..., media_download: _Optional[_Union[_account_pb2.MediaDownloadPolicy, _Mapping]] = ..., send_rate_per_minute: _Optional[int] = ..., call_policy: _Optional[_Union[_call_pb2.CallPolicy, _Mapping]] = ..., history_sync: _Optional[_Union[_account_pb2.HistorySyncPolicy, _Mapping]] = ...) -> None: ...

class CreateAccountResponse(_message.Message):
    __slots__ = ["account"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class DeleteAccountRequest(_message.Message):
    __slots__ = ["account_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class DeleteAccountResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DisconnectAccountRequest(_message.Message):
    __slots__ = ["account_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class DisconnectAccountResponse(_message.Message):
    __slots__ = ["account"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ["account_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class GetAccountResponse(_message.Message):
    __slots__ = ["account"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class ListAccountsRequest(_message.Message):
    __slots__ = ["page_size", "page_token"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAccountsResponse(_message.Message):
    __slots__ = ["accounts", "next_page_token"]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[_account_pb2.Account]
    next_page_token: str
    def __init__(self, accounts: _Optional[_Iterable[_Union[_account_pb2.Account, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class LogoutAccountRequest(_message.Message):
    __slots__ = ["account_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class LogoutAccountResponse(_message.Message):
    __slots__ = ["account"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class RequestPairingCodeRequest(_message.Message):
    __slots__ = ["account_id", "phone_number"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    phone_number: str
    def __init__(self, account_id: _Optional[str] = ..., phone_number: _Optional[str] = ...) -> None: ...

class RequestPairingCodeResponse(_message.Message):
    __slots__ = ["pairing_code"]
    PAIRING_CODE_FIELD_NUMBER: _ClassVar[int]
    pairing_code: _account_pb2.PairingCode
    def __init__(self, pairing_code: _Optional[_Union[_account_pb2.PairingCode, _Mapping]] = ...) -> None: ...

class UpdateAccountRequest(_message.Message):
    __slots__ = ["account", "update_mask"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateAccountResponse(_message.Message):
    __slots__ = ["account"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ...) -> None: ...

class WatchAccountRequest(_message.Message):
    __slots__ = ["account_id"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class WatchAccountResponse(_message.Message):
    __slots__ = ["account", "pairing_code", "qr_code"]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    PAIRING_CODE_FIELD_NUMBER: _ClassVar[int]
    QR_CODE_FIELD_NUMBER: _ClassVar[int]
    account: _account_pb2.Account
    pairing_code: _account_pb2.PairingCode
    qr_code: _account_pb2.QrCode
    def __init__(self, account: _Optional[_Union[_account_pb2.Account, _Mapping]] = ..., qr_code: _Optional[_Union[_account_pb2.QrCode, _Mapping]] = ..., pairing_code: _Optional[_Union[_account_pb2.PairingCode, _Mapping]] = ...) -> None: ...
