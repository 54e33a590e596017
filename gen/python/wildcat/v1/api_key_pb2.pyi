from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

API_KEY_STATE_ACTIVE: ApiKeyState
API_KEY_STATE_EXPIRED: ApiKeyState
API_KEY_STATE_REVOKED: ApiKeyState
API_KEY_STATE_UNSPECIFIED: ApiKeyState
DESCRIPTOR: _descriptor.FileDescriptor
PERMISSION_ACCOUNTS: Permission
PERMISSION_ADMIN: Permission
PERMISSION_READ: Permission
PERMISSION_SEND: Permission
PERMISSION_UNSPECIFIED: Permission
PERMISSION_WEBHOOKS: Permission

class ApiKey(_message.Message):
    __slots__ = ["account_ids", "all_accounts", "create_time", "expire_time", "key_id", "last_used_time", "name", "permissions", "previous_secret_expire_time", "rate_per_second", "revoke_time", "state"]
    ACCOUNT_IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_TIME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SECRET_EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    RATE_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    account_ids: _containers.RepeatedScalarFieldContainer[str]
    all_accounts: bool
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    key_id: str
    last_used_time: _timestamp_pb2.Timestamp
    name: str
    permissions: _containers.RepeatedScalarFieldContainer[Permission]
    previous_secret_expire_time: _timestamp_pb2.Timestamp
    rate_per_second: int
    revoke_time: _timestamp_pb2.Timestamp
    state: ApiKeyState
    def __init__(self, key_id: _Optional[str] = ..., name: _Optional[str] = ..., permissions: _Optional[_Iterable[_Union[Permission, str]]] = ..., all_accounts: bool = ..., account_ids: _Optional[_Iterable[str]] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., rate_per_second: _Optional[int] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[ApiKeyState, str]] = ..., previous_secret_expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Permission(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ApiKeyState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
