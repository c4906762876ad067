"""The "binary" message codec: the stored bytes are the message, both ways."""

from __future__ import annotations

from typing import Any

__all__ = ["BinaryCodec"]


class BinaryCodec:
    """Stores a message's bytes unchanged, and gives the stored bytes back.

    `encode` takes bytes, bytearray, memoryview, or any object with ``__bytes__`` (a
    RawMessage, an AMQPMessage...); `decode` returns bytes.
    """

    name = "binary"

    def encode(self, message: Any) -> bytes:
        if type(message) is bytes:
            return message
        if isinstance(message, bytes | bytearray | memoryview) or hasattr(message, "__bytes__"):
            return bytes(message)
        raise TypeError(f"the binary codec needs bytes, got {type(message).__name__}")

    def decode(self, data: bytes) -> bytes:
        return data if type(data) is bytes else bytes(data)

    def __repr__(self) -> str:
        return "<BinaryCodec 'binary'>"
