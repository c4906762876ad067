"""Fast paths for the two sections a consumer reads most: properties and application properties.

A consumer that reads ``message.properties`` or ``message.application_properties`` pays for
decoding them on every message, so the usual shapes get a decoder of their own: a section with
the smallulong descriptor holding a list8 (properties) or a map8 (application properties)
whose items use the usual constructors. Each item is read by an inline test of its
constructor byte, with no call per item.

Anything else (another descriptor or constructor, an item of another type, and every
malformed input) goes to the generic `section_decoder.decode_section`, which decodes it again
from the start. So a fast path only returns a value when the generic decoder would return the
same one (same types too), and every error is the generic decoder's own `AmqpDecodeError`.
The fast paths check what the generic decoder checks: the items must fill the section
exactly (a string running past the end leaves the position past it), at most 13 properties,
an even count of map items, and valid UTF-8 and ASCII.

An optional C extension (`_speedups`, built when a C compiler is there) does the same for the
most common of those shapes; for anything else it returns NotImplemented and the Python path
below takes over. It is used unless the environment sets RSTREAM_NO_EXTENSIONS; `SPEEDUPS`
says whether it is.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from functools import partial
from types import ModuleType
from typing import Any

from rstream_core.plugin_api import load_extension

from .application_properties import ApplicationProperties
from .decoder import DECODE_ERRORS, read_value
from .errors import AmqpDecodeError
from .section_decoder import decode_section
from .sections import Properties
from .types import Symbol, Timestamp, UByte, UInt, ULong

__all__ = [
    "SECTION_DECODERS",
    "SPEEDUPS",
    "decode_application_properties",
    "decode_properties",
    "python_decode_application_properties",
    "python_decode_properties",
]

_PROPERTIES_SLOT = 3
_APPLICATION_PROPERTIES_SLOT = 4
_PROPERTIES_COUNT = 13

_new_int = int.__new__
_new_str = str.__new__
_unpack_i64 = struct.Struct(">q").unpack_from
_unpack_f64 = struct.Struct(">d").unpack_from
_NO_FIELDS = (None,) * _PROPERTIES_COUNT
# Whatever goes wrong in a fast path, the generic decoder decodes the section again: it
# raises its own error (or, for what the fast path does not handle, decodes it).
_FALL_BACK = (*DECODE_ERRORS, AmqpDecodeError)

# The constructors of the simple (not compound, not described) types. Their generic readers
# read nothing but the value itself: no nesting, and no use of the zero-width budget.
_SIMPLE_CODES = frozenset(
    {
        *(0x40, 0x41, 0x42, 0x43, 0x44),  # null, true, false, uint0, ulong0
        *(0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x60, 0x61),
        *(0x70, 0x71, 0x72, 0x73, 0x74, 0x80, 0x81, 0x82, 0x83, 0x84, 0x94, 0x98),
        *(0xA0, 0xA1, 0xA3, 0xB0, 0xB1, 0xB3),  # binary, string, symbol
    }
)
# In properties, a long (a plain int) is left to the generic decoder: it wraps it in Long
# where the field has another numeric type.
_PROPERTY_CODES = _SIMPLE_CODES - {0x55, 0x81}
_NO_BUDGET = [0]  # for the readers of simple types, which never use it

# Symbols (content types and encodings) come from a small set: each is decoded once and then
# found by its bytes. Bounded as the encoder's caches are: past the limit, new ones are not kept.
_SYMBOLS: dict[bytes, Symbol] = {}
_SYMBOLS_LIMIT = 4096
_SYMBOL_CACHED_LENGTH = 64


def _new_symbol(raw: bytes) -> Symbol:
    symbol = _new_str(Symbol, raw.decode("ascii"))
    if len(_SYMBOLS) < _SYMBOLS_LIMIT and len(raw) <= _SYMBOL_CACHED_LENGTH:
        _SYMBOLS[raw] = symbol
    return symbol


def python_decode_properties(data: bytes, where: tuple[int, int]) -> Properties:
    """The properties section at `where` (as `scan_message` found it). Raises AmqpDecodeError.

    Read inline: a list8 whose fields are of the usual types (null, string, symbol,
    smallulong, timestamp); the other simple types by their generic reader. A long (a plain
    int) goes to the generic decoder, which wraps it in Long where the field is numeric.
    """
    start, end = where
    try:
        # `00 53 73 c0`: the smallulong descriptor and a list8 (scan_message checked the rest)
        if data[start + 3] == 0xC0 and data[start + 1] == 0x53 and data[start + 5] <= 13:
            fields: list[Any] = list(_NO_FIELDS)
            index = 0
            position = start + 6
            while position < end:
                code = data[position]
                if code == 0x40:  # most fields are null: skip a run of them at once
                    run = data[position:end]
                    nulls = len(run) - len(run.lstrip(b"\x40"))
                    position += nulls
                    index += nulls
                    continue
                if code == 0xA1:  # str8
                    first = position + 2
                    position = first + data[position + 1]
                    fields[index] = data[first:position].decode()
                elif code == 0xA3:  # sym8
                    first = position + 2
                    position = first + data[position + 1]
                    raw = data[first:position]
                    fields[index] = _SYMBOLS.get(raw) or _new_symbol(raw)
                elif code == 0x53:  # smallulong
                    fields[index] = _new_int(ULong, data[position + 1])
                    position += 2
                elif code == 0x83:  # timestamp
                    fields[index] = _new_int(Timestamp, _unpack_i64(data, position + 1)[0])
                    position += 9
                elif code in _PROPERTY_CODES:  # another simple type: the generic reader
                    fields[index], position = read_value(data, position, 1, _NO_BUDGET)
                else:
                    break
                index += 1
            else:
                # Reading fields up to the end found them all: the generic decoder, which
                # reads `count` fields and then checks that they end there, finds the same.
                if index == data[start + 5] and position == end:
                    return Properties(*fields)
        elif data[start + 3] == 0x45 and data[start + 1] == 0x53:  # list0: no field set
            return Properties()
    except _FALL_BACK:
        pass
    result: Properties = decode_section(data, where, _PROPERTIES_SLOT)
    return result


def python_decode_application_properties(
    data: bytes, where: tuple[int, int]
) -> ApplicationProperties:
    """The application-properties section at `where`. Raises AmqpDecodeError.

    Read inline: a map8 with str8 keys whose values are of the usual types, the most common
    first (string, long, boolean, null, double); the other simple types by their generic
    reader.
    """
    start, end = where
    try:
        # `00 53 74 c1`: the smallulong descriptor and a map8 (scan_message checked the rest)
        if data[start + 3] == 0xC1 and data[start + 1] == 0x53 and not data[start + 5] & 1:
            pairs = ApplicationProperties()  # what every decoder gives (bytes keys too)
            position = start + 6
            for _ in range(data[start + 5] >> 1):
                if data[position] != 0xA1:  # a str8 key
                    break
                first = position + 2
                position = first + data[position + 1]
                key = data[first:position].decode()
                code = data[position]
                if code == 0xA1:  # str8
                    first = position + 2
                    position = first + data[position + 1]
                    pairs[key] = data[first:position].decode()
                elif code == 0x55:  # smalllong
                    byte = data[position + 1]
                    pairs[key] = byte - 256 if byte > 127 else byte
                    position += 2
                elif code == 0x81:  # long
                    pairs[key] = _unpack_i64(data, position + 1)[0]
                    position += 9
                elif code == 0x41:  # true
                    pairs[key] = True
                    position += 1
                elif code == 0x42:  # false
                    pairs[key] = False
                    position += 1
                elif code == 0x40:  # null
                    pairs[key] = None
                    position += 1
                elif code == 0x82:  # double
                    pairs[key] = _unpack_f64(data, position + 1)[0]
                    position += 9
                elif code in _SIMPLE_CODES:  # another simple type: the generic reader
                    pairs[key], position = read_value(data, position, 1, _NO_BUDGET)
                else:
                    break
            else:
                if position == end:  # else a value ran past the end, or stopped short of it
                    return pairs
    except _FALL_BACK:
        pass
    result: ApplicationProperties = decode_section(data, where, _APPLICATION_PROPERTIES_SLOT)
    return result


def load_speedups(ignore_environment: bool = False) -> ModuleType | None:
    """The C extension, initialised; None when it is not built or RSTREAM_NO_EXTENSIONS is set.

    (The tests ignore the environment, to check the C extension even when it is not used.)
    """
    _speedups = load_extension(
        "rstream_plugins.codec_amqp._speedups", ignore_environment=ignore_environment
    )
    if _speedups is None:
        return None
    _speedups.init(
        Properties, ApplicationProperties, ULong, UInt, UByte, Timestamp, _SYMBOLS, _new_symbol
    )
    return _speedups


EXTENSION = load_speedups()
SPEEDUPS: bool = EXTENSION is not None

if EXTENSION is not None:
    _c_properties = EXTENSION.decode_properties
    _c_application_properties = EXTENSION.decode_application_properties

    def decode_properties(data: bytes, where: tuple[int, int]) -> Properties:
        """The properties section at `where`: by the C extension, else by Python."""
        result: Properties = _c_properties(data, where)
        if result is NotImplemented:
            return python_decode_properties(data, where)
        return result

    def decode_application_properties(
        data: bytes, where: tuple[int, int]
    ) -> ApplicationProperties:
        """The application-properties section at `where`: by the C extension, else by Python."""
        result: ApplicationProperties = _c_application_properties(data, where)
        if result is NotImplemented:
            return python_decode_application_properties(data, where)
        return result

else:
    decode_properties = python_decode_properties
    decode_application_properties = python_decode_application_properties


# What decodes the section in each slot (see constants.SECTION_SLOTS): (data, where) -> value.
SECTION_DECODERS: tuple[Callable[[bytes, tuple[int, int]], Any], ...] = (
    partial(decode_section, slot=0),
    partial(decode_section, slot=1),
    partial(decode_section, slot=2),
    decode_properties,
    decode_application_properties,
    partial(decode_section, slot=5),
)
