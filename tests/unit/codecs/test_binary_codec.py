"""The "binary" codec and RawMessage: the stored bytes are the message, both ways."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rstream_core.plugin_api import MessageCodec
from rstream_plugins.codec_amqp import AMQPMessage
from rstream_plugins.codec_binary import BinaryCodec, RawMessage, rstream_register_codecs


@given(st.binary())
def test_bytes_are_stored_and_read_unchanged(data: bytes) -> None:
    codec = BinaryCodec()
    assert codec.encode(data) == data
    assert codec.decode(codec.encode(data)) == data


def test_encode_takes_anything_bytes_like() -> None:
    codec = BinaryCodec()
    assert codec.encode(bytearray(b"ab")) == b"ab"
    assert codec.encode(memoryview(b"ab")) == b"ab"
    assert codec.encode(RawMessage(b"ab", publishing_id=1)) == b"ab"
    assert codec.encode(AMQPMessage(b"ab")) == bytes(AMQPMessage(b"ab"))
    for result in (codec.encode(bytearray(b"ab")), codec.encode(RawMessage(b"ab"))):
        assert type(result) is bytes


def test_encode_refuses_what_has_no_bytes() -> None:
    with pytest.raises(TypeError):
        BinaryCodec().encode("text")
    with pytest.raises(TypeError):
        BinaryCodec().encode(42)


def test_decode_gives_bytes() -> None:
    codec = BinaryCodec()
    for data in (b"ab", bytearray(b"ab"), memoryview(b"ab")):
        decoded = codec.decode(data)  # type: ignore[arg-type]
        assert decoded == b"ab"
        assert type(decoded) is bytes


def test_raw_message() -> None:
    raw = RawMessage(b"data", publishing_id=7)
    assert bytes(raw) == b"data"
    assert len(raw) == 4
    assert raw.publishing_id == 7
    assert RawMessage(b"data").publishing_id is None
    assert raw == RawMessage(b"data", 7)
    assert raw != RawMessage(b"data", 8)
    assert raw != RawMessage(b"other", 7)
    assert raw != b"data"
    assert repr(raw) == "RawMessage(b'data', publishing_id=7)"
    assert repr(RawMessage(b"x")) == "RawMessage(b'x')"
    raw.publishing_id = 8
    assert raw.publishing_id == 8


class _Registry:
    def __init__(self) -> None:
        self.codecs: dict[str, object] = {}

    def add_codec(self, name: str, factory: object) -> None:
        self.codecs[name] = factory


def test_the_plugin_registers_the_binary_codec() -> None:
    registry = _Registry()
    rstream_register_codecs(registry)  # type: ignore[arg-type]
    codec = registry.codecs["binary"]()  # type: ignore[operator]
    assert isinstance(codec, MessageCodec)
    assert codec.name == "binary"
