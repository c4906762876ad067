"""Primitive types of the stream protocol: a bounds-checked reader and packing helpers.

Every integer is big-endian. A `string` has an i16 length, `bytes` an i32 length, an array
or a map an i32 count (docs/protocol.md section 1.1).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping

from rstream_core.errors import ProtocolError

U8 = struct.Struct(">B")
U16 = struct.Struct(">H")
U32 = struct.Struct(">I")
U64 = struct.Struct(">Q")
I16 = struct.Struct(">h")
I32 = struct.Struct(">i")
I64 = struct.Struct(">q")

_NULL = I16.pack(-1)
_NULL_BYTES = I32.pack(-1)


class WireReader:
    """Reads primitives from a buffer front to back; short or malformed input -> ProtocolError."""

    __slots__ = ("_buf", "_end", "_pos")

    def __init__(self, buf: bytes | memoryview, pos: int = 0) -> None:
        self._buf = buf
        self._pos = pos
        self._end = len(buf)

    @property
    def position(self) -> int:
        return self._pos

    def remaining(self) -> int:
        return self._end - self._pos

    def expect_end(self) -> None:
        if self._pos != self._end:
            raise ProtocolError(f"{self._end - self._pos} unexpected trailing bytes")

    def _need(self, size: int) -> None:
        if self._end - self._pos < size:
            raise ProtocolError(
                f"truncated: {size} bytes needed at offset {self._pos}, "
                f"{self._end - self._pos} left"
            )

    def _unpack(self, fmt: struct.Struct) -> int:
        self._need(fmt.size)
        value: int = fmt.unpack_from(self._buf, self._pos)[0]
        self._pos += fmt.size
        return value

    def u8(self) -> int:
        return self._unpack(U8)

    def u16(self) -> int:
        return self._unpack(U16)

    def u32(self) -> int:
        return self._unpack(U32)

    def u64(self) -> int:
        return self._unpack(U64)

    def i16(self) -> int:
        return self._unpack(I16)

    def i32(self) -> int:
        return self._unpack(I32)

    def i64(self) -> int:
        return self._unpack(I64)

    def peek_u8(self) -> int:
        self._need(1)
        value: int = U8.unpack_from(self._buf, self._pos)[0]
        return value

    def raw(self, size: int) -> bytes:
        """The next `size` bytes, copied once."""
        self._need(size)
        start = self._pos
        self._pos += size
        return bytes(self._buf[start : self._pos])

    def rest(self) -> bytes:
        """Everything left, copied once."""
        return self.raw(self._end - self._pos)

    def string(self) -> str:
        size = self.i16()
        if size < 0:
            raise ProtocolError(f"negative string length {size}")
        return self._utf8(size)

    def nullable_string(self) -> str | None:
        size = self.i16()
        if size == -1:
            return None
        if size < 0:
            raise ProtocolError(f"negative string length {size}")
        return self._utf8(size)

    def _utf8(self, size: int) -> str:
        self._need(size)
        start = self._pos
        self._pos += size
        try:
            return str(self._buf[start : self._pos], "utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(f"invalid UTF-8 in a string at offset {start}") from exc

    def nullable_bytes(self) -> bytes | None:
        size = self.i32()
        if size == -1:
            return None
        if size < 0:
            raise ProtocolError(f"negative bytes length {size}")
        return self.raw(size)

    def count(self, min_item_size: int) -> int:
        """An i32 element count, checked against the bytes left (no huge pre-allocations)."""
        count = self.i32()
        if count < 0:
            raise ProtocolError(f"negative count {count}")
        if count * min_item_size > self._end - self._pos:
            raise ProtocolError(f"count {count} does not fit in {self._end - self._pos} bytes")
        return count

    def strings(self) -> tuple[str, ...]:
        return tuple([self.string() for _ in range(self.count(2))])

    def string_map(self) -> dict[str, str]:
        return {self.string(): self.string() for _ in range(self.count(4))}

    def int64_map(self) -> dict[str, int]:
        return {self.string(): self.i64() for _ in range(self.count(10))}

    def u64_array(self) -> tuple[int, ...]:
        count = self.count(8)
        values: tuple[int, ...] = struct.unpack_from(f">{count}Q", self._buf, self._pos)
        self._pos += 8 * count
        return values


def pack_string(value: str) -> bytes:
    data = value.encode()
    return U16.pack(len(data)) + data


def pack_nullable_string(value: str | None) -> bytes:
    return _NULL if value is None else pack_string(value)


def pack_nullable_bytes(value: bytes | None) -> bytes:
    return _NULL_BYTES if value is None else I32.pack(len(value)) + value


def pack_strings(values: Iterable[str]) -> bytes:
    parts = [pack_string(value) for value in values]
    return I32.pack(len(parts)) + b"".join(parts)


def pack_string_map(mapping: Mapping[str, str]) -> bytes:
    parts = [pack_string(key) + pack_string(value) for key, value in mapping.items()]
    return I32.pack(len(parts)) + b"".join(parts)


def pack_int64_map(mapping: Mapping[str, int]) -> bytes:
    parts = [pack_string(key) + I64.pack(value) for key, value in mapping.items()]
    return I32.pack(len(parts)) + b"".join(parts)
