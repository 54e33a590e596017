from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from wildcat.v1 import group_pb2 as _group_pb2
from wildcat.v1 import jid_pb2 as _jid_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
JOIN_REQUEST_ACTION_APPROVE: JoinRequestAction
JOIN_REQUEST_ACTION_REJECT: JoinRequestAction
JOIN_REQUEST_ACTION_UNSPECIFIED: JoinRequestAction
PARTICIPANT_ACTION_ADD: ParticipantAction
PARTICIPANT_ACTION_DEMOTE: ParticipantAction
PARTICIPANT_ACTION_PROMOTE: ParticipantAction
PARTICIPANT_ACTION_REMOVE: ParticipantAction
PARTICIPANT_ACTION_UNSPECIFIED: ParticipantAction
PARTICIPANT_RESULT_STATUS_CONFLICT: ParticipantResultStatus
PARTICIPANT_RESULT_STATUS_FAILED: ParticipantResultStatus
PARTICIPANT_RESULT_STATUS_NOT_FOUND: ParticipantResultStatus
PARTICIPANT_RESULT_STATUS_OK: ParticipantResultStatus
PARTICIPANT_RESULT_STATUS_RECENTLY_LEFT: ParticipantResultStatus
PARTICIPANT_RESULT_STATUS_REFUSED: ParticipantResultStatus
PARTICIPANT_RESULT_STATUS_UNSPECIFIED: ParticipantResultStatus

class CommunityGroup(_message.Message):
    __slots__ = ["create_time", "jid", "owner_jid", "participant_count", "subject"]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    JID_FIELD_NUMBER: _ClassVar[int]
    OWNER_JID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_COUNT_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    jid: str
    owner_jid: str
    participant_count: int
    subject: str
    def __init__(self, jid: _Optional[str] = ..., subject: _Optional[str] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., owner_jid: _Optional[str] = ..., participant_count: _Optional[int] = ...) -> None: ...

