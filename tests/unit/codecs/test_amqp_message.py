"""AMQPMessage behaviour, the typed wrappers, the "amqp" codec and its registration."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from rstream_core.plugin_api import MessageCodec, ProtocolError
from rstream_plugins.codec_amqp import (
    AmqpCodec,
    AmqpDecodeError,
    AmqpEncodeError,
    AMQPMessage,
    AmqpSequence,
    AmqpValue,
    Array,
    Byte,
    Char,
    DataSections,
    Decimal32,
    Decimal64,
    Decimal128,
    Described,
    Double,
    Float,
    Header,
    Int,
    Long,
    Properties,
    SequenceSections,
    Short,
    Symbol,
    Timestamp,
    UByte,
    UInt,
    ULong,
    UShort,
    amqp_decoder,
    decode_amqp,
    encode_amqp,
    rstream_register_codecs,
)
from rstream_plugins.codec_amqp.message import python_amqp_decoder

PROTON_STYLE = bytes.fromhex(  # map32/list32 sections, as Apache Qpid Proton writes them
    "00 53 72 d1 00 00 00 0b 00 00 00 02 a3 03 78 2d 61 55 01"  # {x-a: 1}
    "00 53 73 d0 00 00 00 09 00 00 00 03 40 40 a1 01 73"  # to="s"
    "00 53 74 d1 00 00 00 09 00 00 00 02 a1 01 6b 55 01"  # {k: 1}
    "00 53 75 a0 05 68 65 6c 6c 6f"  # b"hello"
)


# Every keyword argument of AMQPMessage, in the order of its signature (after `body`).
FIELDS = (
    "header",
    "delivery_annotations",
    "message_annotations",
    "properties",
    "application_properties",
    "footer",
    "publishing_id",
)


def test_defaults() -> None:
    message = AMQPMessage()
    assert message.body is None
    for name in FIELDS:
        assert getattr(message, name) is None
    assert bytes(message) == bytes.fromhex("00537740")


def test_constructor_arguments() -> None:
    # The same rules for the C MessageBase and the Python one (make test runs this file on
    # both): body positional or keyword, everything else keyword-only.
    message = AMQPMessage(b"b", publishing_id=7, footer={"f": 1})
    assert (message.body, message.publishing_id, message.footer) == (b"b", 7, {"f": 1})
    assert AMQPMessage(body=b"b") == AMQPMessage(b"b")
    assert bytes(AMQPMessage(**{"body": b"b", "properties": None})) == bytes(AMQPMessage(b"b"))
    with pytest.raises(TypeError):
        AMQPMessage(b"b", b"c")  # type: ignore[misc]
    with pytest.raises(TypeError):
        AMQPMessage(b"b", body=b"c")  # type: ignore[misc]
    with pytest.raises(TypeError):
        AMQPMessage(b"b", subject="s")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="keywords must be strings"):
        AMQPMessage(**{1: b"b"})  # type: ignore[misc]


@pytest.mark.parametrize("slot", ["_raw", "_sections", "_body"])
def test_bytes_of_a_message_with_a_deleted_slot_raises_attribute_error(slot: str) -> None:
    message = AMQPMessage(b"b")
    delattr(message, slot)
    with pytest.raises(AttributeError):
        bytes(message)


def test_the_signature_names_every_argument() -> None:
    import inspect

    parameters = inspect.signature(AMQPMessage).parameters
    assert list(parameters) == ["body", *FIELDS]
    assert parameters["body"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert parameters["footer"].kind is inspect.Parameter.KEYWORD_ONLY


def test_init_again_resets_the_message() -> None:
    message = amqp_decoder(PROTON_STYLE)
    message.__init__(b"new")  # type: ignore[misc]
    assert message == AMQPMessage(b"new")
    assert bytes(message) == bytes(AMQPMessage(b"new"))


@pytest.mark.parametrize("size", [0, 1, 255, 256, 70000])
def test_data_bodies_of_every_size_encode_as_one_data_section(size: int) -> None:
    body = bytes(range(256)) * (size // 256) + bytes(size % 256)
    encoded = bytes(AMQPMessage(body))
    head = b"\x00\x53\x75" + (
        b"\xa0" + bytes([size]) if size < 256 else b"\xb0" + size.to_bytes(4, "big")
    )
    assert encoded == head + body
    assert amqp_decoder(encoded).body == body


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x53\x75\xa0\x00",
        b"\x00\x53\x75\xa0\x02hi",
        b"\x00\x53\x75\xa0\xff" + bytes(255),
        bytearray(b"\x00\x53\x75\xa0\x02hi"),
        memoryview(b"\x00\x53\x75\xa0\x02hi"),
        b"\x00\x53\x75\xa0\x03hi",  # says 3 bytes, holds 2
        b"\x00\x53\x75\xa0\x01hi",  # says 1 byte, holds 2
        b"\x00\x53\x75\xa0",
        b"\x00\x53\x77\x40",
        b"",
        PROTON_STYLE,
    ],
)
def test_amqp_decoder_and_the_python_decoder_agree(data: bytes) -> None:
    # amqp_decoder is the C decoder when the extension is built (make test runs this file on
    # both); it must give what the pure-Python decoder gives, errors included.
    try:
        expected = python_amqp_decoder(data)
    except AmqpDecodeError as exc:
        with pytest.raises(AmqpDecodeError, match=str(exc)[:20]):
            amqp_decoder(data)
        return
    message = amqp_decoder(data)
    assert type(message) is AMQPMessage
    assert message == expected
    assert bytes(message) == bytes(expected) == bytes(data)


@pytest.mark.parametrize("decoded", [False, True])
def test_messages_copy_and_pickle(decoded: bool) -> None:
    import copy
    import pickle

    message = AMQPMessage(b"x", properties=Properties(subject="s"), publishing_id=3)
    if decoded:
        message = amqp_decoder(bytes(message))  # lazy: properties still encoded
    for clone in (
        copy.copy(message),
        copy.deepcopy(message),
        pickle.loads(pickle.dumps(message)),
    ):
        assert type(clone) is AMQPMessage
        assert clone == message
        assert bytes(clone) == bytes(message)
        assert clone.publishing_id == message.publishing_id
    if decoded:  # a section the copy decodes (and changes) stays out of the original
        clone = copy.copy(message)
        assert clone.properties is not None
        clone.properties.subject = "changed"
        assert amqp_decoder(bytes(message)).properties == Properties(subject="s")


def test_a_message_in_a_reference_cycle_is_collected() -> None:
    import gc
    import weakref

    class Holder:
        pass

    holder = Holder()
    message = AMQPMessage(holder, footer={"self": holder})
    holder.message = message  # type: ignore[attr-defined]
    alive = weakref.ref(holder)
    del holder, message
    gc.collect()
    assert alive() is None


def test_bytes_and_encode_amqp_agree() -> None:
    message = AMQPMessage(b"x", properties=Properties(subject="s"))
    assert bytes(message) == encode_amqp(message)
    assert amqp_decoder(bytes(message)) == message


def test_publishing_id_is_not_encoded() -> None:
    message = AMQPMessage(b"x", publishing_id=42)
    assert bytes(message) == bytes(AMQPMessage(b"x"))
    assert message.publishing_id == 42
    assert amqp_decoder(bytes(message)).publishing_id is None


def test_equality_covers_every_field() -> None:
    base: dict[str, Any] = {"header": Header(durable=True), "application_properties": {"a": 1}}
    assert AMQPMessage(b"x", **base) == AMQPMessage(b"x", **base)
    assert AMQPMessage(b"x", **base) != AMQPMessage(b"y", **base)
    assert AMQPMessage(b"x", **base) != AMQPMessage(b"x", header=Header(durable=False))
    assert AMQPMessage(b"x") != AMQPMessage(b"x", publishing_id=1)
    assert AMQPMessage(b"x") != AMQPMessage(AmqpValue(b"x"))  # the body's kind counts
    assert AMQPMessage(b"x") != b"x"
    with pytest.raises(TypeError):
        hash(AMQPMessage(b"x"))


def test_repr_shows_what_is_set_and_str_the_body() -> None:
    message = AMQPMessage(b"hi", properties=Properties(subject="s"), publishing_id=3)
    assert repr(message) == (
        "AMQPMessage(body=b'hi', properties=Properties(message_id=None, user_id=None, to=None,"
        " subject='s', reply_to=None, correlation_id=None, content_type=None,"
        " content_encoding=None, absolute_expiry_time=None, creation_time=None, group_id=None,"
        " group_sequence=None, reply_to_group_id=None), publishing_id=3)"
    )
    assert str(message) == "b'hi'"  # as rstream 1.x printed a message


def test_amqp_value_is_kept_only_where_it_matters() -> None:
    assert type(AMQPMessage(AmqpValue(5)).body) is int
    assert AMQPMessage(AmqpValue(b"x")).body == AmqpValue(b"x")
    message = AMQPMessage(b"")
    message.body = AmqpValue("s")
    assert message.body == "s"


def test_a_decoded_message_gives_back_its_bytes() -> None:
    message = amqp_decoder(PROTON_STYLE)
    assert bytes(message) is PROTON_STYLE
    assert message.body == b"hello"  # an immutable body may be read freely
    assert bytes(message) is PROTON_STYLE


def test_sections_not_read_are_copied_when_another_changes() -> None:
    message = amqp_decoder(PROTON_STYLE)
    message.body = b"bye"
    assert bytes(message) == PROTON_STYLE.replace(b"\xa0\x05hello", b"\xa0\x03bye")


def test_a_section_read_and_changed_in_place_is_encoded_again() -> None:
    message = amqp_decoder(PROTON_STYLE)
    properties = message.properties
    assert properties is not None
    properties.subject = "new"
    application = message.application_properties
    assert application == {"k": 1}
    application["k"] = 2
    decoded = amqp_decoder(bytes(message))
    assert decoded.properties == Properties(to="s", subject="new")
    assert decoded.application_properties == {"k": 2}
    assert decoded.message_annotations == {"x-a": 1}


def test_a_mutable_body_read_is_encoded_again() -> None:
    original = bytes(AMQPMessage([1, 2]))
    message = amqp_decoder(original)
    message.body.append(3)
    assert amqp_decoder(bytes(message)).body == [1, 2, 3]


def test_setting_a_section_to_none_removes_it() -> None:
    message = amqp_decoder(PROTON_STYLE)
    message.message_annotations = None
    message.properties = None
    message.application_properties = None
    assert bytes(message) == bytes.fromhex("00 53 75 a0 05 68 65 6c 6c 6f")


def test_setters_add_sections() -> None:
    message = AMQPMessage(b"x")
    message.header = Header(durable=True)
    message.delivery_annotations = {"x-d": 1}
    message.message_annotations = {"x-m": 2}
    message.properties = Properties(subject="s")
    message.application_properties = {"a": 3}
    message.footer = {"x-f": 4}
    message.publishing_id = 9
    decoded = amqp_decoder(bytes(message))
    decoded.publishing_id = 9
    assert decoded == message


def test_eager_decoding_checks_every_section() -> None:
    data = bytes.fromhex("00 53 73 c0 03 01 40 40 00 53 75 a0 00")
    amqp_decoder(data)  # lazy: the properties are not read yet
    with pytest.raises(AmqpDecodeError):
        decode_amqp(data, lazy=False)


def test_sequence_and_data_bodies() -> None:
    for body in (
        DataSections([b"a", b"b"]),
        AmqpSequence([1, "a"]),
        SequenceSections([AmqpSequence([1]), AmqpSequence([2])]),
    ):
        decoded = amqp_decoder(bytes(AMQPMessage(body)))
        assert type(decoded.body) is type(body)
        assert decoded.body == body
    # one data section is plain bytes, however it was built
    assert amqp_decoder(bytes(AMQPMessage(DataSections([b"a"])))).body == b"a"


@pytest.mark.parametrize(
    "message",
    [
        AMQPMessage(DataSections()),
        AMQPMessage(SequenceSections()),
        AMQPMessage(DataSections(["text"])),  # type: ignore[list-item]
        AMQPMessage(SequenceSections([1])),  # type: ignore[list-item]
        AMQPMessage(b"", application_properties={1: "a"}),  # type: ignore[dict-item]
        AMQPMessage(b"", header=Header(priority=256)),
        AMQPMessage(b"", header=Header(ttl=-1)),
        AMQPMessage(b"", properties=Properties(message_id=-1)),
        AMQPMessage(b"", properties=Properties(group_sequence=2**32)),
        AMQPMessage(b"", message_annotations={"k": object()}),
        AMQPMessage("\ud800"),
    ],
    ids=repr,
)
def test_unencodable_messages_raise_amqp_encode_error(message: AMQPMessage) -> None:
    with pytest.raises(AmqpEncodeError):
        bytes(message)


def test_a_list_holding_itself_is_refused() -> None:
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(AmqpEncodeError):
        bytes(AMQPMessage(looped))


def test_error_types() -> None:
    assert issubclass(AmqpDecodeError, ProtocolError)
    assert issubclass(AmqpEncodeError, ValueError)


# --- typed wrappers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "low", "high"),
    [
        (UByte, 0, 255),
        (UShort, 0, 2**16 - 1),
        (UInt, 0, 2**32 - 1),
        (ULong, 0, 2**64 - 1),
        (Byte, -128, 127),
        (Short, -(2**15), 2**15 - 1),
        (Int, -(2**31), 2**31 - 1),
        (Long, -(2**63), 2**63 - 1),
        (Timestamp, -(2**63), 2**63 - 1),
    ],
)
def test_integer_wrappers_check_their_range(kind: type[int], low: int, high: int) -> None:
    assert kind(low) == low and kind(high) == high
    assert repr(kind(high)) == f"{kind.__name__}({high})"
    for outside in (low - 1, high + 1):
        with pytest.raises(ValueError):
            kind(outside)


def test_string_wrappers() -> None:
    assert Symbol("a") == "a" and hash(Symbol("a")) == hash("a")
    assert repr(Symbol("a")) == "Symbol('a')"
    with pytest.raises(ValueError):
        Symbol("\u00e9")
    assert Char("\U0001f600") == "\U0001f600"
    for wrong in ("", "ab"):
        with pytest.raises(ValueError):
            Char(wrong)


def test_float_is_rounded_to_32_bits() -> None:
    assert Float(0.1) != 0.1
    assert Float(0.1) == Float(Float(0.1))
    assert repr(Float(1.5)) == "Float(1.5)"
    assert repr(Double(1.5)) == "Double(1.5)"
    with pytest.raises(ValueError):
        Float(1e300)


def test_timestamp_and_datetime() -> None:
    moment = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC)
    stamp = Timestamp.from_datetime(moment)
    assert stamp == 1714979289123
    assert stamp.to_datetime() == moment.replace(microsecond=123000)
    assert Timestamp.from_datetime(moment.replace(tzinfo=None)) == stamp  # naive is UTC
    other_zone = moment.astimezone(datetime.timezone(datetime.timedelta(hours=2)))
    assert Timestamp.from_datetime(other_zone) == stamp


def test_decimals_need_their_size() -> None:
    for kind, size in ((Decimal32, 4), (Decimal64, 8), (Decimal128, 16)):
        assert kind(bytes(size)) == bytes(size)
        with pytest.raises(ValueError):
            kind(bytes(size + 1))


def test_array_normalises_its_element_type_and_items() -> None:
    assert Array(int, [1]) == Array(Long, (1,))
    assert Array(float, [1.0]).element_type is Double
    assert Array(type(None), [None]).element_type is None
    assert hash(Array(UInt, [1])) == hash(Array(UInt, (1,)))
    with pytest.raises(ValueError):
        Array(object, [])
    with pytest.raises(ValueError):
        Array(Described, [])


def test_described_compares_by_value() -> None:
    assert Described(ULong(0x70), [1]) == Described(0x70, [1])
    assert Described(Symbol("a"), 1) != Described(Symbol("b"), 1)


# --- the codec plugin --------------------------------------------------------------------


class _Registry:
    def __init__(self) -> None:
        self.codecs: dict[str, Any] = {}

    def add_codec(self, name: str, factory: Any) -> None:
        self.codecs[name] = factory


def test_the_plugin_registers_the_amqp_codec() -> None:
    registry = _Registry()
    rstream_register_codecs(registry)  # type: ignore[arg-type]
    codec = registry.codecs["amqp"]()
    assert isinstance(codec, MessageCodec)
    assert codec.name == "amqp"


def test_codec_encodes_messages_and_wraps_bytes() -> None:
    codec = AmqpCodec()
    message = AMQPMessage(b"x", application_properties={"a": 1})
    assert codec.encode(message) == bytes(message)
    assert codec.encode(b"x") == bytes(AMQPMessage(b"x"))
    assert codec.encode(bytearray(b"x")) == bytes(AMQPMessage(b"x"))
    assert codec.decode(bytes(message)) == message


def test_codec_stores_objects_with_bytes_as_they_are() -> None:
    class Encoded:
        def __bytes__(self) -> bytes:
            return b"\x00\x53\x77\x40"

    assert AmqpCodec().encode(Encoded()) == b"\x00\x53\x77\x40"
    with pytest.raises(AmqpEncodeError):
        AmqpCodec().encode(42)


def test_the_body_cannot_be_deleted_and_an_unset_one_raises() -> None:
    message = AMQPMessage(b"x")
    with pytest.raises(AttributeError):
        del message.body
    del message._body
    with pytest.raises(AttributeError):
        message.body  # noqa: B018
    message.body = b"again"
    assert message.body == b"again" and message._raw is None
