from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CODEC_JSON: Codec
CODEC_PROTO: Codec
CODEC_TEXT: Codec
CODEC_UNSPECIFIED: Codec
CODE_ABORTED: Code
CODE_ALREADY_EXISTS: Code
CODE_CANCELED: Code
CODE_DATA_LOSS: Code
CODE_DEADLINE_EXCEEDED: Code
CODE_FAILED_PRECONDITION: Code
CODE_INTERNAL: Code
CODE_INVALID_ARGUMENT: Code
CODE_NOT_FOUND: Code
CODE_OUT_OF_RANGE: Code
CODE_PERMISSION_DENIED: Code
CODE_RESOURCE_EXHAUSTED: Code
CODE_UNAUTHENTICATED: Code
CODE_UNAVAILABLE: Code
CODE_UNIMPLEMENTED: Code
CODE_UNKNOWN: Code
CODE_UNSPECIFIED: Code
COMPRESSION_BR: Compression
COMPRESSION_DEFLATE: Compression
COMPRESSION_GZIP: Compression
COMPRESSION_IDENTITY: Compression
COMPRESSION_SNAPPY: Compression
COMPRESSION_UNSPECIFIED: Compression
COMPRESSION_ZSTD: Compression
DESCRIPTOR: _descriptor.FileDescriptor
HTTP_VERSION_1: HTTPVersion
HTTP_VERSION_2: HTTPVersion
HTTP_VERSION_3: HTTPVersion
HTTP_VERSION_UNSPECIFIED: HTTPVersion
PROTOCOL_CONNECT: Protocol
PROTOCOL_GRPC: Protocol
PROTOCOL_GRPC_WEB: Protocol
PROTOCOL_UNSPECIFIED: Protocol
STREAM_TYPE_CLIENT_STREAM: StreamType
STREAM_TYPE_FULL_DUPLEX_BIDI_STREAM: StreamType
STREAM_TYPE_HALF_DUPLEX_BIDI_STREAM: StreamType
STREAM_TYPE_SERVER_STREAM: StreamType
STREAM_TYPE_UNARY: StreamType
STREAM_TYPE_UNSPECIFIED: StreamType

class Config(_message.Message):
    __slots__ = ["exclude_cases", "features", "include_cases"]
    EXCLUDE_CASES_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CASES_FIELD_NUMBER: _ClassVar[int]
    exclude_cases: _containers.RepeatedCompositeFieldContainer[ConfigCase]
    features: Features
    include_cases: _containers.RepeatedCompositeFieldContainer[ConfigCase]
    def __init__(self, features: _Optional[_Union[Features, _Mapping]] = ..., include_cases: _Optional[_Iterable[_Union[ConfigCase, _Mapping]]] = ..., exclude_cases: _Optional[_Iterable[_Union[ConfigCase, _Mapping]]] = ...) -> None: ...

class ConfigCase(_message.Message):
    __slots__ = ["codec", "compression", "protocol", "stream_type", "use_message_receive_limit", "use_tls", "use_tls_client_certs", "version"]
    CODEC_FIELD_NUMBER: _ClassVar[int]
    COMPRESSION_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    STREAM_TYPE_FIELD_NUMBER: _ClassVar[int]
    USE_MESSAGE_RECEIVE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    USE_TLS_CLIENT_CERTS_FIELD_NUMBER: _ClassVar[int]
    USE_TLS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    codec: Codec
    compression: Compression
    protocol: Protocol
    stream_type: StreamType
    use_message_receive_limit: bool
    use_tls: bool
    use_tls_client_certs: bool
    version: HTTPVersion
    def __init__(self, version: _Optional[_Union[HTTPVersion, str]] = ..., protocol: _Optional[_Union[Protocol, str]] = ..., codec: _Optional[_Union[Codec, str]] = ..., compression: _Optional[_Union[Compression, str]] = ..., stream_type: _Optional[_Union[StreamType, str]] = ..., use_tls: bool = ..., use_tls_client_certs: bool = ..., use_message_receive_limit: bool = ...) -> None: ...

class Features(_message.Message):
    __slots__ = ["codecs", "compressions", "protocols", "stream_types", "supports_connect_get", "supports_h2c", "supports_half_duplex_bidi_over_http1", "supports_message_receive_limit", "supports_tls", "supports_tls_client_certs", "supports_trailers", "versions"]
    CODECS_FIELD_NUMBER: _ClassVar[int]
    COMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    PROTOCOLS_FIELD_NUMBER: _ClassVar[int]
    STREAM_TYPES_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_CONNECT_GET_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_H2C_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_HALF_DUPLEX_BIDI_OVER_HTTP1_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_MESSAGE_RECEIVE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_TLS_CLIENT_CERTS_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_TLS_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_TRAILERS_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    codecs: _containers.RepeatedScalarFieldContainer[Codec]
    compressions: _containers.RepeatedScalarFieldContainer[Compression]
    protocols: _containers.RepeatedScalarFieldContainer[Protocol]
    stream_types: _containers.RepeatedScalarFieldContainer[StreamType]
    supports_connect_get: bool
    supports_h2c: bool
    supports_half_duplex_bidi_over_http1: bool
    supports_message_receive_limit: bool
    supports_tls: bool
    supports_tls_client_certs: bool
    supports_trailers: bool
    versions: _containers.RepeatedScalarFieldContainer[HTTPVersion]
    def __init__(self, versions: _Optional[_Iterable[_Union[HTTPVersion, str]]] = ..., protocols: _Optional[_Iterable[_Union[Protocol, str]]] = ..., codecs: _Optional[_Iterable[_Union[Codec, str]]] = ..., compressions: _Optional[_Iterable[_Union[Compression, str]]] = ..., stream_types: _Optional[_Iterable[_Union[StreamType, str]]] = ..., supports_h2c: bool = ..., supports_tls: bool = ..., supports_tls_client_certs: bool = ..., supports_trailers: bool = ..., supports_half_duplex_bidi_over_http1: bool = ..., supports_connect_get: bool = ..., supports_message_receive_limit: bool = ...) -> None: ...

class TLSCreds(_message.Message):
    __slots__ = ["cert", "key"]
    CERT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    cert: bytes
    key: bytes
    def __init__(self, cert: _Optional[bytes] = ..., key: _Optional[bytes] = ...) -> None: ...

class HTTPVersion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Protocol(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Codec(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Compression(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class StreamType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Code(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
