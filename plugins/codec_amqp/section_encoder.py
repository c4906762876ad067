"""AMQP 1.0 message encoder: the sections of a message, in their standard order.

A message is written as a list of byte strings joined once at the end: each section appends
its prefix, size, count and payload to it rather than concatenating them.

Header and properties are lists whose trailing nulls are left out (list0 when every field is
null), as the Java client writes them. Their fields have fixed AMQP types: a plain Python
value gets the field's type (an int priority is a ubyte, a str content type a symbol, an int
message-id a ulong, a datetime a timestamp...) and must fit it; a typed wrapper is written
as what it is (which is how a decoded field that came with another type goes back as it
came). A content type or encoding that is not ASCII cannot be a symbol: it is a string.
Annotation maps (delivery, message, footer) write str keys as symbols and int keys as ulongs;
application properties need str keys, written as strings.

The functions here raise `AmqpEncodeError` or one of `encoder.ENCODE_ERRORS` on bad values;
`encode_amqp` turns the latter into `AmqpEncodeError`.
"""

from __future__ import annotations

import datetime
import struct
from operator import attrgetter
from typing import Any

from .constants import (
    AMQP_SEQUENCE,
    AMQP_VALUE,
    APPLICATION_PROPERTIES,
    DELIVERY_ANNOTATIONS,
    FOOTER,
    HEADER,
    MESSAGE_ANNOTATIONS,
    PROPERTIES,
)
from .encoder import (
    APPLICATION_KEYS,
    ENCODERS,
    SMALLLONG,
    STR8,
    SYMBOLS,
    U8,
    Encoder,
    encode,
    encode_binary,
    encode_boolean,
    encode_datetime,
    encode_list,
    encode_long,
    encode_string,
    encode_symbol,
    encode_timestamp,
    encode_ubyte,
    encode_uint,
    encode_ulong,
    encoder_for_subclass,
    remember,
)
from .errors import AmqpEncodeError
from .sections import HEADER_FIELDS, PROPERTIES_FIELDS
from .types import AmqpSequence, AmqpValue, DataSections, SequenceSections

__all__ = ["DATA8_PREFIXES", "encode_body", "encode_sections"]

_pack_u32 = struct.Struct(">I").pack
_pack_i64 = struct.Struct(">q").pack
_pack_size_count = struct.Struct(">II").pack


def _prefix(code: int) -> bytes:
    return b"\x00\x53" + U8[code]


def encode_sections(sections: list[Any], body: Any) -> bytes:
    """A message with sections besides its body; `sections` is indexed as SECTION_SLOTS.

    A section given as ``(start, end)`` was never decoded: its original bytes, in
    ``sections[SOURCE_SLOT]``, are copied back unchanged.
    """
    header, delivery, annotations, properties, application, footer, source = sections
    out: list[bytes] = []
    if header is not None:
        if type(header) is tuple:
            out.append(source[header[0] : header[1]])
        else:
            _write_fields(out, _HEADER, _HEADER_VALUES(header), _HEADER_ENCODERS)
    if delivery is not None:
        if type(delivery) is tuple:
            out.append(source[delivery[0] : delivery[1]])
        else:
            _write_annotations(out, _DELIVERY_ANNOTATIONS, delivery)
    if annotations is not None:
        if type(annotations) is tuple:
            out.append(source[annotations[0] : annotations[1]])
        else:
            _write_annotations(out, _MESSAGE_ANNOTATIONS, annotations)
    if properties is not None:
        if type(properties) is tuple:
            out.append(source[properties[0] : properties[1]])
        else:
            _write_fields(out, _PROPERTIES, _PROPERTIES_VALUES(properties), _PROPERTIES_ENCODERS)
    if application is not None:
        if type(application) is tuple:
            out.append(source[application[0] : application[1]])
        else:
            _write_application_properties(out, application)
    if type(body) is bytes and len(body) < 256:
        out += (DATA8_PREFIXES[len(body)], body)
    else:
        out.append(encode_body(body))
    if footer is not None:
        if type(footer) is tuple:
            out.append(source[footer[0] : footer[1]])
        else:
            _write_annotations(out, _FOOTER, footer)
    return b"".join(out)


