"""AMQPMessage, and the functions that turn it into bytes and back.

The body decides the body sections: ``bytes`` is one data section, `DataSections` several,
`AmqpSequence` one amqp-sequence section, `SequenceSections` several, and any other value
(None included) one amqp-value section; `AmqpValue` forces an amqp-value (for a binary value).
Decoding keeps the body's kind, so a decoded message encodes back to the same sections.

Decoding is lazy where it pays: `amqp_decoder` reads the body and checks the framing of every
section, but leaves the header, annotations, properties, application properties and footer
encoded until they are first read. A malformed one then raises `AmqpDecodeError` from the
attribute; ``decode_amqp(data, lazy=False)`` decodes (and so checks) everything at once. A
decoded message that nobody changed encodes back to its original bytes, as they were;
sections never read are copied back as they were too. Properties and application properties,
read by most consumers, have decoders of their own for their usual shapes (`fast_sections`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rstream_core.plugin_api import load_extension

from .constants import SOURCE_SLOT
from .encoder import ENCODE_ERRORS
from .errors import AmqpDecodeError, AmqpEncodeError
from .fast_sections import (
    SECTION_DECODERS,
    decode_application_properties,
    decode_properties,
)
from .section_decoder import DECODE_ERRORS, scan_message_unchecked
from .section_encoder import DATA8_PREFIXES, encode_body, encode_sections
from .sections import Header, Properties
from .types import AmqpSequence, AmqpValue, DataSections, SequenceSections

__all__ = ["AMQPMessage", "amqp_decoder", "decode_amqp", "encode_amqp"]

_SECTION_NAMES = (
    "header",
    "delivery_annotations",
    "message_annotations",
    "properties",
    "application_properties",
    "footer",
)
_DATA8_HEAD = b"\x00\x53\x75\xa0"
# Bodies that cannot change in place: a decoded message holding one of these can hand out
# its body and still send its original bytes.
_IMMUTABLE_BODIES = frozenset({bytes, str, int, float, bool, type(None), AmqpValue})


def _unwrap(body: AmqpValue) -> Any:
    """AmqpValue is only kept where it matters: around bytes (and the list-like bodies)."""
    kind = type(body.value)
    if kind in (bytes, bytearray, memoryview, DataSections, AmqpSequence, SequenceSections):
        return body
    return body.value


def _python_encode(message: _MessageBase) -> bytes:
    """bytes(message) in Python: the whole encoder (see encode_amqp)."""
    raw = message._raw
    if raw is not None:
        return raw
    body = message._body
    sections = message._sections
    try:
        if sections is None:
            if type(body) is bytes and len(body) < 256:
                return DATA8_PREFIXES[len(body)] + body
            return encode_body(body)
        return encode_sections(sections, body)
    except ENCODE_ERRORS as exc:
        raise AmqpEncodeError(f"cannot encode the message: {exc}") from exc


class _MessageBase:
    """AMQPMessage's slots, constructor and ``bytes()``, in Python.

    The optional C extension (`_message.MessageBase`) replaces this class when it is built:
    same arguments, same rules, same bytes, without the Python frames (what a producer pays
    per message for the seed's `AMQPMessage(body=...)` shape).
    """

    __slots__ = ("_body", "_raw", "_sections", "publishing_id")

    # _body: the body. _raw: the bytes this message was decoded from while they still encode
    # it, else None. _sections: None when there is no section but the body, else a list
    # indexed as constants.SECTION_SLOTS; an item is None, a value, or the (start, end) of
    # the section in the source bytes (kept at SOURCE_SLOT) while it waits to be decoded.
    _body: Any
    _raw: bytes | None
    _sections: list[Any] | None
    publishing_id: int | None

    def __init__(
        self,
        body: Any = None,
        *,
        header: Header | None = None,
        delivery_annotations: dict[Any, Any] | None = None,
        message_annotations: dict[Any, Any] | None = None,
        properties: Properties | None = None,
        application_properties: dict[str, Any] | None = None,
        footer: dict[Any, Any] | None = None,
        publishing_id: int | None = None,
    ) -> None:
        self._body = body if type(body) is not AmqpValue else _unwrap(body)
        self._raw = None
        if (
            header is None
            and delivery_annotations is None
            and message_annotations is None
            and properties is None
            and application_properties is None
            and footer is None
        ):
            self._sections = None
        else:
            self._sections = [
                header,
                delivery_annotations,
                message_annotations,
                properties,
                application_properties,
                footer,
                None,
            ]
        self.publishing_id = publishing_id

    __bytes__ = _python_encode

    # In the base, so that the C base's own `body` (the same, without a Python frame: 56 ns
    # per read here) serves AMQPMessage when the extension is built.
    @property
    def body(self) -> Any:
        body = self._body
        if self._raw is not None and type(body) not in _IMMUTABLE_BODIES:
            self._raw = None  # the caller may change it in place
        return body

    @body.setter
    def body(self, body: Any) -> None:
        self._raw = None
        self._body = body if type(body) is not AmqpValue else _unwrap(body)


# The optional C extension (None when not built, or turned off by RSTREAM_NO_EXTENSIONS).
EXTENSION = load_extension("rstream_plugins.codec_amqp._message")

# Not a conditional expression: mypy must see one base class, _MessageBase's contract.
if TYPE_CHECKING or EXTENSION is None:  # noqa: SIM108
    _Base = _MessageBase
else:
    _Base = EXTENSION.MessageBase

# True when AMQPMessage is built on the C extension's MessageBase.
MESSAGE_SPEEDUPS: bool = _Base is not _MessageBase


class AMQPMessage(_Base):
    """An AMQP 1.0 message; ``bytes(message)`` is its encoding.

    Arguments: `body` (positional or keyword), then keyword-only `header`,
    `delivery_annotations`, `message_annotations`, `properties`, `application_properties`,
    `footer` and `publishing_id`. `publishing_id` is not encoded: a producer uses it for
    deduplication.
    """

    __slots__ = ()
    # help() and inspect show the constructor's parameters whichever base is in use.
    __signature__ = inspect.signature(_MessageBase)

    # --- sections ---------------------------------------------------------------------------

    def _load(self, slot: int) -> Any:
        """The section in `slot`, decoded on first use."""
        sections = self._sections
        if sections is None:
            return None
        value = sections[slot]
        if type(value) is tuple:  # (start, end) in the source bytes: not decoded yet
            value = sections[slot] = SECTION_DECODERS[slot](sections[SOURCE_SLOT], value)
        return value

    def _get(self, slot: int) -> Any:
        value = self._load(slot)
        if value is not None:
            self._raw = None  # the caller may change it in place
        return value

    def _set(self, slot: int, value: Any) -> None:
        self._raw = None
        sections = self._sections
        if sections is None:
            if value is None:
                return
            sections = self._sections = [None] * 7
        sections[slot] = value

    @property
    def header(self) -> Header | None:
        value: Header | None = self._get(0)
        return value

    @header.setter
    def header(self, value: Header | None) -> None:
        self._set(0, value)

    @property
    def delivery_annotations(self) -> dict[Any, Any] | None:
        value: dict[Any, Any] | None = self._get(1)
        return value

    @delivery_annotations.setter
    def delivery_annotations(self, value: dict[Any, Any] | None) -> None:
        self._set(1, value)

    @property
    def message_annotations(self) -> dict[Any, Any] | None:
        value: dict[Any, Any] | None = self._get(2)
        return value

    @message_annotations.setter
    def message_annotations(self, value: dict[Any, Any] | None) -> None:
        self._set(2, value)

    # properties and application_properties are what consumers read most: their getters do
    # what `_get` does, inline, and use the decoders made for their usual shapes.

    @property
    def properties(self) -> Properties | None:
        sections = self._sections
        if sections is None:
            return None
        value = sections[3]
        if type(value) is tuple:  # (start, end): not decoded yet
            value = sections[3] = decode_properties(sections[SOURCE_SLOT], value)
        elif value is None:
            return None
        self._raw = None  # the caller may change it in place
        result: Properties = value
        return result

    @properties.setter
    def properties(self, value: Properties | None) -> None:
        self._set(3, value)

    @property
    def application_properties(self) -> dict[str, Any] | None:
        sections = self._sections
        if sections is None:
            return None
        value = sections[4]
        if type(value) is tuple:  # (start, end): not decoded yet
            value = sections[4] = decode_application_properties(sections[SOURCE_SLOT], value)
        elif value is None:
            return None
        self._raw = None  # the caller may change it in place
        result: dict[str, Any] = value
        return result

    @application_properties.setter
    def application_properties(self, value: dict[str, Any] | None) -> None:
        self._set(4, value)

    @property
    def footer(self) -> dict[Any, Any] | None:
        value: dict[Any, Any] | None = self._get(5)
        return value

    @footer.setter
    def footer(self, value: dict[Any, Any] | None) -> None:
        self._set(5, value)

    # --- value behaviour --------------------------------------------------------------------

    def _all_sections(self) -> tuple[Any, ...]:
        return tuple(self._load(slot) for slot in range(6))

    def __eq__(self, other: object) -> bool:
        if type(other) is not AMQPMessage:
            return NotImplemented
        return (
            self._body == other._body
            and self.publishing_id == other.publishing_id
            and self._all_sections() == other._all_sections()
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        fields = [f"body={self._body!r}"]
        for name, value in zip(_SECTION_NAMES, self._all_sections(), strict=True):
            if value is not None:
                fields.append(f"{name}={value!r}")
        if self.publishing_id is not None:
            fields.append(f"publishing_id={self.publishing_id!r}")
        return f"AMQPMessage({', '.join(fields)})"

    def __str__(self) -> str:
        # What rstream 1.x printed for a message: its body.
        return str(self._body)

    # __bytes__ comes from the base: the C fast path when the extension is built.

    # copy, deepcopy and pickle: the same state whichever base holds the slots (the C base
    # has no __slots__ for copyreg to find). The section list is copied: a copy that decodes a
    # section later must not write it into the original's list.
    def __getstate__(self) -> tuple[Any, Any, Any, Any]:
        sections = None if self._sections is None else list(self._sections)
        return (self._body, self._raw, sections, self.publishing_id)

    def __setstate__(self, state: tuple[Any, Any, Any, Any]) -> None:
        self._body, self._raw, self._sections, self.publishing_id = state


# Makes an AMQPMessage without running __init__ (the decoder sets every slot itself).
_new_object = _Base.__new__

# The AMQP 1.0 encoding of `message`, as ``bytes(message)``; raises AmqpEncodeError. The
# C fast path when the extension is built.
encode_amqp: Callable[[AMQPMessage], bytes] = AMQPMessage.__bytes__


def python_amqp_decoder(data: bytes) -> AMQPMessage:
    """Decode an AMQP 1.0 message (lazily, see the module docstring). Raises AmqpDecodeError."""
    if type(data) is not bytes:
        data = bytes(data)
    size = len(data)
    # Fast path: a message that is one data section of less than 256 bytes.
    if size > 4 and data[4] == size - 5 and data[:4] == _DATA8_HEAD:
        message = _new_object(AMQPMessage)
        message._body = data[5:]
        message._raw = data
        message._sections = None
        message.publishing_id = None
        return message
    try:
        body, sections = scan_message_unchecked(data)
    except DECODE_ERRORS as exc:
        raise AmqpDecodeError(f"malformed AMQP message: {exc}") from exc
    message = _new_object(AMQPMessage)
    message._body = body
    message._raw = data
    message._sections = sections
    message.publishing_id = None
    return message


if EXTENSION is None:
    amqp_decoder = python_amqp_decoder
else:
    # The C decoder builds the usual message (a short data section) itself and hands every
    # other input to python_amqp_decoder. The same results, the same errors.
    EXTENSION.init(AMQPMessage, AmqpValue, _unwrap, _python_encode, python_amqp_decoder)
    amqp_decoder = EXTENSION.decode


def decode_amqp(data: bytes, *, lazy: bool = True) -> AMQPMessage:
    """Decode an AMQP 1.0 message; with ``lazy=False`` every section is decoded now."""
    message = amqp_decoder(data)
    if not lazy:
        message._all_sections()
    return message

