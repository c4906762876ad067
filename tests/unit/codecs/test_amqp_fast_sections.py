"""The fast paths for properties and application properties agree with the generic decoder.

For any section, the fast path (`fast_sections`) and the generic one
(`section_decoder.decode_section`) must give the same value, types included, or both raise
AmqpDecodeError. Also checked: the usual shapes really are decoded by the fast path.

Each check runs against both fast paths: pure Python, and the C extension (`_speedups`, then
Python for what it leaves) when it is built, whatever RSTREAM_NO_EXTENSIONS says. The C
functions also get random and truncated input, for which they must give the Python fast
path's value or NotImplemented.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from amqp_strategies import (
    APPLICATION_PROPERTIES,
    ASCII,
    BINARY,
    LONG,
    PROPERTIES,
    TEXT,
    UINT,
    ULONG,
    assert_same,
    scalars,
    values,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from test_amqp_vectors import h

from rstream_plugins.codec_amqp import (
    AmqpDecodeError,
    AMQPMessage,
    ApplicationProperties,
    Int,
    Long,
    Properties,
    Symbol,
    Timestamp,
    UByte,
    UInt,
    ULong,
    amqp_decoder,
    encode_value,
    fast_sections,
)
from rstream_plugins.codec_amqp.fast_sections import (
    python_decode_application_properties,
    python_decode_properties,
)
from rstream_plugins.codec_amqp.section_decoder import decode_section, scan_message
from tests.extensions import run_python

PROPERTIES_SLOT = 3
APPLICATION_PROPERTIES_SLOT = 4

# A fast path: the decoder of each of the two slots.
Decoder = Callable[[bytes, tuple[int, int]], Any]
Fast = dict[int, Decoder]
PYTHON: Fast = {
    PROPERTIES_SLOT: python_decode_properties,
    APPLICATION_PROPERTIES_SLOT: python_decode_application_properties,
}
SPEEDUPS = fast_sections.load_speedups(ignore_environment=True)


def _c_then_python(c_decode: Decoder, python_decode: Decoder) -> Decoder:
    """What fast_sections does with the C extension on: C, and Python for what C leaves."""

    def decode(data: bytes, where: tuple[int, int]) -> Any:
        result = c_decode(data, where)
        return python_decode(data, where) if result is NotImplemented else result

    return decode


C: Fast = {}
if SPEEDUPS is not None:
    C[PROPERTIES_SLOT] = _c_then_python(SPEEDUPS.decode_properties, python_decode_properties)
    C[APPLICATION_PROPERTIES_SLOT] = _c_then_python(
        SPEEDUPS.decode_application_properties, python_decode_application_properties
    )
# Skipped only where no C compiler built it; CI (which has one) must run the C path.
needs_c = pytest.mark.skipif(
    SPEEDUPS is None and not os.environ.get("CI"), reason="the C extension is not built"
)
# Runs a test once per fast path; `fast` is the one under test.
BOTH = pytest.mark.parametrize(
    "fast", [pytest.param(PYTHON, id="python"), pytest.param(C, id="c", marks=needs_c)]
)
PREFIXES = {PROPERTIES_SLOT: h("00 53 73"), APPLICATION_PROPERTIES_SLOT: h("00 53 74")}
BODY = h("00 53 75 a0 00")


def _fields(value: Any) -> Any:
    """A Properties as the list of its fields (which assert_same compares type by type)."""
    if isinstance(value, Properties):
        return [getattr(value, field.name) for field in dataclasses.fields(value)]
    return value


def assert_both_agree(data: bytes, slot: int, fast: Fast) -> Any:
    """Decode the section in `slot` both ways: the same value (returned), or both raise.

    Returns None when the message's framing is already refused (the fast paths only see
    sections that `scan_message` accepted).
    """
    try:
        _, sections = scan_message(data)
    except AmqpDecodeError:
        return None
    assert sections is not None
    where = sections[slot]
    try:
        expected = decode_section(data, where, slot)
    except AmqpDecodeError:
        with pytest.raises(AmqpDecodeError):
            fast[slot](data, where)
        return None
    actual = fast[slot](data, where)
    assert type(actual) is type(expected)
    assert_same(_fields(expected), _fields(actual))
    return actual


def section(slot: int, value: Any) -> bytes:
    """A message holding `value` (a list or map, encoded as is) as the section in `slot`."""
    return PREFIXES[slot] + encode_value(value) + BODY


# --- random sections, both ways ----------------------------------------------------------

# What properties fields usually hold, as decoded; any other value now and then.
FIELDS = st.one_of(
    st.none(),
    st.none(),
    TEXT,
    ASCII.map(Symbol),
    BINARY,
    ULONG.map(ULong),
    UINT.map(UInt),
    LONG.map(Timestamp),
    st.uuids(),
    scalars(),
    values(),
)
FIELD_LISTS = st.lists(FIELDS, max_size=14)  # 14: one more than a properties list may hold
# What application properties usually hold, and any other simple value.
APPLICATION_VALUES = st.one_of(
    TEXT,
    LONG,
    st.integers(-128, 127),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    scalars(),
)
APPLICATION_MAPS = st.one_of(
    st.dictionaries(TEXT, APPLICATION_VALUES, max_size=6),
    st.dictionaries(TEXT, APPLICATION_VALUES, max_size=6),
    st.dictionaries(TEXT, values(), max_size=2),  # values of any type
    st.dictionaries(st.one_of(ASCII.map(Symbol), scalars()), scalars(), max_size=2),  # keys too
)


@BOTH
@given(FIELD_LISTS)
@settings(max_examples=300)
def test_properties_lists_decode_the_same_both_ways(fast: Fast, fields: list[Any]) -> None:
    assert_both_agree(section(PROPERTIES_SLOT, fields), PROPERTIES_SLOT, fast)


@BOTH
@given(APPLICATION_MAPS)
@settings(max_examples=300)
def test_application_maps_decode_the_same_both_ways(fast: Fast, pairs: dict[Any, Any]) -> None:
    data = section(APPLICATION_PROPERTIES_SLOT, pairs)
    assert_both_agree(data, APPLICATION_PROPERTIES_SLOT, fast)


@BOTH
@given(PROPERTIES, APPLICATION_PROPERTIES)
@settings(max_examples=200)
def test_encoded_messages_decode_the_same_both_ways(
    fast: Fast, properties: Properties, application_properties: dict[str, Any]
) -> None:
    data = bytes(
        AMQPMessage(b"", properties=properties, application_properties=application_properties)
    )
    assert_both_agree(data, PROPERTIES_SLOT, fast)
    assert_both_agree(data, APPLICATION_PROPERTIES_SLOT, fast)


@st.composite
def mutated_sections(draw: st.DrawFn) -> tuple[bytes, int]:
    """A valid section with a few bytes of its items changed, inserted or removed.

    The size of a list8 or map8 is then set to match, so that the message keeps its framing
    and the damage is inside the section.
    """
    slot = draw(st.sampled_from([PROPERTIES_SLOT, APPLICATION_PROPERTIES_SLOT]))
    value = draw(FIELD_LISTS if slot == PROPERTIES_SLOT else APPLICATION_MAPS)
    data = bytearray(section(slot, value)[: -len(BODY)])
    if len(data) < 6:
        return bytes(data) + BODY, slot  # list0: nothing inside to damage
    random = draw(st.randoms(use_true_random=False))
    for _ in range(random.randint(1, 3)):
        position = random.randrange(5, len(data) + 1)  # the count, or an item
        byte = random.choice((random.randrange(256), 0x40, 0x41, 0xA1, 0xA3, 0x55, 0x81))
        action = random.choice(("set", "insert", "delete"))
        if action == "insert":
            data.insert(position, byte)
        elif position == len(data) or len(data) == 6:
            continue
        elif action == "set":
            data[position] = byte
        else:
            del data[position]
    if data[3] in (0xC0, 0xC1) and len(data) < 260:
        data[4] = len(data) - 5
    return bytes(data) + BODY, slot


@BOTH
@given(mutated_sections())
@settings(max_examples=500)
def test_damaged_sections_decode_the_same_both_ways(fast: Fast, case: tuple[bytes, int]) -> None:
    assert_both_agree(*case, fast)


# --- vectors ------------------------------------------------------------------------------

UUID = uuid.UUID("12345678-9abc-def0-1234-56789abcdef0")
ERROR = object()  # the section must be refused


def compound8(constructor: str, items: str) -> bytes:
    """A list8 or map8: `items` is the hex of the count and the items; the size is added."""
    payload = h(items)
    return h(constructor) + bytes((len(payload),)) + payload


def assert_vector(data: bytes, slot: int, expected: Any, fast: Fast) -> None:
    scan_message(data)  # the framing is fine: only the section's content may be wrong
    decoded = assert_both_agree(data, slot, fast)
    if expected is ERROR:
        message = amqp_decoder(data)
        with pytest.raises(AmqpDecodeError):
            getattr(message, "properties" if slot == PROPERTIES_SLOT else "application_properties")
    else:
        assert_same(_fields(expected), _fields(decoded))


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ("00", Properties()),
        ('03 a1 02 "id" 40 a3 04 "text"', Properties("id", to=Symbol("text"))),
        ('07 53 07 40 40 40 40 40 a3 01 "t"', Properties(ULong(7), content_type=Symbol("t"))),
        (
            "0a" + " 40" * 9 + " 83 00 00 00 00 00 05 00 00",
            Properties(creation_time=Timestamp(5 << 16)),
        ),
        ('03 40 a0 01 "u" a1 02 "to"', Properties(user_id=b"u", to="to")),
        ("01 98 " + UUID.hex, Properties(UUID)),
        ("01 80 00 00 00 00 00 00 01 00", Properties(ULong(256))),
        ("02 44 43", Properties(ULong(0), UInt(0))),
        ("01 52 09", Properties(UInt(9))),
        ("01 70 00 00 01 00", Properties(UInt(256))),
        ("01 50 07", Properties(UByte(7))),
        ('01 b1 00 00 00 01 "x"', Properties("x")),
        ("01 55 05", Properties(Long(5))),  # a long in a numeric field is kept a Long
        ("03 40 40 55 05", Properties(to=5)),  # and elsewhere a plain int
        ("01 c0 01 00", Properties([])),  # a list where none is due: as it came
        ("03" + " 40" * 10, ERROR),  # 3 fields announced, 10 there
        ("0e" + " 40" * 14, ERROR),  # 14 fields: one too many
        ('02 a1 02 "ab" a1 09', ERROR),  # a string running past the section
        ("01 a1 02 c3 28", ERROR),  # not UTF-8
        ("01 a3 02 c3 a9", ERROR),  # a symbol is ASCII
        ("01 56 02", ERROR),  # a boolean byte is 0 or 1
        ("01 ff", ERROR),  # no such constructor
    ],
)
@BOTH
def test_properties_vectors(items: str, expected: Any, fast: Fast) -> None:
    data = h("00 53 73") + compound8("c0", items) + BODY
    assert_vector(data, PROPERTIES_SLOT, expected, fast)


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ("00", {}),
        ('02 a1 01 "s" a1 05 "value"', {"s": "value"}),
        ('02 a1 01 "n" 55 ff', {"n": -1}),
        ('02 a1 01 "n" 81 80 00 00 00 00 00 00 00', {"n": -(2**63)}),
        ('06 a1 01 "t" 41 a1 01 "f" 42 a1 01 "z" 40', {"t": True, "f": False, "z": None}),
        ('02 a1 01 "d" 82 3f f8 00 00 00 00 00 00', {"d": 1.5}),
        ('02 a1 01 "i" 54 fe', {"i": Int(-2)}),
        ('02 a1 01 "y" a3 03 "sym"', {"y": Symbol("sym")}),
        ('02 a1 01 "u" 52 05', {"u": UInt(5)}),
        ('02 a1 01 "u" 83 00 00 00 00 00 00 00 07', {"u": Timestamp(7)}),
        ('02 a1 01 "b" a0 03 "bin"', {"b": b"bin"}),
        ('04 a1 01 "k" 55 01 a1 01 "k" 55 02', {"k": 2}),  # the last one wins
        ('02 a3 01 "k" a1 01 "v"', {Symbol("k"): "v"}),  # a symbol key: as it came
        ('02 b1 00 00 00 01 "k" 40', {"k": None}),
        ('02 a1 01 "l" c0 01 00', {"l": []}),  # a list where none is due: as it came
        ("02 55 01 a1 00", ERROR),  # keys are strings
        ('03 a1 01 "k"', ERROR),  # an odd count
        ('02 a1 01 "k" a1 09', ERROR),  # a string running past the section
        ('02 a1 01 "k" 56 07', ERROR),  # a boolean byte is 0 or 1
        ('02 a1 01 "k" ff', ERROR),  # no such constructor
        ('02 a1 02 "k" 40', ERROR),  # the key swallows the value
        ('04 a1 01 "k" 40 40', ERROR),  # 2 pairs announced, 1 and a half there
    ],
)
@BOTH
def test_application_properties_vectors(items: str, expected: Any, fast: Fast) -> None:
    data = h("00 53 74") + compound8("c1", items) + BODY
    if expected is not ERROR:  # every decoder gives the map as an ApplicationProperties
        expected = ApplicationProperties(expected)
    assert_vector(data, APPLICATION_PROPERTIES_SLOT, expected, fast)


@pytest.mark.parametrize(
    "head",
    [
        "00 80 00 00 00 00 00 00 00 {code}",  # a ulong descriptor
        "00 a3 {name}",  # a symbolic descriptor (its size, then its name)
    ],
)
@pytest.mark.parametrize(
    ("slot", "code", "name", "value", "expected"),
    [
        (PROPERTIES_SLOT, "73", '14 "amqp:properties:list"', ["id"], Properties("id")),
        (
            APPLICATION_PROPERTIES_SLOT,
            "74",
            '1f "amqp:application-properties:map"',
            {"k": 1},
            ApplicationProperties(k=1),
        ),
    ],
)
@BOTH
def test_other_descriptors_and_wide_forms_decode_too(
    head: str, slot: int, code: str, name: str, value: Any, expected: Any, fast: Fast
) -> None:
    head_bytes = h(head.format(code=code, name=name))
    for encoding in (encode_value(value), _wide(encode_value(value))):
        assert_vector(head_bytes + encoding + BODY, slot, expected, fast)
        assert_vector(PREFIXES[slot] + encoding + BODY, slot, expected, fast)


def _wide(encoding: bytes) -> bytes:
    """The list32 or map32 form of a list8 or map8."""
    size, count, items = encoding[1], encoding[2], encoding[3:]
    return bytes((encoding[0] + 0x10,)) + (size + 3).to_bytes(4) + count.to_bytes(4) + items


# --- the fast paths are taken ---------------------------------------------------------------


@pytest.fixture
def no_generic_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(data: bytes, where: tuple[int, int], slot: int) -> Any:
        raise AssertionError("the generic decoder was used")

    monkeypatch.setattr(fast_sections, "decode_section", refuse)


@pytest.mark.usefixtures("no_generic_decoder")
def test_usual_shapes_are_decoded_by_the_fast_paths() -> None:
    properties = Properties(
        message_id="id-1",
        user_id=b"user",
        to="queue",
        correlation_id=UUID,
        content_type="application/json",
        content_encoding="gzip",
        creation_time=1_700_000_000_000,
        group_id="group",
        group_sequence=3,
    )
    application_properties = {
        "region": "eu-west",
        "sequence": 123_456,
        "small": -3,
        "urgent": True,
        "late": False,
        "none": None,
        "ratio": 0.5,
        "typed": UInt(7),
    }
    for message_id in ("id-1", 42, 2**40, UUID, b"raw"):
        properties.message_id = message_id
        message = amqp_decoder(
            bytes(
                AMQPMessage(
                    b"x", properties=properties, application_properties=application_properties
                )
            )
        )
        assert message.properties == properties
        assert type(message.properties.content_type) is Symbol
        assert type(message.properties.group_sequence) is UInt
        assert_same(ApplicationProperties(application_properties), message.application_properties)
    assert amqp_decoder(bytes(AMQPMessage(b"x", properties=Properties()))).properties == (
        Properties()
    )


def test_symbols_are_decoded_once_and_the_cache_is_bounded() -> None:
    data = section(PROPERTIES_SLOT, [None] * 6 + [Symbol("text/cached")])
    first = amqp_decoder(data).properties
    second = amqp_decoder(data).properties
    assert first is not None and second is not None
    assert first.content_type is second.content_type  # the same Symbol, from the cache
    for index in range(fast_sections._SYMBOLS_LIMIT + 10):
        data = section(PROPERTIES_SLOT, [None] * 6 + [Symbol(f"type/{index}")])
        decoded = amqp_decoder(data).properties
        assert decoded is not None and decoded.content_type == f"type/{index}"
    assert len(fast_sections._SYMBOLS) <= fast_sections._SYMBOLS_LIMIT


# --- the C extension ----------------------------------------------------------------------

USUAL_PROPERTIES = Properties(
    message_id="id-1",
    user_id=b"user",
    to="queue",
    correlation_id="corr",
    content_type="application/json",
    content_encoding="gzip",
    absolute_expiry_time=1_700_000_100_000,
    creation_time=1_700_000_000_000,
    group_id="group",
    group_sequence=2**32 - 1,
    reply_to_group_id="group-2",
)
USUAL_APPLICATION_PROPERTIES = {
    "region": "eu-west",
    "sequence": 123_456,
    "small": -3,
    "urgent": True,
    "late": False,
    "none": None,
    "ratio": 0.5,
    "typed": UInt(7),
    "wide": UInt(2**32 - 1),
    "id": ULong(2**64 - 1),
    "at": Timestamp(-5),
    "byte": UByte(200),
    "symbol": Symbol("sym"),
    "bytes": b"raw",
}


@needs_c
@pytest.mark.parametrize(
    ("slot", "items", "expected"),
    [
        (PROPERTIES_SLOT, 'c0 03 b1 00 00 00 01 "x" 40 40', Properties("x")),
        (
            PROPERTIES_SLOT,
            "c0 07" + " 40" * 6 + ' b3 00 00 00 01 "t"',
            Properties(content_type=Symbol("t")),
        ),
        (PROPERTIES_SLOT, "c0 01 80 ff ff ff ff ff ff ff ff", Properties(ULong(2**64 - 1))),
        (PROPERTIES_SLOT, "c0 02 44 43", Properties(ULong(0), UInt(0))),
        (PROPERTIES_SLOT, "c0 01 41", Properties(True)),
        (APPLICATION_PROPERTIES_SLOT, 'c1 02 a1 01 "k" b1 00 00 00 02 "vw"', {"k": "vw"}),
        (APPLICATION_PROPERTIES_SLOT, 'c1 02 a1 01 "k" b0 00 00 00 01 "b"', {"k": b"b"}),
        (APPLICATION_PROPERTIES_SLOT, 'c1 02 a1 01 "k" b3 00 00 00 01 "s"', {"k": Symbol("s")}),
        (APPLICATION_PROPERTIES_SLOT, "c1 02 a1 00 55 80", {"": -128}),
        (
            APPLICATION_PROPERTIES_SLOT,
            'c1 02 a1 01 "k" 82 7f f0 00 00 00 00 00 00',
            {"k": float("inf")},
        ),
    ],
)
def test_wide_and_rare_forms_are_decoded_by_the_c_extension(
    slot: int, items: str, expected: Any
) -> None:
    assert SPEEDUPS is not None
    if slot == APPLICATION_PROPERTIES_SLOT:
        expected = ApplicationProperties(expected)
    payload = h(items)
    data = PREFIXES[slot] + payload[:1] + bytes((len(payload) - 1,)) + payload[1:] + BODY
    where = scan_message(data)[1][slot]
    decode = (
        SPEEDUPS.decode_properties
        if slot == PROPERTIES_SLOT
        else SPEEDUPS.decode_application_properties
    )
    assert_same(_fields(expected), _fields(decode(data, where)))
    assert_same(_fields(expected), _fields(decode_section(data, where, slot)))


@needs_c
@pytest.mark.parametrize("message_id", ["id-1", 7, 2**40, b"raw", None])
def test_usual_shapes_are_decoded_by_the_c_extension(message_id: Any) -> None:
    assert SPEEDUPS is not None
    properties = dataclasses.replace(USUAL_PROPERTIES, message_id=message_id)
    data = bytes(
        AMQPMessage(
            b"x", properties=properties, application_properties=USUAL_APPLICATION_PROPERTIES
        )
    )
    _, sections = scan_message(data)
    decoded = SPEEDUPS.decode_properties(data, sections[PROPERTIES_SLOT])
    assert decoded is not NotImplemented
    assert_same(
        _fields(decode_section(data, sections[PROPERTIES_SLOT], PROPERTIES_SLOT)), _fields(decoded)
    )
    pairs = SPEEDUPS.decode_application_properties(data, sections[APPLICATION_PROPERTIES_SLOT])
    assert pairs is not NotImplemented
    assert_same(ApplicationProperties(USUAL_APPLICATION_PROPERTIES), pairs)
    empty = section(PROPERTIES_SLOT, [])
    assert SPEEDUPS.decode_properties(empty, scan_message(empty)[1][PROPERTIES_SLOT]) == (
        Properties()
    )


def assert_c_agrees(data: bytes, where: Any) -> None:
    """The C functions give NotImplemented, or what the Python fast paths give."""
    assert SPEEDUPS is not None
    for slot, c_decode in (
        (PROPERTIES_SLOT, SPEEDUPS.decode_properties),
        (APPLICATION_PROPERTIES_SLOT, SPEEDUPS.decode_application_properties),
    ):
        result = c_decode(data, where)
        if result is not NotImplemented:
            expected = PYTHON[slot](data, where)
            assert type(result) is type(expected)
            assert_same(_fields(expected), _fields(result))


@needs_c
@given(st.binary(max_size=64), st.integers(-3, 70), st.integers(-3, 70))
@settings(max_examples=300)
def test_the_c_extension_survives_random_input(data: bytes, start: int, end: int) -> None:
    for head in (b"", h("00 53 73 c0"), h("00 53 74 c1")):
        assert_c_agrees(head + data, (start, end))
        assert_c_agrees(head + data, (0, len(head + data)))


@needs_c
@given(mutated_sections(), st.data())
@settings(max_examples=200)
def test_the_c_extension_survives_truncated_sections(
    case: tuple[bytes, int], draw: st.DataObject
) -> None:
    data = case[0]
    end = draw.draw(st.integers(0, len(data)))
    assert_c_agrees(data, (0, end))
    assert_c_agrees(data[:end], (0, end))


@needs_c
@pytest.mark.parametrize(
    "arguments",
    [
        (bytearray(b"\x00\x53\x73\x45"), (0, 4)),  # not bytes: left to Python
        (b"\x00\x53\x73\x45", [0, 4]),
        (b"\x00\x53\x73\x45", (0, 2**70)),
        (b"\x00\x53\x73\x45", (0, "4")),
        (b"\x00\x53\x73\x45", (0, 4, 5)),
        (b"\x00\x53\x73\x45", (0, 5)),  # past the end
        (b"\x00\x53\x73\x45", (3, 2)),
    ],
)
def test_the_c_extension_leaves_odd_arguments_to_python(arguments: tuple[Any, Any]) -> None:
    assert SPEEDUPS is not None
    assert SPEEDUPS.decode_properties(*arguments) is NotImplemented
    assert SPEEDUPS.decode_application_properties(*arguments) is NotImplemented


def test_the_speedups_flag_says_which_path_is_used() -> None:
    assert (
        fast_sections.decode_properties is not python_decode_properties
    ) == fast_sections.SPEEDUPS


@pytest.mark.parametrize("disabled", [True, False])
def test_rstream_no_extensions_selects_the_python_paths(disabled: bool) -> None:
    code = "from rstream_plugins import codec_amqp; print(codec_amqp.SPEEDUPS)"
    output = run_python(code, no_extensions=disabled)
    assert output.strip() == str(SPEEDUPS is not None and not disabled)


@pytest.mark.parametrize("disabled", [True, False])
def test_rstream_no_extensions_selects_the_python_message_base(disabled: bool) -> None:
    code = (
        "from rstream_plugins.codec_amqp import message\n"
        "print(message.MESSAGE_SPEEDUPS, message.AMQPMessage.__mro__[1].__module__)"
    )
    output = run_python(code, no_extensions=disabled)
    built = SPEEDUPS is not None and not disabled
    module = "_message" if built else "message"
    assert output.split() == [str(built), f"rstream_plugins.codec_amqp.{module}"]
