"""Decoded application properties answer rstream 1.x's bytes keys through their str keys.

rstream 1.x decoded AMQP strings as bytes, so its users read ``props[b"region"]``. Strings
are decoded as str now; a decoded map (an `ApplicationProperties`, whichever decoder made it:
the C extension, the Python fast path or the generic decoder) still answers ``[b"region"]``,
with one DeprecationWarning per process. Nothing else changes: str lookups, ``get``, ``in``,
equality, repr, copy and pickle are a dict's. A map the user builds is left as it is.
"""

from __future__ import annotations

import copy
import pickle
import sys
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from amqp_strategies import TEXT, scalars
from hypothesis import given, settings
from hypothesis import strategies as st
from test_amqp_fast_sections import (
    APPLICATION_PROPERTIES_SLOT,
    BODY,
    PYTHON,
    SPEEDUPS,
    C,
    needs_c,
    section,
)

from rstream_plugins.codec_amqp import (
    AMQPMessage,
    ApplicationProperties,
    Properties,
    Symbol,
    Timestamp,
    UByte,
    UInt,
    ULong,
    amqp_decoder,
    decode_amqp,
    encode_value,
    fast_sections,
)
from rstream_plugins.codec_amqp import application_properties as module
from rstream_plugins.codec_amqp.section_decoder import decode_section, scan_message

ITEMS = {"region": "eu-west", "sequence": 123_456, "urgent": True}


def decoded(items: dict[str, Any] | None = None) -> dict[Any, Any]:
    """The application properties of a decoded message holding `items`."""
    message = amqp_decoder(bytes(AMQPMessage(b"x", application_properties=items or ITEMS)))
    return decoded_map(message.application_properties)


def decoded_map(properties: Any) -> dict[Any, Any]:
    """`properties`, checked to be a decoded map, typed for the bytes keys it answers too."""
    assert type(properties) is ApplicationProperties
    return properties


@pytest.fixture
def not_warned_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a process that has not read a bytes key yet."""
    monkeypatch.setattr(module, "_warned", False)


@pytest.fixture
def already_warned(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a process that has read a bytes key already: no warning (pytest makes it an error)."""
    monkeypatch.setattr(module, "_warned", True)


# --- bytes keys -----------------------------------------------------------------------------


@pytest.mark.usefixtures("already_warned")
def test_a_bytes_key_answers_with_its_str_keys_value() -> None:
    properties = decoded()
    assert properties[b"region"] == "eu-west"
    assert properties[b"sequence"] == 123_456
    assert properties[b"urgent"] is True
    assert decoded({"é": 1, "": 2})["é".encode()] == 1  # UTF-8, not ASCII
    assert decoded({"é": 1, "": 2})[b""] == 2


@pytest.mark.usefixtures("not_warned_yet")
def test_the_first_bytes_lookup_warns_once_and_points_at_the_caller() -> None:
    properties = decoded()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        assert properties[b"region"] == "eu-west"
        assert properties[b"sequence"] == 123_456
        assert decoded()[b"urgent"] is True  # another message: still no second warning
        with pytest.raises(KeyError):
            properties[b"absent"]
    assert [warning.category for warning in caught] == [DeprecationWarning]
    warning = caught[0]
    assert (warning.filename, warning.lineno) == (__file__, line)
    text = str(warning.message)
    assert "decoded as str" in text
    assert 'msg.application_properties["region"]' in text


@pytest.mark.usefixtures("not_warned_yet")
def test_the_warning_is_given_once_even_when_warnings_are_errors() -> None:
    properties = decoded()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DeprecationWarning):
            properties[b"region"]
        assert properties[b"region"] == "eu-west"


@pytest.mark.usefixtures("not_warned_yet")
def test_a_missing_bytes_key_warns_too() -> None:
    # The code reading bytes keys is what the warning is about, found or not.
    with pytest.warns(DeprecationWarning), pytest.raises(KeyError):
        decoded()[b"absent"]


@pytest.mark.usefixtures("already_warned")
@pytest.mark.parametrize("key", [b"absent", b"\xff\xfe", b"regio", b"region\x00", 7, None, 1.5])
def test_a_key_found_nowhere_raises_keyerror_with_the_key_given(key: Any) -> None:
    with pytest.raises(KeyError) as raised:
        decoded()[key]
    assert raised.value.args == (key,)
    # Only the KeyError is shown: no UnicodeDecodeError chained to it.
    error = raised.value
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


