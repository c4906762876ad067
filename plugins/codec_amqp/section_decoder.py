"""AMQP 1.0 message decoder: finds the sections of a message, and decodes them.

`scan_message` reads the body and only checks the framing of the other sections (header,
annotations, properties, application properties, footer): where each starts and ends, and
that it holds the right kind of compound. `decode_section` decodes one of them when it is
first read (`fast_sections` reads properties and application properties faster, falling
back on it). Both raise `AmqpDecodeError` only; see `decoder` for the safety rules.

Sections are accepted in any order and with any descriptor form (smallulong, ulong or
symbolic); each non-body section at most once; the body as one or more data sections, one or
more amqp-sequence sections, or one amqp-value section.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from .application_properties import ApplicationProperties
from .constants import (
    AMQP_SEQUENCE,
    AMQP_VALUE,
    APPLICATION_PROPERTIES,
    DATA,
    DELIVERY_ANNOTATIONS,
    FOOTER,
    HEADER,
    MESSAGE_ANNOTATIONS,
    PROPERTIES,
    SECTION_SLOTS,
    SYMBOLIC_SECTIONS,
)
from .decoder import DECODE_ERRORS, fail, read_value, zero_width_budget
from .errors import AmqpDecodeError
from .sections import Header, Properties
from .types import AmqpSequence, AmqpValue, DataSections, Long, SequenceSections

__all__ = ["DECODE_ERRORS", "decode_section", "scan_message", "scan_message_unchecked"]

_new_int = int.__new__
_unpack_u32 = struct.Struct(">I").unpack_from
_unpack_u64 = struct.Struct(">Q").unpack_from

_LIST_CODES = frozenset({0x45, 0xC0, 0xD0})
_MAP_CODES = frozenset({0xC1, 0xD1})
# (section code << 8 | constructor) of every well-formed non-body section -> its slot.
_FRAME_SLOTS = {
    code << 8 | constructor: SECTION_SLOTS[code]
    for code, constructors in (
        (HEADER, _LIST_CODES),
        (DELIVERY_ANNOTATIONS, _MAP_CODES),
        (MESSAGE_ANNOTATIONS, _MAP_CODES),
        (PROPERTIES, _LIST_CODES),
        (APPLICATION_PROPERTIES, _MAP_CODES),
        (FOOTER, _MAP_CODES),
    )
    for constructor in constructors
}
# The same, as the first 4 bytes of a section with the usual smallulong descriptor.
_HEAD_SLOTS = {
    bytes((0x00, 0x53, key >> 8, key & 0xFF)): slot for key, slot in _FRAME_SLOTS.items()
}
_DATA8 = b"\x00\x53\x75\xa0"


def section_descriptor(data: bytes, position: int) -> tuple[int, int]:
    """Read a section's `00` and descriptor: (code, value position)."""
    if data[position] != 0x00:
        fail(f"expected a section at offset {position}, got 0x{data[position]:02x}")
    return section_code(data, position + 1)


def section_code(data: bytes, position: int) -> tuple[int, int]:
    """Read a section descriptor (smallulong, ulong or symbolic): (code, value position)."""
    code = data[position]
    if code == 0x53:
        return data[position + 1], position + 2
    if code == 0x80:
        number = _unpack_u64(data, position + 1)[0]
        return (number if number <= 0xFF else -1), position + 9
    if code in (0xA3, 0xB3):
        name, position = read_value(data, position, 0, [0])
        return SYMBOLIC_SECTIONS.get(name, -1), position
    fail(f"section descriptor must be a ulong or a symbol, got constructor 0x{code:02x}")


def scan_message(data: bytes) -> tuple[Any, list[Any] | None]:
    """Split a message into its body (decoded) and its other sections (left encoded).

    Returns ``(body, sections)``: `sections` is None when the message has only a body,
    else a list indexed like `SECTION_SLOTS` whose items are None or the ``(start, end)``
    of that section in `data`, and whose `SOURCE_SLOT` item is `data`. The framing of every
    section is checked. Raises AmqpDecodeError.
    """
    try:
        return scan_message_unchecked(data)
    except DECODE_ERRORS as exc:
        raise AmqpDecodeError(f"malformed AMQP message: {exc}") from exc


