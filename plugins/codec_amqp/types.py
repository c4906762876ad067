"""AMQP 1.0 type wrappers: how Python values map to AMQP types, both ways.

Encoding (Python value -> AMQP type):

=================================  ==================================================
Python value                       AMQP type (the smallest encoding is chosen)
=================================  ==================================================
None                               null
bool                               boolean
int                                long (smalllong when it fits in a signed byte)
float                              double
str                                string
bytes, bytearray, memoryview       binary
dict                               map
list, tuple                        list
datetime.datetime                  timestamp (a naive datetime is read as UTC)
uuid.UUID                          uuid
UByte UShort UInt ULong            ubyte ushort uint ulong
Byte Short Int Long                byte short int long
Float Double                       float (32-bit) double
Char Timestamp Symbol              char timestamp symbol
Decimal32 Decimal64 Decimal128     decimal32 decimal64 decimal128 (raw IEEE 754 bytes)
Described(descriptor, value)       a described type
Array(element_type, items)         array
=================================  ==================================================

Decoding (AMQP type -> Python value): the natural Python type where it keeps the AMQP type
(null -> None, boolean -> bool, long -> int, double -> float, string -> str, binary -> bytes,
list -> list, map -> dict, uuid -> uuid.UUID), and the wrapper everywhere else (ubyte -> UByte,
int -> Int, float -> Float, symbol -> Symbol, timestamp -> Timestamp, described -> Described,
array -> Array...). So a decoded value encodes back to the same AMQP type, and a value in
the natural types or the wrappers (not Long, Double, tuple, datetime, which have no decoded
form of their own) comes back equal and of the same type.

In annotation maps (delivery, message, footer), str keys are written as symbols and int keys
as ulongs (the only key types the spec allows there); they decode to Symbol and ULong keys.

The wrappers subclass the matching Python type (UInt is an int, Symbol a str, Decimal32 a
bytes), so they compare equal to plain values: ``Symbol("a") == "a"`` and ``UInt(5) == 5``;
a dict with Symbol keys is found with str keys. Arithmetic on them gives plain values back.
Their constructors check the range.
"""

from __future__ import annotations

import datetime
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self

__all__ = [
    "AmqpSequence",
    "AmqpValue",
    "Array",
    "Byte",
    "Char",
    "DataSections",
    "Decimal32",
    "Decimal64",
    "Decimal128",
    "Described",
    "Double",
    "Float",
    "Int",
    "Long",
    "SequenceSections",
    "Short",
    "Symbol",
    "Timestamp",
    "UByte",
    "UInt",
    "ULong",
    "UShort",
]


class _BoundedInt(int):
    """An int whose constructor checks it fits the AMQP type."""

    __slots__ = ()
    _min: int = 0
    _max: int = 0

    def __new__(cls, value: int = 0) -> Self:
        number = int.__new__(cls, value)
        if not cls._min <= number <= cls._max:
            raise ValueError(f"{cls.__name__} must be in {cls._min}..{cls._max}, got {value!r}")
        return number

    def __repr__(self) -> str:
        return f"{type(self).__name__}({int(self)})"


class UByte(_BoundedInt):
    """AMQP ubyte: unsigned 8-bit integer."""

    __slots__ = ()
    _max = 0xFF


class UShort(_BoundedInt):
    """AMQP ushort: unsigned 16-bit integer."""

    __slots__ = ()
    _max = 0xFFFF


class UInt(_BoundedInt):
    """AMQP uint: unsigned 32-bit integer."""

    __slots__ = ()
    _max = 0xFFFF_FFFF


class ULong(_BoundedInt):
    """AMQP ulong: unsigned 64-bit integer."""

    __slots__ = ()
    _max = 0xFFFF_FFFF_FFFF_FFFF


class Byte(_BoundedInt):
    """AMQP byte: signed 8-bit integer."""

    __slots__ = ()
    _min, _max = -0x80, 0x7F


class Short(_BoundedInt):
    """AMQP short: signed 16-bit integer."""

    __slots__ = ()
    _min, _max = -0x8000, 0x7FFF


class Int(_BoundedInt):
    """AMQP int: signed 32-bit integer."""

    __slots__ = ()
    _min, _max = -0x8000_0000, 0x7FFF_FFFF


class Long(_BoundedInt):
    """AMQP long: signed 64-bit integer (a plain int encodes the same way)."""

    __slots__ = ()
    _min, _max = -0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF


class Timestamp(_BoundedInt):
    """AMQP timestamp: milliseconds since the Unix epoch, as a signed 64-bit integer."""

    __slots__ = ()
    _min, _max = Long._min, Long._max

    @classmethod
    def from_datetime(cls, moment: datetime.datetime) -> Timestamp:
        """The timestamp of `moment`, to the millisecond (a naive datetime is read as UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return cls((moment - _EPOCH) // _ONE_MS)

    def to_datetime(self) -> datetime.datetime:
        """This timestamp as an aware UTC datetime."""
        return _EPOCH + int(self) * _ONE_MS


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_ONE_MS = datetime.timedelta(milliseconds=1)
_FLOAT32 = struct.Struct(">f")


class Float(float):
    """AMQP float: IEEE 754 binary32. The value is rounded to 32-bit precision on creation,
    so it compares equal to what a decoder reads back."""

    __slots__ = ()

    def __new__(cls, value: float = 0.0) -> Self:
        try:
            (rounded,) = _FLOAT32.unpack(_FLOAT32.pack(value))
        except OverflowError:
            raise ValueError(f"Float out of 32-bit range: {value!r}") from None
        return float.__new__(cls, rounded)

    def __repr__(self) -> str:
        return f"Float({float(self)!r})"


class Double(float):
    """AMQP double: IEEE 754 binary64 (a plain float encodes the same way)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Double({float(self)!r})"


