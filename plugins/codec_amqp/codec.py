"""The "amqp" message codec: what a producer or consumer configured with codec="amqp" uses."""

from __future__ import annotations

from typing import Any

from .errors import AmqpEncodeError
from .message import AMQPMessage, amqp_decoder, encode_amqp

__all__ = ["AmqpCodec"]


class AmqpCodec:
    """Messages in, AMQP 1.0 bytes out, and back.

    `encode` takes an AMQPMessage; plain bytes (bytearray, memoryview) become the body of a
    message (one data section), so every stored message is valid AMQP 1.0; any other object
    with ``__bytes__`` (e.g. a RawMessage) is taken as already encoded and stored as is.
    `decode` gives an AMQPMessage (decoded lazily, see `message`).
    """

    name = "amqp"

    def encode(self, message: Any) -> bytes:
        if type(message) is AMQPMessage:
            return bytes(message)
        if isinstance(message, bytes | bytearray | memoryview):
            return encode_amqp(AMQPMessage(bytes(message)))
        if hasattr(message, "__bytes__"):
            return bytes(message)
        raise AmqpEncodeError(f"cannot encode {type(message).__name__} as an AMQP message")

    def decode(self, data: bytes) -> AMQPMessage:
        return amqp_decoder(data)

    def __repr__(self) -> str:
        return "<AmqpCodec 'amqp'>"
