"""AMQP 1.0 value encoder: Python values to bytes (message sections: `section_encoder`).

Values map to AMQP types as described in `types`. The encoder always picks the smallest
encoding, as RabbitMQ and the Java client do: uint0/ulong0, smalluint/smallulong,
smallint/smalllong, true/false, list0, and the 8-bit forms of binary, string, symbol, list, map
and array when they fit. Inside arrays it writes fixed-size types with their full-width
constructor, variable-size types with the 8-bit form when every item fits, and lists, maps and
arrays with their 32-bit forms (as RabbitMQ does).

Functions here raise `AmqpEncodeError` or one of `ENCODE_ERRORS` on bad values; the entry
points (`encode_value`, `encode_amqp`) turn the latter into `AmqpEncodeError`.
"""

from __future__ import annotations

import datetime
import struct
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from .errors import AmqpEncodeError
from .types import (
    AmqpSequence,
    Array,
    Byte,
    Char,
    DataSections,
    Decimal32,
    Decimal64,
    Decimal128,
    Described,
    Double,
    Float,
    Int,
    Long,
    SequenceSections,
    Short,
    Symbol,
    Timestamp,
    UByte,
    UInt,
    ULong,
    UShort,
)

# The building blocks are shared with section_encoder; `encode_value` is the public entry.
__all__ = ["ENCODE_ERRORS", "Encoder", "encode", "encode_value"]

# What bad values make the encoders raise, besides AmqpEncodeError; the entry points turn
# these into AmqpEncodeError (RecursionError: a list that contains itself).
ENCODE_ERRORS = (struct.error, UnicodeEncodeError, OverflowError, TypeError, RecursionError)

Encoder = Callable[[Any], bytes]

U8 = tuple(bytes((n,)) for n in range(256))
_pack_u8 = struct.Struct(">B").pack
_pack_u16 = struct.Struct(">H").pack
_pack_u32 = struct.Struct(">I").pack
_pack_u64 = struct.Struct(">Q").pack
_pack_i8 = struct.Struct(">b").pack
_pack_i16 = struct.Struct(">h").pack
_pack_i32 = struct.Struct(">i").pack
_pack_i64 = struct.Struct(">q").pack
_pack_f32 = struct.Struct(">f").pack
_pack_f64 = struct.Struct(">d").pack
_pack_size_count = struct.Struct(">II").pack

# Constructor and size of the 8-bit forms, by size.
_VBIN8 = tuple(b"\xa0" + size for size in U8)
STR8 = tuple(b"\xa1" + size for size in U8)
_SYM8 = tuple(b"\xa3" + size for size in U8)

_LONG_MIN, _LONG_MAX = Long._min, Long._max
# smalllong and smallint for -128..127, indexed by value + 128.
SMALLLONG = tuple(b"\x55" + _pack_i8(n) for n in range(-128, 128))
_SMALLINT = tuple(b"\x54" + _pack_i8(n) for n in range(-128, 128))


def encode_value(value: Any) -> bytes:
    """The AMQP encoding of one value. Raises AmqpEncodeError."""
    try:
        return encode(value)
    except ENCODE_ERRORS as exc:
        raise AmqpEncodeError(f"cannot encode {value!r}: {exc}") from exc


def encode(value: Any) -> bytes:
    try:
        encoder = ENCODERS[type(value)]
    except KeyError:
        encoder = encoder_for_subclass(value)
    return encoder(value)


def encoder_for_subclass(value: Any) -> Encoder:
    """Subclasses (an IntEnum, an OrderedDict...) encode as their nearest known base."""
    for base in type(value).__mro__[1:]:
        encoder = ENCODERS.get(base)
        if encoder is not None:
            return encoder
    raise AmqpEncodeError(f"no AMQP type for {type(value).__name__}: {value!r}")


# --- primitives ---------------------------------------------------------------------------


def encode_null(value: None) -> bytes:
    return b"\x40"


def encode_boolean(value: bool) -> bytes:
    return b"\x41" if value else b"\x42"


def encode_long(value: int) -> bytes:
    if -128 <= value <= 127:
        return SMALLLONG[value + 128]
    if not _LONG_MIN <= value <= _LONG_MAX:
        raise AmqpEncodeError(f"int out of the AMQP long range: {value} (use ULong?)")
    return b"\x81" + _pack_i64(value)


def encode_int(value: int) -> bytes:
    if -128 <= value <= 127:
        return _SMALLINT[value + 128]
    return b"\x71" + _pack_i32(value)


def encode_uint(value: int) -> bytes:
    if value == 0:
        return b"\x43"
    if 0 < value < 256:
        return b"\x52" + U8[value]
    return b"\x70" + _pack_u32(value)


def encode_ulong(value: int) -> bytes:
    if value == 0:
        return b"\x44"
    if 0 < value < 256:
        return b"\x53" + U8[value]
    return b"\x80" + _pack_u64(value)


def encode_ubyte(value: int) -> bytes:
    return b"\x50" + _pack_u8(value)