@pytest.mark.usefixtures("not_warned_yet")
def test_str_lookups_are_a_dicts_and_never_warn() -> None:
    properties = decoded()
    assert properties["region"] == "eu-west"
    assert properties.get("region") == "eu-west"
    assert "region" in properties
    with pytest.raises(KeyError) as raised:
        properties["absent"]
    assert raised.value.args == ("absent",)
    assert properties.get("absent") is None
    assert module._warned is False
    # Only __missing__ is added: the lookups stay dict's own C functions.
    for name in ("__getitem__", "get", "__contains__", "__repr__"):
        assert getattr(ApplicationProperties, name) is getattr(dict, name)


@pytest.mark.usefixtures("not_warned_yet")
def test_get_and_in_do_not_answer_bytes_keys() -> None:
    # The documented limitation: only `[]` consults __missing__.
    properties = decoded()
    assert properties.get(b"region") is None
    assert b"region" not in properties
    assert module._warned is False


# --- every decoder gives an ApplicationProperties -------------------------------------------

Decoder = Callable[[bytes, tuple[int, int]], Any]


def _generic(data: bytes, where: tuple[int, int]) -> Any:
    return decode_section(data, where, APPLICATION_PROPERTIES_SLOT)


DECODERS = [
    pytest.param(PYTHON[APPLICATION_PROPERTIES_SLOT], id="python"),
    pytest.param(C.get(APPLICATION_PROPERTIES_SLOT), id="c", marks=needs_c),
    pytest.param(_generic, id="generic"),
    pytest.param(fast_sections.decode_application_properties, id="in-use"),
]


def _where(data: bytes) -> tuple[int, int]:
    """Where the application properties of message `data` are."""
    sections = scan_message(data)[1]
    assert sections is not None
    where: tuple[int, int] = sections[APPLICATION_PROPERTIES_SLOT]
    return where


def _as_map32(data: bytes) -> bytes:
    """The same section as a map32."""
    size, count, items = data[4], data[5], data[6 : -len(BODY)]
    return data[:3] + b"\xd1" + (size + 3).to_bytes(4) + count.to_bytes(4) + items + BODY


# Shapes the fast paths leave to the generic decoder.
GENERIC_SHAPES = [
    pytest.param(_as_map32(section(APPLICATION_PROPERTIES_SLOT, ITEMS)), id="map32"),
    pytest.param(section(APPLICATION_PROPERTIES_SLOT, {Symbol("k"): "v"}), id="symbol-key"),
    pytest.param(section(APPLICATION_PROPERTIES_SLOT, {"k": [1]}), id="list-value"),
]
SHAPES = [
    pytest.param(section(APPLICATION_PROPERTIES_SLOT, ITEMS), id="map8"),  # the fast paths'
    pytest.param(section(APPLICATION_PROPERTIES_SLOT, {}), id="empty"),
    *GENERIC_SHAPES,
]


@pytest.mark.parametrize("data", SHAPES)
@pytest.mark.parametrize("decode", DECODERS)
def test_every_decoder_gives_an_application_properties(decode: Decoder, data: bytes) -> None:
    where = _where(data)
    assert type(decode(data, where)) is ApplicationProperties
    assert type(amqp_decoder(data).application_properties) is ApplicationProperties
    assert type(decode_amqp(data, lazy=False).application_properties) is ApplicationProperties


