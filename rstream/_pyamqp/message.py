"""rstream 1.x's `_pyamqp.message` names, as this package's AMQP 1.0 types."""

from rstream_plugins.codec_amqp import AMQPMessage, Header, Properties

Message = AMQPMessage

__all__ = ["Header", "Message", "Properties"]
