"""The AMQP 1.0 message codec plugin ("amqp"): AMQPMessage and its encoder and decoder.

``bytes(AMQPMessage(body=b"hi"))`` encodes a message; `amqp_decoder` decodes one. See
`types` for how Python values map to AMQP types, `sections` for Header and Properties, and
`message` for bodies and lazy decoding. `SPEEDUPS` tells whether the optional C extension
decodes properties and application properties (see `fast_sections`). Decoded application
properties come as an `ApplicationProperties` dict, which also answers rstream 1.x's bytes keys.
"""

from __future__ import annotations

from rstream_core.plugin_api import Registry, hookimpl

from .application_properties import ApplicationProperties
from .codec import AmqpCodec
from .decoder import decode_value
from .encoder import encode_value
from .errors import AmqpDecodeError, AmqpEncodeError
from .fast_sections import SPEEDUPS
from .message import AMQPMessage, amqp_decoder, decode_amqp, encode_amqp
from .sections import Header, MessageId, Properties
from .types import (
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
    Int,
    Long,
    SequenceSections,
    Short,
    Symbol,
    Timestamp,
    UByte,
    UInt,
    ULong,
    UShort,
)

__all__ = [
    "SPEEDUPS",
    "AMQPMessage",
    "AmqpCodec",
    "AmqpDecodeError",
    "AmqpEncodeError",
    "AmqpSequence",
    "AmqpValue",
    "ApplicationProperties",
    "Array",
    "Byte",
    "Char",
    "DataSections",
    "Decimal32",
    "Decimal64",
    "Decimal128",
    "Described",
    "Double",
    "Float",
    "Header",
    "Int",
    "Long",
    "MessageId",
    "Properties",
    "SequenceSections",
    "Short",
    "Symbol",
    "Timestamp",
    "UByte",
    "UInt",
    "ULong",
    "UShort",
    "amqp_decoder",
    "decode_amqp",
    "decode_value",
    "encode_amqp",
    "encode_value",
    "rstream_register_codecs",
]


@hookimpl
def rstream_register_codecs(registry: Registry) -> None:
    registry.add_codec("amqp", AmqpCodec)
