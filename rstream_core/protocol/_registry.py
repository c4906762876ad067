"""The codec tables and what every command codec shares (headers, offset specs).

Each frame class has one encoder: frame -> body (key and version included, no size prefix).
A request class registers its key and the encoder of its fields instead (`@encodes_request`),
and its encoder is built from them: so `codec.encode_request` can write the header with the
correlation id the connection allocated, whatever the frame holds. Each wire (key, version)
pair has one decoder: reader positioned after key and version -> frame. The decorators fill
the tables at import time and refuse a second registration, so two codecs can never silently
compete for one command.

The frame modules (`_requests`, `_responses`, `_one_way`) import this one, so it imports no
frame at run time.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar

from rstream_core.errors import ProtocolError
from rstream_core.protocol.constants import RESPONSE_BIT, Key, OffsetType
from rstream_core.protocol.wire import I64, U16, U64, WireReader

if TYPE_CHECKING:
    from rstream_core.protocol.frames import Frame


class _Request(Protocol):
    @property
    def correlation_id(self) -> int: ...


F = TypeVar("F")
Q = TypeVar("Q", bound=_Request)
Decoder: TypeAlias = "Callable[[WireReader], Frame]"

HEADER = struct.Struct(">HH")  # key, version
REQUEST_HEADER = struct.Struct(">HHI")  # key, version, correlation id
RESPONSE_HEADER = struct.Struct(">HHIH")  # key, version, correlation id, code

ENCODERS: dict[type[Any], Callable[[Any], bytes]] = {}
# A request class -> its key and the encoder of its fields (what follows the header).
REQUEST_ENCODERS: dict[type[Any], tuple[Key, Callable[[Any], bytes]]] = {}
DECODERS: dict[tuple[int, int], tuple[str, Decoder]] = {}


def encodes(cls: type[F]) -> Callable[[Callable[[F], bytes]], Callable[[F], bytes]]:
    def register(encoder: Callable[[F], bytes]) -> Callable[[F], bytes]:
        if cls in ENCODERS:
            raise RuntimeError(f"{cls.__name__} already has an encoder")
        ENCODERS[cls] = encoder
        return encoder

    return register


def encodes_request(
    cls: type[Q], key: Key
) -> Callable[[Callable[[Q], bytes]], Callable[[Q], bytes]]:
    """Register a request's fields encoder: its body after key, version and correlation id."""

    def register(fields: Callable[[Q], bytes]) -> Callable[[Q], bytes]:
        encodes(cls)(lambda frame: request_header(key, frame.correlation_id) + fields(frame))
        REQUEST_ENCODERS[cls] = (key, fields)
        return fields

    return register


def command_name(key: int) -> str:
    """E.g. "Subscribe" for 0x0007 and "Subscribe response" for 0x8007."""
    command = key & ~RESPONSE_BIT
    if command in Key._value2member_map_:
        name = Key(command).name.title().replace("_", "")
    else:
        name = f"command 0x{command:04x}"
    return f"{name} response" if key & RESPONSE_BIT else name


def decodes(key: int, version: int = 1) -> Callable[[Decoder], Decoder]:
    """Register the decoder of wire key `key` (response bit included) at `version`."""

    def register(decoder: Decoder) -> Decoder:
        if (key, version) in DECODERS:
            raise RuntimeError(f"key 0x{key:04x} version {version} already has a decoder")
        DECODERS[(key, version)] = (command_name(key), decoder)
        return decoder

    return register


def request_header(key: Key, correlation_id: int) -> bytes:
    return REQUEST_HEADER.pack(key, 1, correlation_id)


def response_header(key: Key, correlation_id: int, code: int) -> bytes:
    return RESPONSE_HEADER.pack(key | RESPONSE_BIT, 1, correlation_id, code)


def pack_offset_spec(offset_type: int, offset: int | None) -> bytes:
    """u16 type, then a u64 offset (type 4) or an i64 timestamp (type 5); nothing otherwise."""
    if offset is None:
        return U16.pack(offset_type)
    if offset_type == OffsetType.OFFSET:
        return U16.pack(offset_type) + U64.pack(offset)
    return U16.pack(offset_type) + I64.pack(offset)


def read_offset_spec(reader: WireReader) -> tuple[int, int | None]:
    offset_type = reader.u16()
    if offset_type == OffsetType.OFFSET:
        return offset_type, reader.u64()
    if offset_type == OffsetType.TIMESTAMP:
        return offset_type, reader.i64()
    if offset_type not in OffsetType._value2member_map_:
        raise ProtocolError(f"unknown offset type {offset_type}")
    return offset_type, None


def read_optional_string_map(reader: WireReader) -> dict[str, str]:
    """A map the sender may leave out entirely when it is empty."""
    return reader.string_map() if reader.remaining() else {}

