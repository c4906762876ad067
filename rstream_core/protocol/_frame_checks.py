"""Constructor checks shared by the frame dataclasses: each raises ValueError."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rstream_core.protocol.constants import (
    MAX_STRING_BYTES,
    OFFSET_TYPES_WITH_VALUE,
    OffsetType,
)

# A Python string never takes more than 4 UTF-8 bytes per character, so shorter strings
# cannot exceed MAX_STRING_BYTES and need no encoding to be checked.
SAFE_STRING_CHARS = MAX_STRING_BYTES // 4
U64_MAX = (1 << 64) - 1
I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1
# A simple entry's size has 31 bits: the top bit marks a sub-entry batch.
MAX_ENTRY_SIZE = 0x7FFFFFFF
# The leader reference that means "no leader" in a Metadata response.
NO_LEADER = 0xFFFF


def check_uint(name: str, value: int, bits: int) -> None:
    if not 0 <= value < 1 << bits:
        raise ValueError(f"{name} must be in 0..{(1 << bits) - 1}, got {value!r}")


def check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high}, got {value!r}")


def check_string(name: str, value: str) -> None:
    if len(value) > SAFE_STRING_CHARS and len(value.encode()) > MAX_STRING_BYTES:
        raise ValueError(f"{name} is longer than {MAX_STRING_BYTES} UTF-8 bytes")


def check_strings(name: str, values: Iterable[str]) -> None:
    for value in values:
        check_string(name, value)


def check_string_map(name: str, mapping: Mapping[str, str]) -> None:
    for key, value in mapping.items():
        check_string(f"{name} key", key)
        check_string(f"{name}[{key!r}]", value)


def check_bytes(name: str, value: bytes | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise ValueError(f"{name} is longer than {limit} bytes")


def check_offset_spec(offset_type: int, offset: int | None, allowed: Iterable[int]) -> None:
    if offset_type not in allowed:
        raise ValueError(f"offset_type {offset_type!r} is not one of {sorted(allowed)}")
    if offset_type not in OFFSET_TYPES_WITH_VALUE:
        if offset is not None:
            raise ValueError(f"offset_type {offset_type} takes no offset, got {offset!r}")
    elif offset is None:
        raise ValueError(f"offset_type {offset_type} needs an offset")
    elif offset_type == OffsetType.OFFSET:
        check_range("offset", offset, 0, U64_MAX)
    else:
        check_range("timestamp", offset, I64_MIN, I64_MAX)


def check_request(correlation_id: int) -> None:
    check_uint("correlation_id", correlation_id, 32)


def check_response(correlation_id: int, code: int) -> None:
    check_uint("correlation_id", correlation_id, 32)
    check_uint("code", code, 16)


SUBSCRIBE_OFFSET_TYPES = frozenset(OffsetType) - {OffsetType.NONE}
ALL_OFFSET_TYPES = frozenset(OffsetType)