@pytest.mark.parametrize("data", GENERIC_SHAPES)
def test_the_generic_decoder_gives_an_application_properties(
    data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    slots: list[int] = []

    def generic(data: bytes, where: tuple[int, int], slot: int) -> Any:
        slots.append(slot)
        return decode_section(data, where, slot)

    monkeypatch.setattr(fast_sections, "decode_section", generic)
    where = _where(data)
    if SPEEDUPS is not None:
        assert SPEEDUPS.decode_application_properties(data, where) is NotImplemented
    assert type(PYTHON[APPLICATION_PROPERTIES_SLOT](data, where)) is ApplicationProperties
    assert slots == [APPLICATION_PROPERTIES_SLOT]  # the fast path handed it over


@needs_c
@pytest.mark.usefixtures("already_warned")
def test_the_c_extensions_map_answers_bytes_keys() -> None:
    assert SPEEDUPS is not None
    data = section(APPLICATION_PROPERTIES_SLOT, ITEMS)
    where = _where(data)
    properties = decoded_map(SPEEDUPS.decode_application_properties(data, where))
    assert properties[b"region"] == "eu-west"


class _WithInit(dict[str, Any]):
    def __init__(self) -> None:
        super().__init__()


class _WithNew(dict[str, Any]):
    def __new__(cls) -> _WithNew:
        return super().__new__(cls)


@needs_c
@pytest.mark.parametrize("wrong", [_WithInit, _WithNew, list, ApplicationProperties()])
def test_the_c_extension_refuses_a_map_class_that_dicts_new_cannot_make(wrong: Any) -> None:
    # The C extension makes its maps with dict's tp_new alone, so the class may add neither
    # __new__ nor __init__. The check comes before anything is kept.
    assert SPEEDUPS is not None
    with pytest.raises(TypeError, match="application properties"):
        SPEEDUPS.init(
            Properties, wrong, ULong, UInt, UByte, Timestamp, {}, fast_sections._new_symbol
        )
    data = section(APPLICATION_PROPERTIES_SLOT, ITEMS)
    where = _where(data)
    assert type(SPEEDUPS.decode_application_properties(data, where)) is ApplicationProperties


def test_a_map_the_user_builds_stays_as_it_is() -> None:
    items = dict(ITEMS)
    message = AMQPMessage(b"x", application_properties=items)
    assert message.application_properties is items
    assert type(message.application_properties) is dict


# --- a dict in every other way --------------------------------------------------------------


@pytest.mark.usefixtures("already_warned")
def test_equality_repr_copy_and_pickle_are_a_dicts() -> None:
    properties = decoded()
    plain = dict(ITEMS)
    assert properties == plain and plain == properties  # both ways round
    assert properties != {**plain, "region": "us-east"}
    assert repr(properties) == repr(ITEMS) == str(properties)
    for clone in (
        copy.copy(properties),
        copy.deepcopy(properties),
        pickle.loads(pickle.dumps(properties)),
    ):
        assert decoded_map(clone) == ITEMS
        assert clone[b"region"] == "eu-west"


@pytest.mark.usefixtures("already_warned")
@pytest.mark.parametrize("read_first", [False, True])
def test_decoded_messages_copy_and_pickle(read_first: bool) -> None:
    data = bytes(AMQPMessage(b"x", application_properties=ITEMS))
    message = amqp_decoder(data)
    if read_first:  # the map is decoded before the copy, else by the copy
        assert message.application_properties is not None
    for clone in (
        copy.copy(message),
        copy.deepcopy(message),
        pickle.loads(pickle.dumps(message)),
    ):
        assert clone == message
        assert bytes(clone) == data
        assert decoded_map(clone.application_properties)[b"region"] == "eu-west"


@pytest.mark.usefixtures("already_warned")
def test_a_changed_decoded_map_is_encoded_again() -> None:
    message = amqp_decoder(bytes(AMQPMessage(b"x", application_properties=ITEMS)))
    decoded_map(message.application_properties)["region"] = "us-east"
    again = decoded_map(amqp_decoder(bytes(message)).application_properties)
    assert again == {**ITEMS, "region": "us-east"}
    assert again[b"region"] == "us-east"


# --- any str-keyed map ----------------------------------------------------------------------


@pytest.mark.usefixtures("already_warned")
@pytest.mark.parametrize("decode", DECODERS)
@given(st.dictionaries(TEXT, scalars(), max_size=6), st.booleans())
@settings(max_examples=150)
def test_every_key_is_also_found_by_its_utf8_bytes(
    decode: Decoder, items: dict[str, Any], wide: bool
) -> None:
    data = section(APPLICATION_PROPERTIES_SLOT, items)
    if wide and data[3] == 0xC1:  # a map8 (a large map is a map32 already)
        data = _as_map32(data)
    properties = decoded_map(decode(data, _where(data)))
    assert properties == items
    for key in items:
        assert properties[key.encode()] is properties[key]
    assert encode_value(dict(properties)) == encode_value(items)