def scan_message_unchecked(data: bytes) -> tuple[Any, list[Any] | None]:
    """`scan_message` without the error translation (the caller does it)."""
    # The consumer's hot path. The usual sections (`00 53 xx` then a list, map or vbin8) are
    # recognised by their first 4 bytes in one lookup, and their lengths are read inline and
    # checked at the end: a section running past the data leaves `position` beyond `size`.
    size = len(data)
    if not size:
        fail("an empty message has no section")
    sections: list[Any] | None = None
    body: Any = None
    body_kind = 0
    more: list[Any] | None = None  # every body section, when there are several
    budget: list[int] | None = None
    position = 0
    while position < size:
        start = position
        head = data[position : position + 4]
        slot = _HEAD_SLOTS.get(head)
        if slot is not None:
            constructor = head[3]
            if constructor == 0x45:
                position += 4
            elif constructor < 0xD0:
                position += 5 + data[position + 4]
            else:
                position += 8 + _unpack_u32(data, position + 4)[0]
        elif head == _DATA8 and not body_kind:  # the usual body
            first = position + 5
            position = first + data[position + 4]
            body = data[first:position]
            body_kind = DATA
            continue
        else:
            code, position = section_descriptor(data, position)
            constructor = data[position]
            slot = _FRAME_SLOTS.get(code << 8 | constructor)
            if slot is None:  # a body section, or a section holding the wrong type
                if budget is None:
                    # Shared by every body section: the cap is per message.
                    budget = [zero_width_budget(size)]
                part, position = _body_part(data, position, code, budget)
                if not body_kind:
                    body_kind = code
                    body = part
                    continue
                if code != body_kind or code == AMQP_VALUE:
                    fail("a message has one kind of body: data, amqp-sequence or one amqp-value")
                if more is None:
                    more = [body]
                more.append(part)
                continue
            position = _compound_end(data, position, constructor)
        if sections is None:
            sections = [None, None, None, None, None, None, data]
        elif sections[slot] is not None:
            fail(f"section {_SECTION_NAMES[slot]} appears twice")
        sections[slot] = (start, position)
    if position != size:
        fail("the last section runs past the end of the message")
    if more is not None:
        body = DataSections(more) if body_kind == DATA else SequenceSections(more)
    elif body_kind == AMQP_VALUE and type(body) is bytes:
        body = AmqpValue(body)
    return body, sections


def _compound_end(data: bytes, position: int, constructor: int) -> int:
    """Where the list0, list or map whose constructor is at `position` ends (unchecked)."""
    if constructor == 0x45:
        return position + 1
    if constructor < 0xD0:
        return position + 2 + data[position + 1]
    size: int = _unpack_u32(data, position + 1)[0]
    return position + 5 + size


def _body_part(data: bytes, position: int, code: int, budget: list[int]) -> tuple[Any, int]:
    """A body section's value, or the error for a section that is not what it should be."""
    constructor = data[position]
    if code == DATA:
        if constructor != 0xA0 and constructor != 0xB0:
            fail(f"a data section holds binary, not constructor 0x{constructor:02x}")
        return read_value(data, position, 0, budget)
    if code == AMQP_SEQUENCE:
        if constructor not in _LIST_CODES:
            fail(f"an amqp-sequence section holds a list, not 0x{constructor:02x}")
        items, position = read_value(data, position, 0, budget)
        return AmqpSequence(items), position
    if code == AMQP_VALUE:
        return read_value(data, position, 0, budget)
    slot = SECTION_SLOTS.get(code)
    if slot is not None:
        fail(f"constructor 0x{constructor:02x} cannot hold section {_SECTION_NAMES[slot]}")
    fail(f"unknown section descriptor 0x{code:02x}" if code >= 0 else "unknown section")


def decode_section(data: bytes, where: tuple[int, int], slot: int) -> Any:
    """Decode the section `scan_message` found at `where`. Raises AmqpDecodeError."""
    try:
        start = where[0]
        if data[start + 1] == 0x53:
            position = start + 3
        else:
            _, position = section_code(data, start + 1)
        value, end = read_value(data, position, 0, [zero_width_budget(len(data))])
        if end != where[1]:
            fail(f"section {_SECTION_NAMES[slot]} size does not match its value")
        return _SECTION_BUILDERS[slot](value)
    except DECODE_ERRORS as exc:
        raise AmqpDecodeError(f"malformed AMQP section: {exc}") from exc


_SECTION_NAMES = (
    "header",
    "delivery-annotations",
    "message-annotations",
    "properties",
    "application-properties",
    "footer",
)


def _header(values: list[Any]) -> Header:
    if len(values) > 5:
        fail(f"header has {len(values)} fields, at most 5 expected")
    return Header(*_keep_longs(values, _HEADER_NUMBERS))


def _properties(values: list[Any]) -> Properties:
    if len(values) > 13:
        fail(f"properties has {len(values)} fields, at most 13 expected")
    return Properties(*_keep_longs(values, _PROPERTIES_NUMBERS))


def _keep_longs(values: list[Any], numbers: frozenset[int]) -> list[Any]:
    """Wrap in Long the plain ints (longs on the wire) of fields of another numeric type.

    The encoder gives a plain int the field's type (ubyte, uint, ulong, timestamp); a Long
    goes back as the long it came as, even when it does not fit the field's type.
    """
    for index, value in enumerate(values):
        if type(value) is int and index in numbers:
            values[index] = _new_int(Long, value)
    return values


# The fields of a numeric type: priority, ttl, delivery-count; message-id, correlation-id
# (which may be ulongs), the two timestamps and group-sequence.
_HEADER_NUMBERS = frozenset({1, 2, 4})
_PROPERTIES_NUMBERS = frozenset({0, 5, 8, 9, 11})


def _map(value: dict[Any, Any]) -> dict[Any, Any]:
    return value


def _application_properties(value: dict[Any, Any]) -> ApplicationProperties:
    for key in value:
        if not isinstance(key, str):  # as for encoding: the spec allows string keys only
            fail(f"application property keys must be strings, got {key!r}")
    # read_value makes every map a plain dict: copied into the type the fast paths return.
    # Only the rarer shapes come here (see fast_sections), so the copy costs little.
    return ApplicationProperties(value)


_SECTION_BUILDERS: dict[int, Callable[[Any], Any]] = {
    0: _header,
    1: _map,
    2: _map,
    3: _properties,
    4: _application_properties,
    5: _map,
}
