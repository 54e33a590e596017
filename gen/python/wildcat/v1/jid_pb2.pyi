from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class Jid(_message.Message):
    __slots__ = ["jid", "lid_jid", "pn_jid"]
    JID_FIELD_NUMBER: _ClassVar[int]
    LID_JID_FIELD_NUMBER: _ClassVar[int]
    PN_JID_FIELD_NUMBER: _ClassVar[int]
    jid: str
    lid_jid: str
    pn_jid: str
    def __init__(self, jid: _Optional[str] = ..., pn_jid: _Optional[str] = ..., lid_jid: _Optional[str] = ...) -> None: ...
