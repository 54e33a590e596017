from google.api import annotations_pb2 as _annotations_pb2
from wildcat.v1 import cluster_pb2 as _cluster_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListPeersRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ListPeersResponse(_message.Message):
    __slots__ = ["cluster_mode", "peers"]
    CLUSTER_MODE_FIELD_NUMBER: _ClassVar[int]
    PEERS_FIELD_NUMBER: _ClassVar[int]
    cluster_mode: bool
    peers: _containers.RepeatedCompositeFieldContainer[_cluster_pb2.Peer]
    def __init__(self, cluster_mode: bool = ..., peers: _Optional[_Iterable[_Union[_cluster_pb2.Peer, _Mapping]]] = ...) -> None: ...