class Char(str):
    """AMQP char: a single Unicode code point."""

    __slots__ = ()

    def __new__(cls, value: str) -> Self:
        if len(value) != 1:
            raise ValueError(f"Char must be one code point, got {value!r}")
        return str.__new__(cls, value)

    def __repr__(self) -> str:
        return f"Char({str(self)!r})"


class Symbol(str):
    """AMQP symbol: an ASCII string (annotation keys, content types, descriptors...)."""

    __slots__ = ()

    def __new__(cls, value: str) -> Self:
        if not value.isascii():
            raise ValueError(f"Symbol must be ASCII, got {value!r}")
        return str.__new__(cls, value)

    def __repr__(self) -> str:
        return f"Symbol({str(self)!r})"


class _FixedBytes(bytes):
    """Raw bytes of a fixed size (AMQP decimals are carried, not interpreted)."""

    __slots__ = ()
    _size: int = 0

    def __new__(cls, value: bytes) -> Self:
        if len(value) != cls._size:
            raise ValueError(f"{cls.__name__} needs {cls._size} bytes, got {len(value)}")
        return bytes.__new__(cls, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({bytes(self)!r})"


class Decimal32(_FixedBytes):
    """AMQP decimal32: the 4 raw bytes of an IEEE 754-2008 decimal32."""

    __slots__ = ()
    _size = 4


class Decimal64(_FixedBytes):
    """AMQP decimal64: the 8 raw bytes of an IEEE 754-2008 decimal64."""

    __slots__ = ()
    _size = 8


class Decimal128(_FixedBytes):
    """AMQP decimal128: the 16 raw bytes of an IEEE 754-2008 decimal128."""

    __slots__ = ()
    _size = 16


@dataclass(frozen=True, slots=True)
class Described:
    """A described type: `value` annotated by `descriptor` (usually a ULong or a Symbol)."""

    descriptor: Any
    value: Any


# Array element types: the Python type a value of the array would have on its own.
# `int` and `float` are accepted and stored as Long and Double, the types they encode to.
_ELEMENT_ALIASES: dict[Any, Any] = {int: Long, float: Double, type(None): None}
ARRAY_ELEMENT_TYPES: frozenset[Any] = frozenset(
    {
        None,
        bool,
        UByte,
        UShort,
        UInt,
        ULong,
        Byte,
        Short,
        Int,
        Long,
        Float,
        Double,
        Char,
        Timestamp,
        uuid.UUID,
        Decimal32,
        Decimal64,
        Decimal128,
        bytes,
        str,
        Symbol,
        list,
        dict,
    }
)


@dataclass(frozen=True, slots=True)
class Array:
    """An AMQP array: `items` all of `element_type`, optionally all described by `descriptor`.

    `element_type` is the Python type of one item on its own (see the module docstring):
    None for null, bool, UInt, Symbol, str, bytes, list, dict, Array, ... (`int` means Long
    and `float` means Double). Items are stored as a tuple. With a `descriptor`, each item is
    the described value (the descriptor is written once, in the array's constructor); a null
    descriptor cannot be expressed.
    """

    element_type: Any
    items: Sequence[Any] = ()  # any iterable is taken, and kept as a tuple
    descriptor: Any = None

    def __post_init__(self) -> None:
        element_type = _ELEMENT_ALIASES.get(self.element_type, self.element_type)
        if element_type is not Array and element_type not in ARRAY_ELEMENT_TYPES:
            raise ValueError(f"not an AMQP array element type: {self.element_type!r}")
        object.__setattr__(self, "element_type", element_type)
        if type(self.items) is not tuple:
            object.__setattr__(self, "items", tuple(self.items))


@dataclass(frozen=True, slots=True)
class AmqpValue:
    """A body to send as one amqp-value section, when its type alone would choose otherwise.

    Only needed for binary: a ``bytes`` body goes into a data section, while
    ``AmqpValue(b"...")`` is an amqp-value holding a binary (what Apache Qpid Proton sends by
    default). A decoded amqp-value binary body comes back as ``AmqpValue``; other amqp-value
    bodies come back as the plain value, and an AMQPMessage stores them unwrapped.
    """

    value: Any


class DataSections(list[bytes]):
    """A body of several data sections, one per item (a single section decodes as bytes)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"DataSections({list.__repr__(self)})"


class AmqpSequence(list[Any]):
    """A body of one amqp-sequence section; its items are the sequence's values."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"AmqpSequence({list.__repr__(self)})"


class SequenceSections(list[AmqpSequence]):
    """A body of several amqp-sequence sections, one AmqpSequence per section."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"SequenceSections({list.__repr__(self)})"
