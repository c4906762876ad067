"""AMQP 1.0 decoder: bytes to Python values and message sections.

Values decode as described in `types`: natural Python types where they keep the AMQP type,
wrappers (UByte, Symbol, Timestamp...) otherwise. Every encoding of every type is accepted.

Untrusted input is expected. Whatever the bytes, decoding either returns or raises
`AmqpDecodeError`, never anything else:

* every length and count is checked against the bytes that remain before anything is read;
* a list, map or array must hold exactly the bytes its size announces;
* nesting (compound and described values) is capped at `MAX_DEPTH`;
* nothing is allocated beyond the input's size: each item costs at least one input byte,
  except items of zero-width array elements (null, true, false, uint0, ulong0, list0), whose
  total per decoded value is capped at the input's length, or `MIN_ZERO_WIDTH_BUDGET` for
  short inputs.

Message sections are read by `section_decoder`, on top of `read_value`.

The readers below get the position just after the constructor byte and return
``(value, next_position)``. They may raise IndexError, struct.error, UnicodeDecodeError,
ValueError or TypeError (an unhashable map key) on bad input; the entry points turn those into
`AmqpDecodeError`.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable
from typing import Any, NoReturn

from .constants import (
    MAX_DEPTH,
    MIN_ZERO_WIDTH_BUDGET,
)
from .errors import AmqpDecodeError
from .types import (
    Array,
    Byte,
    Char,
    Decimal32,
    Decimal64,
    Decimal128,
    Described,
    Float,
    Int,
    Long,
    Short,
    Symbol,
    Timestamp,
    UByte,
    UInt,
    ULong,
    UShort,
)

__all__ = ["DECODE_ERRORS", "decode_value", "fail", "read_value"]

# A reader: (data, position after the constructor, depth, budget) -> (value, next position).
# `budget` is a one-item list: how many zero-width array items may still be made.
Reader = Callable[[bytes, int, int, list[int]], tuple[Any, int]]

# What bad input can make the readers raise; entry points turn these into AmqpDecodeError.
DECODE_ERRORS = (IndexError, struct.error, ValueError, TypeError, OverflowError)

_unpack_u16 = struct.Struct(">H").unpack_from
_unpack_u32 = struct.Struct(">I").unpack_from
_unpack_u64 = struct.Struct(">Q").unpack_from
_unpack_i16 = struct.Struct(">h").unpack_from
_unpack_i32 = struct.Struct(">i").unpack_from
_unpack_i64 = struct.Struct(">q").unpack_from
_unpack_f32 = struct.Struct(">f").unpack_from
_unpack_f64 = struct.Struct(">d").unpack_from
_unpack_size_count = struct.Struct(">II").unpack_from

# Wrappers are made without their range check: the wire width already bounds the value.
_new_int = int.__new__
_new_str = str.__new__
_new_bytes = bytes.__new__


def fail(reason: str) -> NoReturn:
    raise AmqpDecodeError(reason)


def decode_value(data: bytes) -> Any:
    """Decode the one AMQP value that fills `data`. Raises AmqpDecodeError."""
    data = bytes(data)
    try:
        value, end = read_value(data, 0, 0, [zero_width_budget(len(data))])
    except DECODE_ERRORS as exc:
        raise AmqpDecodeError(f"malformed AMQP value: {exc}") from exc
    if end != len(data):
        fail(f"{len(data) - end} bytes left after the AMQP value")
    return value


def zero_width_budget(size: int) -> int:
    """How many zero-width array items a value decoded from `size` bytes may hold."""
    return max(size, MIN_ZERO_WIDTH_BUDGET)


def read_value(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    """Read the value at `position`, constructor included: (value, next position).

    `budget` is how many zero-width array items may still be made (see the module docstring);
    raises what the module docstring says, which callers turn into AmqpDecodeError.
    """
    return _READERS[data[position]](data, position + 1, depth, budget)


# --- fixed-width primitives ---------------------------------------------------------------


def _null(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    return None, position


def _true(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    return True, position


def _false(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    return False, position


def _boolean(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    byte = data[position]
    if byte > 1:
        fail(f"boolean byte must be 0 or 1, got {byte}")
    return byte == 1, position + 1


def _uint0(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    return _new_int(UInt, 0), position


def _ulong0(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    return _new_int(ULong, 0), position


def _list0(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    return [], position


def _ubyte(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    return _new_int(UByte, data[position]), position + 1


def _smalluint(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    return _new_int(UInt, data[position]), position + 1


def _smallulong(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    return _new_int(ULong, data[position]), position + 1


def _signed_byte(data: bytes, position: int) -> int:
    byte = data[position]
    return byte - 256 if byte > 127 else byte


def _byte(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    return _new_int(Byte, _signed_byte(data, position)), position + 1


def _smallint(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    return _new_int(Int, _signed_byte(data, position)), position + 1


def _smalllong(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    return _signed_byte(data, position), position + 1


def _unpacked(
    unpack: Callable[[bytes, int], tuple[Any, ...]], size: int, wrap: Callable[[Any], Any]
) -> Reader:
    """A reader of a fixed-size value: unpack `size` bytes, then `wrap` the number."""

    def read(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
        return wrap(unpack(data, position)[0]), position + size

    return read


def _as(kind: Any) -> Callable[[Any], Any]:
    if issubclass(kind, float):
        return lambda number: float.__new__(kind, number)
    return lambda number: _new_int(kind, number)


def _plain(value: Any) -> Any:
    return value


def _char(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    return _new_str(Char, chr(_unpack_u32(data, position)[0])), position + 4


def _uuid(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    end = _end(data, position, 16)
    return uuid.UUID(bytes=data[position:end]), end


def _decimal(kind: type, size: int) -> Reader:
    def read(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
        end = _end(data, position, size)
        return _new_bytes(kind, data[position:end]), end

    return read


def _end(data: bytes, start: int, size: int) -> int:
    """Where `size` bytes from `start` end, if they are all there."""
    end = start + size
    if end > len(data):
        fail(f"{size} bytes announced at offset {start}, only {len(data) - start} left")
    return end


# --- variable-width primitives ------------------------------------------------------------


# The bounds checks are written out (not calls to `_end`): these are the hottest readers.


def _vbin8(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    end = position + 1 + data[position]
    if end > len(data):
        _short(data, position)
    return data[position + 1 : end], end


def _vbin32(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    end = position + 4 + _unpack_u32(data, position)[0]
    if end > len(data):
        _short(data, position)
    return data[position + 4 : end], end


def _str8(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    end = position + 1 + data[position]
    if end > len(data):
        _short(data, position)
    return data[position + 1 : end].decode(), end


def _str32(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    end = position + 4 + _unpack_u32(data, position)[0]
    if end > len(data):
        _short(data, position)
    return data[position + 4 : end].decode(), end


def _sym8(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    end = position + 1 + data[position]
    if end > len(data):
        _short(data, position)
    return _new_str(Symbol, data[position + 1 : end].decode("ascii")), end


def _sym32(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    end = position + 4 + _unpack_u32(data, position)[0]
    if end > len(data):
        _short(data, position)
    return _new_str(Symbol, data[position + 4 : end].decode("ascii")), end


def _short(data: bytes, position: int) -> NoReturn:
    fail(f"value at offset {position - 1} runs past the end of the data")


# --- compound types -----------------------------------------------------------------------


def _check_compound(data: bytes, position: int, end: int, count: int, depth: int) -> None:
    """Refuse a compound whose items cannot fit, that runs past the data, or nests too deep."""
    if end > len(data):
        fail(f"compound of {end - position} bytes runs past the end of the data")
    if count > end - position:  # each item takes a byte at least (also catches size < count)
        fail(f"{count} items cannot fit in {end - position} bytes")
    if depth >= MAX_DEPTH:
        fail(f"values nested deeper than {MAX_DEPTH}")


# The list and map loops read null and str8 inline: they fill most lists and maps of a
# message. An inline str8's length is not checked on the spot: a string running past `end`
# fails the check at the end of the loop (and a slice never reads past the data).


def _items(
    data: bytes, position: int, end: int, count: int, depth: int, budget: list[int]
) -> list[Any]:
    """`count` values that must fill [position, end) exactly."""
    _check_compound(data, position, end, count, depth)
    depth += 1
    items: list[Any] = []
    append = items.append
    readers = _READERS
    for _ in range(count):
        code = data[position]
        if code == 0x40:
            append(None)
            position += 1
        elif code == 0xA1:
            start = position + 2
            position = start + data[position + 1]
            append(data[start:position].decode())
        elif code == 0xA3:  # sym8: content types in properties
            start = position + 2
            position = start + data[position + 1]
            append(_new_str(Symbol, data[start:position].decode("ascii")))
        else:
            item, position = readers[code](data, position + 1, depth, budget)
            append(item)
    if position != end:
        fail("compound size does not match its items")
    return items


def _pairs(
    data: bytes, position: int, end: int, count: int, depth: int, budget: list[int]
) -> dict[Any, Any]:
    """`count` / 2 key-value pairs that must fill [position, end) exactly."""
    _check_compound(data, position, end, count, depth)
    if count & 1:
        fail("map with an odd number of items")
    depth += 1
    pairs: dict[Any, Any] = {}
    readers = _READERS
    for _ in range(count >> 1):
        code = data[position]
        if code == 0xA1:
            start = position + 2
            position = start + data[position + 1]
            key = data[start:position].decode()
        else:
            key, position = readers[code](data, position + 1, depth, budget)
        code = data[position]
        if code == 0xA1:
            start = position + 2
            position = start + data[position + 1]
            pairs[key] = data[start:position].decode()
        elif code == 0x40:
            pairs[key] = None
            position += 1
        else:
            pairs[key], position = readers[code](data, position + 1, depth, budget)
    if position != end:
        fail("compound size does not match its items")
    return pairs


# In the 8-bit forms the size byte counts the count byte; in the 32-bit forms, the 4 bytes
# of the count.


def _list8(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    end = position + 1 + data[position]
    return _items(data, position + 2, end, data[position + 1], depth, budget), end


def _list32(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    size, count = _unpack_size_count(data, position)
    end = position + 4 + size
    return _items(data, position + 8, end, count, depth, budget), end


def _map8(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    end = position + 1 + data[position]
    return _pairs(data, position + 2, end, data[position + 1], depth, budget), end


def _map32(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    size, count = _unpack_size_count(data, position)
    end = position + 4 + size
    return _pairs(data, position + 8, end, count, depth, budget), end


def _described(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    if depth >= MAX_DEPTH:
        fail(f"values nested deeper than {MAX_DEPTH}")
    descriptor, position = read_value(data, position, depth + 1, budget)
    value, position = read_value(data, position, depth + 1, budget)
    return Described(descriptor, value), position


def _array8(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    end = position + 1 + data[position]
    return _array(data, position + 2, end, data[position + 1], depth, budget), end


def _array32(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    size, count = _unpack_size_count(data, position)
    end = position + 4 + size
    return _array(data, position + 8, end, count, depth, budget), end


def _array(
    data: bytes, position: int, end: int, count: int, depth: int, budget: list[int]
) -> Array:
    if end > len(data):
        fail(f"array of {end - position} bytes runs past the end of the data")
    if depth >= MAX_DEPTH:
        fail(f"values nested deeper than {MAX_DEPTH}")
    descriptor = None
    if position < end and data[position] == 0x00:
        descriptor, position = read_value(data, position + 1, depth + 1, budget)
    if position >= end:
        fail("array without an element constructor")
    code = data[position]
    element_type = _ELEMENT_TYPES.get(code, _NOT_AN_ELEMENT)
    if element_type is _NOT_AN_ELEMENT:
        fail(f"0x{code:02x} cannot be an array element constructor")
    _charge(count, end - position - 1, code, budget)
    reader = _READERS[code]
    items = []
    position += 1
    depth += 1
    for _ in range(count):
        item, position = reader(data, position, depth, budget)
        items.append(item)
    if position != end:
        fail("array size does not match its items")
    return Array(element_type, tuple(items), descriptor)


def _charge(count: int, room: int, code: int, budget: list[int]) -> None:
    """Refuse counts the bytes cannot hold; zero-width items draw on the budget instead."""
    if code in _ZERO_WIDTH:
        if count > budget[0]:
            fail(f"array of {count} zero-width items exceeds the decoding budget")
        budget[0] -= count
    elif count > room:
        fail(f"{count} array items cannot fit in {room} bytes")


def _unknown(data: bytes, position: int, depth: int, budget: list[int]) -> tuple[Any, int]:
    fail(f"unknown AMQP constructor 0x{data[position - 1]:02x} at offset {position - 1}")


_READERS: list[Reader] = [_unknown] * 256
_READERS[0x00] = _described
_READERS[0x40] = _null
_READERS[0x41] = _true
_READERS[0x42] = _false
_READERS[0x43] = _uint0
_READERS[0x44] = _ulong0
_READERS[0x45] = _list0
_READERS[0x50] = _ubyte
_READERS[0x51] = _byte
_READERS[0x52] = _smalluint
_READERS[0x53] = _smallulong
_READERS[0x54] = _smallint
_READERS[0x55] = _smalllong
_READERS[0x56] = _boolean
_READERS[0x60] = _unpacked(_unpack_u16, 2, _as(UShort))
_READERS[0x61] = _unpacked(_unpack_i16, 2, _as(Short))
_READERS[0x70] = _unpacked(_unpack_u32, 4, _as(UInt))
_READERS[0x71] = _unpacked(_unpack_i32, 4, _as(Int))
_READERS[0x72] = _unpacked(_unpack_f32, 4, _as(Float))
_READERS[0x73] = _char
_READERS[0x74] = _decimal(Decimal32, 4)
_READERS[0x80] = _unpacked(_unpack_u64, 8, _as(ULong))
_READERS[0x81] = _unpacked(_unpack_i64, 8, _plain)
_READERS[0x82] = _unpacked(_unpack_f64, 8, _plain)
_READERS[0x83] = _unpacked(_unpack_i64, 8, _as(Timestamp))
_READERS[0x84] = _decimal(Decimal64, 8)
_READERS[0x94] = _decimal(Decimal128, 16)
_READERS[0x98] = _uuid
_READERS[0xA0] = _vbin8
_READERS[0xA1] = _str8
_READERS[0xA3] = _sym8
_READERS[0xB0] = _vbin32
_READERS[0xB1] = _str32
_READERS[0xB3] = _sym32
_READERS[0xC0] = _list8
_READERS[0xC1] = _map8
_READERS[0xD0] = _list32
_READERS[0xD1] = _map32
_READERS[0xE0] = _array8
_READERS[0xF0] = _array32

_ZERO_WIDTH = frozenset({0x40, 0x41, 0x42, 0x43, 0x44, 0x45})
_NOT_AN_ELEMENT = object()
# The element type an array constructor stands for (see types.Array).
_ELEMENT_TYPES: dict[int, Any] = {
    0x40: None,
    0x41: bool,
    0x42: bool,
    0x56: bool,
    0x43: UInt,
    0x52: UInt,
    0x70: UInt,
    0x44: ULong,
    0x53: ULong,
    0x80: ULong,
    0x50: UByte,
    0x60: UShort,
    0x51: Byte,
    0x61: Short,
    0x54: Int,
    0x71: Int,
    0x55: Long,
    0x81: Long,
    0x72: Float,
    0x82: float,
    0x73: Char,
    0x83: Timestamp,
    0x98: uuid.UUID,
    0x74: Decimal32,
    0x84: Decimal64,
    0x94: Decimal128,
    0xA0: bytes,
    0xB0: bytes,
    0xA1: str,
    0xB1: str,
    0xA3: Symbol,
    0xB3: Symbol,
    0x45: list,
    0xC0: list,
    0xD0: list,
    0xC1: dict,
    0xD1: dict,
    0xE0: Array,
    0xF0: Array,
}
