"""The two errors of the AMQP 1.0 codec."""

from __future__ import annotations

from rstream_core.plugin_api import ProtocolError

__all__ = ["AmqpDecodeError", "AmqpEncodeError"]


class AmqpDecodeError(ProtocolError):
    """The bytes are not a valid AMQP 1.0 message (or value). The only error decoding raises."""


class AmqpEncodeError(ValueError):
    """A value cannot be encoded: unsupported type, or out of its AMQP type's range."""