class CreateCommunityRequest(_message.Message):
    __slots__ = ["account_id", "description", "subject"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    description: str
    subject: str
    def __init__(self, account_id: _Optional[str] = ..., subject: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class CreateCommunityResponse(_message.Message):
    __slots__ = ["community"]
    COMMUNITY_FIELD_NUMBER: _ClassVar[int]
    community: _group_pb2.Group
    def __init__(self, community: _Optional[_Union[_group_pb2.Group, _Mapping]] = ...) -> None: ...

class GetGroupRequest(_message.Message):
    __slots__ = ["account_id", "group_jid"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    group_jid: str
    def __init__(self, account_id: _Optional[str] = ..., group_jid: _Optional[str] = ...) -> None: ...

class GetGroupResponse(_message.Message):
    __slots__ = ["group"]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: _group_pb2.Group
    def __init__(self, group: _Optional[_Union[_group_pb2.Group, _Mapping]] = ...) -> None: ...

class GetInviteInfoRequest(_message.Message):
    __slots__ = ["account_id", "invite_code"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    INVITE_CODE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    invite_code: str
    def __init__(self, account_id: _Optional[str] = ..., invite_code: _Optional[str] = ...) -> None: ...

class GetInviteInfoResponse(_message.Message):
    __slots__ = ["group"]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: _group_pb2.Group
    def __init__(self, group: _Optional[_Union[_group_pb2.Group, _Mapping]] = ...) -> None: ...

class GetInviteLinkRequest(_message.Message):
    __slots__ = ["account_id", "group_jid"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    group_jid: str
    def __init__(self, account_id: _Optional[str] = ..., group_jid: _Optional[str] = ...) -> None: ...

class GetInviteLinkResponse(_message.Message):
    __slots__ = ["invite_code", "invite_link"]
    INVITE_CODE_FIELD_NUMBER: _ClassVar[int]
    INVITE_LINK_FIELD_NUMBER: _ClassVar[int]
    invite_code: str
    invite_link: str
    def __init__(self, invite_code: _Optional[str] = ..., invite_link: _Optional[str] = ...) -> None: ...

class GroupServiceCreateGroupRequest(_message.Message):
    __slots__ = ["account_id", "community_jid", "participants", "subject"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_JID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    community_jid: str
    participants: _containers.RepeatedScalarFieldContainer[str]
    subject: str
    def __init__(self, account_id: _Optional[str] = ..., subject: _Optional[str] = ..., participants: _Optional[_Iterable[str]] = ..., community_jid: _Optional[str] = ...) -> None: ...

class GroupServiceCreateGroupResponse(_message.Message):
    __slots__ = ["group"]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: _group_pb2.Group
    def __init__(self, group: _Optional[_Union[_group_pb2.Group, _Mapping]] = ...) -> None: ...

class JoinGroupRequest(_message.Message):
    __slots__ = ["account_id", "invite_code"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    INVITE_CODE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    invite_code: str
    def __init__(self, account_id: _Optional[str] = ..., invite_code: _Optional[str] = ...) -> None: ...

class JoinGroupResponse(_message.Message):
    __slots__ = ["group", "group_jid", "pending_approval"]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    PENDING_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    group: _group_pb2.Group
    group_jid: str
    pending_approval: bool
    def __init__(self, group_jid: _Optional[str] = ..., pending_approval: bool = ..., group: _Optional[_Union[_group_pb2.Group, _Mapping]] = ...) -> None: ...

class JoinRequest(_message.Message):
    __slots__ = ["request_time", "requester"]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_TIME_FIELD_NUMBER: _ClassVar[int]
    request_time: _timestamp_pb2.Timestamp
    requester: _jid_pb2.Jid
    def __init__(self, requester: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., request_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LeaveGroupRequest(_message.Message):
    __slots__ = ["account_id", "group_jid"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    group_jid: str
    def __init__(self, account_id: _Optional[str] = ..., group_jid: _Optional[str] = ...) -> None: ...

class LeaveGroupResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class LinkCommunityGroupRequest(_message.Message):
    __slots__ = ["account_id", "community_jid", "group_jid"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_JID_FIELD_NUMBER: _ClassVar[int]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    community_jid: str
    group_jid: str
    def __init__(self, account_id: _Optional[str] = ..., community_jid: _Optional[str] = ..., group_jid: _Optional[str] = ...) -> None: ...

class LinkCommunityGroupResponse(_message.Message):
    __slots__ = ["group"]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: _group_pb2.Group
    def __init__(self, group: _Optional[_Union[_group_pb2.Group, _Mapping]] = ...) -> None: ...

class ListCommunityGroupsRequest(_message.Message):
    __slots__ = ["account_id", "community_jid"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_JID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    community_jid: str
    def __init__(self, account_id: _Optional[str] = ..., community_jid: _Optional[str] = ...) -> None: ...

class ListCommunityGroupsResponse(_message.Message):
    __slots__ = ["groups"]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[CommunityGroup]
    def __init__(self, groups: _Optional[_Iterable[_Union[CommunityGroup, _Mapping]]] = ...) -> None: ...

class ListGroupsRequest(_message.Message):
    __slots__ = ["account_id", "page_size", "page_token"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    page_size: int
    page_token: str
    def __init__(self, account_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListGroupsResponse(_message.Message):
    __slots__ = ["groups", "next_page_token"]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[_group_pb2.Group]
    next_page_token: str
    def __init__(self, groups: _Optional[_Iterable[_Union[_group_pb2.Group, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListJoinRequestsRequest(_message.Message):
    __slots__ = ["account_id", "group_jid"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    group_jid: str
    def __init__(self, account_id: _Optional[str] = ..., group_jid: _Optional[str] = ...) -> None: ...

class ListJoinRequestsResponse(_message.Message):
    __slots__ = ["requests"]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[JoinRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[JoinRequest, _Mapping]]] = ...) -> None: ...

class ParticipantResult(_message.Message):
    __slots__ = ["jid", "participant", "reason", "status", "whatsapp_code"]
    JID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    WHATSAPP_CODE_FIELD_NUMBER: _ClassVar[int]
    jid: _jid_pb2.Jid
    participant: str
    reason: str
    status: ParticipantResultStatus
    whatsapp_code: int
    def __init__(self, participant: _Optional[str] = ..., jid: _Optional[_Union[_jid_pb2.Jid, _Mapping]] = ..., status: _Optional[_Union[ParticipantResultStatus, str]] = ..., whatsapp_code: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeInviteLinkRequest(_message.Message):
    __slots__ = ["account_id", "group_jid"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    group_jid: str
    def __init__(self, account_id: _Optional[str] = ..., group_jid: _Optional[str] = ...) -> None: ...

class RevokeInviteLinkResponse(_message.Message):
    __slots__ = ["invite_code", "invite_link"]
    INVITE_CODE_FIELD_NUMBER: _ClassVar[int]
    INVITE_LINK_FIELD_NUMBER: _ClassVar[int]
    invite_code: str
    invite_link: str
    def __init__(self, invite_code: _Optional[str] = ..., invite_link: _Optional[str] = ...) -> None: ...

class UnlinkCommunityGroupRequest(_message.Message):
    __slots__ = ["account_id", "community_jid", "group_jid"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_JID_FIELD_NUMBER: _ClassVar[int]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    community_jid: str
    group_jid: str
    def __init__(self, account_id: _Optional[str] = ..., community_jid: _Optional[str] = ..., group_jid: _Optional[str] = ...) -> None: ...

class UnlinkCommunityGroupResponse(_message.Message):
    __slots__ = ["group"]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: _group_pb2.Group
    def __init__(self, group: _Optional[_Union[_group_pb2.Group, _Mapping]] = ...) -> None: ...

class UpdateGroupRequest(_message.Message):
    __slots__ = ["account_id", "group", "update_mask"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    group: _group_pb2.Group
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, account_id: _Optional[str] = ..., group: _Optional[_Union[_group_pb2.Group, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateGroupResponse(_message.Message):
    __slots__ = ["group"]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: _group_pb2.Group
    def __init__(self, group: _Optional[_Union[_group_pb2.Group, _Mapping]] = ...) -> None: ...

class UpdateJoinRequestsRequest(_message.Message):
    __slots__ = ["account_id", "action", "group_jid", "participants"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    action: JoinRequestAction
    group_jid: str
    participants: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, account_id: _Optional[str] = ..., group_jid: _Optional[str] = ..., action: _Optional[_Union[JoinRequestAction, str]] = ..., participants: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateJoinRequestsResponse(_message.Message):
    __slots__ = ["group", "results"]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    group: _group_pb2.Group
    results: _containers.RepeatedCompositeFieldContainer[ParticipantResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ParticipantResult, _Mapping]]] = ..., group: _Optional[_Union[_group_pb2.Group, _Mapping]] = ...) -> None: ...

class UpdateParticipantsRequest(_message.Message):
    __slots__ = ["account_id", "action", "group_jid", "participants"]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    GROUP_JID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    action: ParticipantAction
    group_jid: str
    participants: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, account_id: _Optional[str] = ..., group_jid: _Optional[str] = ..., action: _Optional[_Union[ParticipantAction, str]] = ..., participants: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateParticipantsResponse(_message.Message):
    __slots__ = ["group", "results"]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    group: _group_pb2.Group
    results: _containers.RepeatedCompositeFieldContainer[ParticipantResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ParticipantResult, _Mapping]]] = ..., group: _Optional[_Union[_group_pb2.Group, _Mapping]] = ...) -> None: ...

class ParticipantAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ParticipantResultStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class JoinRequestAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
