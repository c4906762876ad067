"""The codec tables and what every command codec shares (headers, offset specs).

Each frame class has one encoder: frame -> body (key and version included, no size prefix).
Each wire (key, version) pair has one decoder: reader positioned after key and version ->
frame. The `@encodes` and `@decodes` decorators fill the tables at import time and refuse a
second registration, so two codecs can never silently compete for one command.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any, TypeVar

from rstream_core.errors import ProtocolError
from rstream_core.protocol.constants import RESPONSE_BIT, Key, OffsetType
from rstream_core.protocol.frames import CommandVersion, Frame
from rstream_core.protocol.wire import I32, I64, U16, U64, WireReader

F = TypeVar("F")
Decoder = Callable[[WireReader], Frame]

HEADER = struct.Struct(">HH")  # key, version
REQUEST_HEADER = struct.Struct(">HHI")  # key, version, correlation id
RESPONSE_HEADER = struct.Struct(">HHIH")  # key, version, correlation id, code
COMMAND_VERSION = struct.Struct(">HHH")  # key, min version, max version

ENCODERS: dict[type[Any], Callable[[Any], bytes]] = {}
DECODERS: dict[tuple[int, int], tuple[str, Decoder]] = {}


def encodes(cls: type[F]) -> Callable[[Callable[[F], bytes]], Callable[[F], bytes]]:
    def register(encoder: Callable[[F], bytes]) -> Callable[[F], bytes]:
        if cls in ENCODERS:
            raise RuntimeError(f"{cls.__name__} already has an encoder")
        ENCODERS[cls] = encoder
        return encoder

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


def pack_command_versions(commands: tuple[CommandVersion, ...]) -> bytes:
    parts = [
        COMMAND_VERSION.pack(command.key, command.min_version, command.max_version)
        for command in commands
    ]
    return I32.pack(len(parts)) + b"".join(parts)


def read_command_versions(reader: WireReader) -> tuple[CommandVersion, ...]:
    return tuple(
        [
            CommandVersion(key=reader.u16(), min_version=reader.u16(), max_version=reader.u16())
            for _ in range(reader.count(COMMAND_VERSION.size))
        ]
    )