def _write_compound(out: list[bytes], code: int, items: list[bytes], count: int) -> None:
    """A list (`code` 0xc0) or map (0xc1) section of `items`, 8-bit form when it fits."""
    payload = b"".join(items)
    size = len(payload)
    if count < 255 and size < 255:
        out += (_COMPOUND8[code], U8[size + 1], U8[count], payload)
    else:
        out += (_COMPOUND32[code], _pack_size_count(size + 4, count), payload)


# (section code << 8 | 8-bit constructor) -> the section's prefix; the 32-bit constructor is
# the 8-bit one + 0x10.
_SECTION_CODES = (
    HEADER,
    DELIVERY_ANNOTATIONS,
    MESSAGE_ANNOTATIONS,
    PROPERTIES,
    APPLICATION_PROPERTIES,
    FOOTER,
)
_COMPOUND8 = {
    code << 8 | constructor: _prefix(code) + U8[constructor]
    for code in _SECTION_CODES
    for constructor in (0xC0, 0xC1)
}
_COMPOUND32 = {key: value[:3] + U8[value[3] + 0x10] for key, value in _COMPOUND8.items()}
_HEADER = HEADER << 8 | 0xC0
_PROPERTIES = PROPERTIES << 8 | 0xC0
_DELIVERY_ANNOTATIONS = DELIVERY_ANNOTATIONS << 8 | 0xC1
_MESSAGE_ANNOTATIONS = MESSAGE_ANNOTATIONS << 8 | 0xC1
_APPLICATION_PROPERTIES = APPLICATION_PROPERTIES << 8 | 0xC1
_FOOTER = FOOTER << 8 | 0xC1
_APPLICATION_PROPERTIES8 = _COMPOUND8[_APPLICATION_PROPERTIES]


# --- header and properties ---------------------------------------------------------------


_NULLS = tuple(b"\x40" * count for count in range(14))


def _write_fields(
    out: list[bytes], code: int, fields: tuple[Any, ...], encoders: tuple[Encoder, ...]
) -> None:
    # Most fields are null: encode the others, and each run of nulls before one in one go.
    items = []
    count = 0  # fields written so far: up to the last one set
    for index, value in enumerate(fields):
        if value is not None:
            if index > count:
                items.append(_NULLS[index - count])
            items.append(encoders[index](value))
            count = index + 1
    if not count:
        out.append(_COMPOUND8[code][:3] + b"\x45")
        return
    payload = b"".join(items)
    size = len(payload)
    if size < 255:
        out += (_COMPOUND8[code], U8[size + 1], U8[count], payload)
    else:
        out += (_COMPOUND32[code], _pack_size_count(size + 4, count), payload)


def _message_id_field(value: Any) -> bytes:
    kind = type(value)
    if kind is str:
        data: bytes = value.encode()
        size = len(data)
        if size < 256:
            return STR8[size] + data
    elif kind is int:
        return encode_ulong(value)
    return encode(value)


def _string_field(value: Any) -> bytes:
    return encode_string(value) if type(value) is str else encode(value)


def _symbol_field(value: Any) -> bytes:
    if type(value) is str:
        encoded = SYMBOLS.get(value)
        if encoded is not None:
            return encoded
        # A symbol is ASCII: any other text can only be sent (or have come) as a string.
        return encode_symbol(value) if value.isascii() else encode_string(value)
    return encode(value)


def _binary_field(value: Any) -> bytes:
    return encode_binary(value) if type(value) is bytes else encode(value)


def _boolean_field(value: Any) -> bytes:
    return encode_boolean(value) if type(value) is bool else encode(value)


def _ubyte_field(value: Any) -> bytes:
    return encode_ubyte(value) if type(value) is int else encode(value)


def _uint_field(value: Any) -> bytes:
    return encode_uint(value) if type(value) is int else encode(value)


def _timestamp_field(value: Any) -> bytes:
    if type(value) is int:
        return encode_timestamp(value)
    if isinstance(value, datetime.datetime):
        return encode_datetime(value)
    return encode(value)


_HEADER_VALUES = attrgetter(*HEADER_FIELDS)
_HEADER_ENCODERS = (_boolean_field, _ubyte_field, _uint_field, _boolean_field, _uint_field)
_PROPERTIES_VALUES = attrgetter(*PROPERTIES_FIELDS)
_PROPERTIES_ENCODERS = (
    _message_id_field,  # message-id
    _binary_field,  # user-id
    _string_field,  # to
    _string_field,  # subject
    _string_field,  # reply-to
    _message_id_field,  # correlation-id
    _symbol_field,  # content-type
    _symbol_field,  # content-encoding
    _timestamp_field,  # absolute-expiry-time
    _timestamp_field,  # creation-time
    _string_field,  # group-id
    _uint_field,  # group-sequence
    _string_field,  # reply-to-group-id
)


