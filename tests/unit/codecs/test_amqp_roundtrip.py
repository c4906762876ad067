"""Property tests: random values and messages survive our encoder and decoder unchanged."""

from __future__ import annotations

from typing import Any

from amqp_strategies import as_decoded, assert_same, messages, values
from hypothesis import given, settings

from rstream_plugins.codec_amqp import (
    AMQPMessage,
    amqp_decoder,
    decode_amqp,
    decode_value,
    encode_amqp,
    encode_value,
)


@given(values())
@settings(max_examples=300)
def test_value_decodes_to_the_same_types_and_values(value: Any) -> None:
    assert_same(value, decode_value(encode_value(value)))


@given(values())
@settings(max_examples=300)
def test_value_reencodes_byte_for_byte(value: Any) -> None:
    data = encode_value(value)
    assert encode_value(decode_value(data)) == data


def _sections(message: AMQPMessage) -> dict[str, Any]:
    return {
        "body": message.body,
        "delivery_annotations": message.delivery_annotations,
        "message_annotations": message.message_annotations,
        "application_properties": message.application_properties,
        "footer": message.footer,
    }


@given(messages())
@settings(max_examples=200)
def test_message_decodes_equal(message: AMQPMessage) -> None:
    decoded = amqp_decoder(encode_amqp(message))
    assert decoded == message
    assert decoded.header == message.header
    assert decoded.properties == message.properties
    expected_sections = _sections(message)
    expected_sections["application_properties"] = as_decoded(message.application_properties)
    for name, expected in expected_sections.items():
        assert_same(expected, _sections(decoded)[name], name)


@given(messages())
@settings(max_examples=200)
def test_message_reencodes_byte_for_byte(message: AMQPMessage) -> None:
    data = encode_amqp(message)
    assert bytes(amqp_decoder(data)) == data  # untouched: the original bytes
    decoded = decode_amqp(data, lazy=False)
    rebuilt = AMQPMessage(  # a new message, so every section is encoded again
        decoded.body,
        header=decoded.header,
        delivery_annotations=decoded.delivery_annotations,
        message_annotations=decoded.message_annotations,
        properties=decoded.properties,
        application_properties=decoded.application_properties,
        footer=decoded.footer,
    )
    assert encode_amqp(rebuilt) == data
