"""rstream: a fast asyncio client for RabbitMQ Streams.

This package only re-exports the public API; the implementation lives in `rstream_core`
and the built-in plugins in `rstream_plugins`.
"""

from rstream_core.arguments import StreamArguments, SuperStreamCreationOption
from rstream_core.client import StreamInfo
from rstream_core.compat import DisconnectionErrorInfo, OffsetSpecification
from rstream_core.consumer import Consumer
from rstream_core.errors import *  # noqa: F403  (every typed error is public)
from rstream_core.errors import __all__ as _error_names
from rstream_core.flow import CreditAfterProcessing, CreditOnChunkArrival, CreditStrategy
from rstream_core.plugin_api import ICompressionCodec
from rstream_core.producer import Producer, register_compression_codec
from rstream_core.state import ResourceState
from rstream_core.subscription import Tracking
from rstream_core.superstream import (
    SuperStreamConsumer,
    SuperStreamProducer,
    hash_partition,
)
from rstream_core.types import (
    NO_ROUTE_CODE,
    CompressionType,
    ConfirmationStatus,
    ConsumerOffsetSpecification,
    EventContext,
    FilterConfiguration,
    MessageContext,
    OffsetType,
    OnClosedErrorInfo,
    RouteType,
    SaslMechanism,
    SlasMechanism,
)
from rstream_plugins.codec_amqp import AMQPMessage, Header, Properties, amqp_decoder
from rstream_plugins.codec_binary import RawMessage

__all__ = [
    "NO_ROUTE_CODE",
    "AMQPMessage",
    "CompressionType",
    "ConfirmationStatus",
    "Consumer",
    "ConsumerOffsetSpecification",
    "CreditAfterProcessing",
    "CreditOnChunkArrival",
    "CreditStrategy",
    "DisconnectionErrorInfo",
    "EventContext",
    "FilterConfiguration",
    "Header",
    "ICompressionCodec",
    "MessageContext",
    "OffsetSpecification",
    "OffsetType",
    "OnClosedErrorInfo",
    "Producer",
    "Properties",
    "RawMessage",
    "ResourceState",
    "RouteType",
    "SaslMechanism",
    "SlasMechanism",
    "StreamArguments",
    "StreamInfo",
    "SuperStreamConsumer",
    "SuperStreamCreationOption",
    "SuperStreamProducer",
    "Tracking",
    "amqp_decoder",
    "register_compression_codec",
    "hash_partition",
    *_error_names,
]