# --- maps ---------------------------------------------------------------------------------


def _write_annotations(out: list[bytes], code: int, annotations: dict[Any, Any]) -> None:
    items = []
    for key, value in annotations.items():
        if isinstance(key, str):
            items.append(SYMBOLS.get(key) or encode_symbol(key))
        elif type(key) is int:
            items.append(encode_ulong(key))
        else:
            items.append(encode(key))
        items.append(encode(value))
    _write_compound(out, code, items, len(items))


def _write_application_properties(out: list[bytes], properties: dict[str, Any]) -> None:
    # The hottest section after the body: keys come from a cache, and the usual value
    # types (str, int, bool) are encoded inline rather than through a lookup and a call.
    items: list[bytes] = []
    append = items.append
    keys = APPLICATION_KEYS
    for key, value in properties.items():
        append(keys.get(key) or _application_key(key))
        kind = type(value)
        if kind is str:
            data = value.encode()
            size = len(data)
            append(STR8[size] + data if size < 256 else b"\xb1" + _pack_u32(size) + data)
        elif kind is int:
            if -128 <= value <= 127:
                append(SMALLLONG[value + 128])
            elif -0x8000_0000_0000_0000 <= value <= 0x7FFF_FFFF_FFFF_FFFF:
                append(b"\x81" + _pack_i64(value))
            else:
                append(encode_long(value))  # raises: out of range
        elif kind is bool:
            append(b"\x41" if value else b"\x42")
        else:
            append((ENCODERS.get(kind) or encoder_for_subclass(value))(value))
    payload = b"".join(items)
    size = len(payload)
    count = len(items)
    if count < 255 and size < 255:
        out += (_APPLICATION_PROPERTIES8, U8[size + 1], U8[count], payload)
    else:
        out += (_COMPOUND32[_APPLICATION_PROPERTIES], _pack_size_count(size + 4, count), payload)


def _application_key(key: str) -> bytes:
    if not isinstance(key, str):
        raise AmqpEncodeError(f"application property keys must be str, got {key!r}")
    return remember(APPLICATION_KEYS, key, encode_string(key))


# --- body ---------------------------------------------------------------------------------

DATA8_PREFIXES = tuple(b"\x00\x53\x75\xa0" + size for size in U8)
_DATA32_PREFIX = b"\x00\x53\x75\xb0"
_SEQUENCE_PREFIX = _prefix(AMQP_SEQUENCE)
_VALUE_PREFIX = _prefix(AMQP_VALUE)


def encode_body(body: Any) -> bytes:
    """The body section(s): data for bytes, amqp-sequence for AmqpSequence, else amqp-value."""
    kind = type(body)
    if kind is bytes:
        data: bytes = body
        size = len(data)
        if size < 256:
            return DATA8_PREFIXES[size] + data
        return _DATA32_PREFIX + _pack_u32(size) + data
    if kind is bytearray or kind is memoryview:
        return encode_body(bytes(body))
    if kind is DataSections:
        return _several_sections(body, DataSections, _data_section)
    if kind is AmqpSequence:
        return _SEQUENCE_PREFIX + encode_list(body)
    if kind is SequenceSections:
        return _several_sections(body, SequenceSections, _sequence_section)
    if kind is AmqpValue:
        return _VALUE_PREFIX + encode(body.value)
    return _VALUE_PREFIX + encode(body)


def _several_sections(body: list[Any], kind: type, encode: Encoder) -> bytes:
    if not body:
        raise AmqpEncodeError(f"an empty {kind.__name__} has no section to send")
    return b"".join([encode(section) for section in body])


def _data_section(section: bytes) -> bytes:
    if not isinstance(section, bytes | bytearray | memoryview):
        raise AmqpEncodeError(f"DataSections holds a non-binary: {section!r}")
    return encode_body(bytes(section))


def _sequence_section(section: list[Any]) -> bytes:
    if not isinstance(section, list):
        raise AmqpEncodeError(f"SequenceSections holds a non-list: {section!r}")
    return _SEQUENCE_PREFIX + encode_list(section)
