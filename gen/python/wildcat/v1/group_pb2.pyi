from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from wildcat.v1 import jid_pb2 as _jid_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
GROUP_MEMBER_ADD_MODE_ADMINS: GroupMemberAddMode
GROUP_MEMBER_ADD_MODE_ALL_MEMBERS: GroupMemberAddMode
GROUP_MEMBER_ADD_MODE_UNSPECIFIED: GroupMemberAddMode
GROUP_PARTICIPANT_ROLE_ADMIN: GroupParticipantRole
GROUP_PARTICIPANT_ROLE_MEMBER: GroupParticipantRole
GROUP_PARTICIPANT_ROLE_SUPER_ADMIN: GroupParticipantRole
GROUP_PARTICIPANT_ROLE_UNSPECIFIED: GroupParticipantRole

class Group(_message.Message):
    __slots__ = ["account_id", "community_jid", "create_time", "description", "is_community", "is_member", "jid", "owner", "participants", "settings", "subject", "update_time"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_JID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    IS_COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    IS_MEMBER_FIELD_NUMBER: _ClassVar[int]
    JID_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    community_jid: str
    create_time: _timestamp_pb2.Timestamp
    description: str
    is_community: bool
    is_member: bool
    jid: str
    owner: _jid_pb2.Jid
    participants: _containers.RepeatedCompositeFieldContainer[GroupParticipant]
    settings: GroupSettings
    subject: str
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, jid: _Optional[str] = ..., subject: _Optional[str] = ..., description: _Optional[str] = ..., owner: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., settings: _Optional[_Union[GroupSettings, _Mapping]] = ..., participants: _Optional[_Iterable[_Union[GroupParticipant, _Mapping]]] = ..., is_member: bool = ..., account_id: _Optional[str] = ..., update_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., is_community: bool = ..., community_jid: _Optional[str] = ...) -> None: ...

class GroupParticipant(_message.Message):
    __slots__ = ["jid", "role"]
    JID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    jid: _jid_pb2.Jid
    role: GroupParticipantRole
    def __init__(self, jid: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., role: _Optional[_Union[GroupParticipantRole, str]] = ...) -> None: ...

class GroupSettings(_message.Message):
    __slots__ = ["announce", "ephemeral_seconds", "join_approval", "locked", "member_add_mode"]
    ANNOUNCE_FIELD_NUMBER: _ClassVar[int]
    EPHEMERAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    JOIN_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    LOCKED_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ADD_MODE_FIELD_NUMBER: _ClassVar[int]
    announce: bool
    ephemeral_seconds: int
    join_approval: bool
    locked: bool
    member_add_mode: GroupMemberAddMode
    def __init__(self, announce: bool = ..., locked: bool = ..., member_add_mode: _Optional[_Union[GroupMemberAddMode, str]] = ..., join_approval: bool = ..., ephemeral_seconds: _Optional[int] = ...) -> None: ...

class GroupMemberAddMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class GroupParticipantRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