def encode_ushort(value: int) -> bytes:
    return b"\x60" + _pack_u16(value)


def encode_byte(value: int) -> bytes:
    return b"\x51" + _pack_i8(value)


def encode_short(value: int) -> bytes:
    return b"\x61" + _pack_i16(value)


def encode_float(value: float) -> bytes:
    return b"\x72" + _pack_f32(value)


def encode_double(value: float) -> bytes:
    return b"\x82" + _pack_f64(value)


def encode_char(value: str) -> bytes:
    return b"\x73" + _pack_u32(ord(value))


def encode_timestamp(value: int) -> bytes:
    return b"\x83" + _pack_i64(value)


def encode_datetime(value: datetime.datetime) -> bytes:
    return b"\x83" + _pack_i64(Timestamp.from_datetime(value))


def encode_uuid(value: uuid.UUID) -> bytes:
    return b"\x98" + value.bytes


def _decimal_encoder(code: bytes, size: int) -> Encoder:
    def encode(value: bytes) -> bytes:
        if len(value) != size:
            raise AmqpEncodeError(f"decimal of {size} bytes expected, got {len(value)}")
        return code + bytes(value)

    return encode


def encode_binary(value: bytes) -> bytes:
    size = len(value)
    if size < 256:
        return _VBIN8[size] + value
    return b"\xb0" + _pack_u32(size) + value


def encode_binary_like(value: bytearray | memoryview) -> bytes:
    return encode_binary(bytes(value))


def encode_string(value: str) -> bytes:
    data = value.encode()
    size = len(data)
    if size < 256:
        return STR8[size] + data
    return b"\xb1" + _pack_u32(size) + data


def encode_symbol(value: str) -> bytes:
    encoded = SYMBOLS.get(value)
    if encoded is None:
        encoded = remember(SYMBOLS, value, _symbol_bytes(value))
    return encoded


def _symbol_bytes(value: str) -> bytes:
    data = value.encode("ascii")
    size = len(data)
    if size < 256:
        return _SYM8[size] + data
    return b"\xb3" + _pack_u32(size) + data


# Symbols (annotation keys, content types) and application property keys come from a small
# set in practice, so their encodings are cached. The caches are bounded: past the limit,
# new entries are just not kept.
_CACHE_LIMIT = 4096
_CACHED_LENGTH = 64
SYMBOLS: dict[str, bytes] = {}
APPLICATION_KEYS: dict[str, bytes] = {}


def remember(cache: dict[str, bytes], key: str, encoded: bytes) -> bytes:
    if len(cache) < _CACHE_LIMIT and len(key) <= _CACHED_LENGTH:
        cache[key] = encoded
    return encoded


# --- compound types -----------------------------------------------------------------------


def _compound(payload: bytes, count: int, code8: bytes, code32: bytes) -> bytes:
    """Prefix `payload` with the 8-bit form when both size and count fit in a byte."""
    size = len(payload)
    if count < 255 and size < 255:
        return code8 + U8[size + 1] + U8[count] + payload
    return code32 + _pack_size_count(size + 4, count) + payload


def encode_list(value: list[Any]) -> bytes:
    if not value:
        return b"\x45"
    payload = b"".join([encode(item) for item in value])
    return _compound(payload, len(value), b"\xc0", b"\xd0")


def encode_map(value: dict[Any, Any]) -> bytes:
    parts = []
    for key, item in value.items():
        parts.append(encode(key))
        parts.append(encode(item))
    return _compound(b"".join(parts), len(parts), b"\xc1", b"\xd1")


def encode_described(value: Described) -> bytes:
    return b"\x00" + encode(value.descriptor) + encode(value.value)


def encode_array(value: Array) -> bytes:
    body = _array_body(value)
    count = len(value.items)
    if count < 255 and len(body) < 255:
        return b"\xe0" + U8[len(body) + 1] + U8[count] + body
    return b"\xf0" + _pack_size_count(len(body) + 4, count) + body


def _array_body(value: Array) -> bytes:
    """The element constructor followed by every item's payload (without constructor)."""
    constructor, payloads = _array_payloads(value.element_type, value.items)
    if value.descriptor is not None:
        constructor = b"\x00" + encode(value.descriptor) + constructor
    return constructor + b"".join(payloads)


def _array_payloads(element_type: Any, items: Sequence[Any]) -> tuple[bytes, list[bytes]]:
    fixed = _ARRAY_FIXED.get(element_type)
    if fixed is not None:
        constructor, pack = fixed
        return constructor, [pack(item) for item in items]
    if element_type is None:
        if any(item is not None for item in items):
            raise AmqpEncodeError("an array of nulls holds only None")
        return b"\x40", []
    if element_type in _ARRAY_VARIABLE:
        return _variable_payloads(element_type, items)
    return _compound_payloads(element_type, items)


def _variable_payloads(element_type: Any, items: Sequence[Any]) -> tuple[bytes, list[bytes]]:
    codes, convert = _ARRAY_VARIABLE[element_type]
    datas = [convert(item) for item in items]
    if all(len(data) < 256 for data in datas):
        return codes[0], [U8[len(data)] + data for data in datas]
    return codes[1], [_pack_u32(len(data)) + data for data in datas]


def _compound_payloads(element_type: Any, items: Sequence[Any]) -> tuple[bytes, list[bytes]]:
    """Lists, maps and arrays inside an array: 32-bit forms, constructor byte dropped."""
    kind: type
    if element_type is list:
        constructor, kind = b"\xd0", list
    elif element_type is dict:
        constructor, kind = b"\xd1", dict
    else:
        constructor, kind = b"\xf0", Array
    payloads = []
    for item in items:
        if not isinstance(item, kind):
            raise AmqpEncodeError(f"array of {kind.__name__} holds {item!r}")
        payloads.append(_compound32_payload(item))
    return constructor, payloads


def _compound32_payload(item: list[Any] | dict[Any, Any] | Array) -> bytes:
    if isinstance(item, Array):
        body = _array_body(item)
        count = len(item.items)
    elif isinstance(item, dict):
        body = b"".join([encode(key) + encode(value) for key, value in item.items()])
        count = 2 * len(item)
    else:
        body = b"".join([encode(element) for element in item])
        count = len(item)
    return _pack_size_count(len(body) + 4, count) + body


def _fixed_decimal(size: int) -> Callable[[bytes], bytes]:
    def pack(value: bytes) -> bytes:
        if len(value) != size:
            raise AmqpEncodeError(f"decimal of {size} bytes expected, got {len(value)}")
        return bytes(value)

    return pack


def _pack_timestamp(value: int | datetime.datetime) -> bytes:
    if isinstance(value, datetime.datetime):
        value = Timestamp.from_datetime(value)
    return _pack_i64(value)


def _pack_bool(value: bool) -> bytes:
    if type(value) is not bool:
        raise AmqpEncodeError(f"array of bool holds {value!r}")
    return b"\x01" if value else b"\x00"


def _pack_char(value: str) -> bytes:
    return _pack_u32(ord(value))


def _pack_uuid(value: uuid.UUID) -> bytes:
    return value.bytes


# element type -> (constructor, payload packer)
_ARRAY_FIXED: dict[Any, tuple[bytes, Callable[[Any], bytes]]] = {
    bool: (b"\x56", _pack_bool),
    UByte: (b"\x50", _pack_u8),
    UShort: (b"\x60", _pack_u16),
    UInt: (b"\x70", _pack_u32),
    ULong: (b"\x80", _pack_u64),
    Byte: (b"\x51", _pack_i8),
    Short: (b"\x61", _pack_i16),
    Int: (b"\x71", _pack_i32),
    Long: (b"\x81", _pack_i64),
    Float: (b"\x72", _pack_f32),
    Double: (b"\x82", _pack_f64),
    Char: (b"\x73", _pack_char),
    Timestamp: (b"\x83", _pack_timestamp),
    uuid.UUID: (b"\x98", _pack_uuid),
    Decimal32: (b"\x74", _fixed_decimal(4)),
    Decimal64: (b"\x84", _fixed_decimal(8)),
    Decimal128: (b"\x94", _fixed_decimal(16)),
}


def _to_binary(value: bytes | bytearray | memoryview) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise AmqpEncodeError(f"array of bytes holds {value!r}")
    return bytes(value)


# element type -> ((8-bit constructor, 32-bit constructor), item -> bytes)
_ARRAY_VARIABLE: dict[Any, tuple[tuple[bytes, bytes], Callable[[Any], bytes]]] = {
    bytes: ((b"\xa0", b"\xb0"), _to_binary),
    str: ((b"\xa1", b"\xb1"), str.encode),
    Symbol: ((b"\xa3", b"\xb3"), lambda value: str.encode(value, "ascii")),
}

ENCODERS: dict[type, Encoder] = {
    type(None): encode_null,
    bool: encode_boolean,
    int: encode_long,
    float: encode_double,
    str: encode_string,
    bytes: encode_binary,
    bytearray: encode_binary_like,
    memoryview: encode_binary_like,
    list: encode_list,
    tuple: encode_list,
    dict: encode_map,
    UByte: encode_ubyte,
    UShort: encode_ushort,
    UInt: encode_uint,
    ULong: encode_ulong,
    Byte: encode_byte,
    Short: encode_short,
    Int: encode_int,
    Long: encode_long,
    Float: encode_float,
    Double: encode_double,
    Char: encode_char,
    Timestamp: encode_timestamp,
    datetime.datetime: encode_datetime,
    uuid.UUID: encode_uuid,
    Symbol: encode_symbol,
    Decimal32: _decimal_encoder(b"\x74", 4),
    Decimal64: _decimal_encoder(b"\x84", 8),
    Decimal128: _decimal_encoder(b"\x94", 16),
    Described: encode_described,
    Array: encode_array,
    AmqpSequence: encode_list,
    DataSections: encode_list,
    SequenceSections: encode_list,
}
