"""The public Producer: every publish mode over per-stream `Publisher`s."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Unpack

from rstream_core import telemetry
from rstream_core.base import ClientBase, ConnectionSettings
from rstream_core.errors import ClientTimeoutError, ResourceClosedError, ServerError
from rstream_core.hot_paths import ConfirmCallback
from rstream_core.plugin_api import (
    Address,
    CompressionCodec,
    ICompressionCodec,
    MessageCodec,
    as_compression_codec,
)
from rstream_core.plugins import get_registry
from rstream_core.publisher import Encoder, Publisher, PublisherState, default_encode
from rstream_core.state import ResourceState
from rstream_core.types import PRODUCER_CLOSED_CODE, CompressionType, ConfirmationStatus

FilterValueExtractor = Callable[[Any], "str | Awaitable[str | None] | None"]

DEFAULT_MAX_UNCONFIRMED = 10_000
DEFAULT_CONFIRM_TIMEOUT = 30.0


class ProducerSettings(ConnectionSettings, total=False):
    """Every keyword argument of `Producer` (for wrappers such as SuperStreamProducer)."""

    filter_value_extractor: FilterValueExtractor | None
    max_unconfirmed: int
    confirm_timeout: float | None
    close_timeout: float
    codec: str | MessageCodec | None
    recovery: bool


class Producer(ClientBase):
    """Publishes to any number of streams; one publisher per (stream, publisher_name).

    Messages are `bytes`, `RawMessage`, `AMQPMessage` or anything the chosen codec encodes.
    """

    def __init__(
        self,
        host: str = "localhost",
        port: int = 5552,
        *,
        filter_value_extractor: FilterValueExtractor | None = None,
        max_unconfirmed: int = DEFAULT_MAX_UNCONFIRMED,
        confirm_timeout: float | None = DEFAULT_CONFIRM_TIMEOUT,
        close_timeout: float = 10.0,
        codec: str | MessageCodec | None = None,
        recovery: bool = True,
        **settings: Unpack[ConnectionSettings],
    ) -> None:
        super().__init__(host, port, **settings)
        if max_unconfirmed < 1:
            raise ValueError("max_unconfirmed must be at least 1")
        if isinstance(codec, str):
            codec = self._plugins.codec(codec)
        self._encode: Encoder = codec.encode if codec is not None else default_encode
        self._filter_value_extractor = filter_value_extractor
        self._max_unconfirmed = max_unconfirmed
        self._confirm_timeout = confirm_timeout
        self._close_timeout = close_timeout
        self._recovery = recovery
        self._publishers: dict[tuple[str, str | None], Publisher] = {}
        self._starting: dict[tuple[str, str | None], asyncio.Future[Publisher]] = {}
        self._closed = False
        # Messages go straight to the publisher unless each needs a step first: a filter
        # value to extract, or a publish span (tracing). One test on the hot path.
        self._tracer = self._telemetry.tracer if self._telemetry is not None else None
        self._direct = filter_value_extractor is None and self._tracer is None

    # ------------------------------------------------------------ publishers

    async def _publisher(self, stream: str, publisher_name: str | None) -> Publisher:
        key = (stream, publisher_name)
        publisher = self._publishers.get(key)
        if publisher is not None:
            if not publisher.failed:
                return publisher
            # Failed for good (e.g. the stream was deleted): a new one may succeed, if the
            # stream was created again; the old one is dropped either way.
            del self._publishers[key]
            await publisher.close()
        if self._closed:
            raise ResourceClosedError("the producer is closed")
        starting = self._starting.get(key)
        if starting is not None:
            return await asyncio.shield(starting)
        future: asyncio.Future[Publisher] = asyncio.get_running_loop().create_future()
        self._starting[key] = future
        publisher = Publisher(
            self._pool,
            stream,
            publisher_name,
            encode=self._encode,
            filtering=self._filter_value_extractor is not None,
            max_unconfirmed=self._max_unconfirmed,
            confirm_timeout=self._confirm_timeout,
            recovery=self._recovery,
            on_unavailable=self._on_publisher_unavailable,
            on_state=self._publisher_state_changed,
            telemetry=self._telemetry,
        )
        try:
            await publisher.start()
            if self._closed:  # close() ran while we were starting
                raise ResourceClosedError("the producer is closed")
        except BaseException as exc:
            await publisher.close()  # stops a recovery the failed start may have begun
            future.set_exception(exc)
            future.exception()  # mark retrieved: concurrent waiters see it, nobody else must
            raise
        finally:
            del self._starting[key]
        self._publishers[key] = publisher
        future.set_result(publisher)
        return publisher

    def _publisher_state_changed(self, publisher: Publisher) -> None:
        if self._closed:
            return
        states = [p.state for p in self._publishers.values()] + [publisher.state]
        self._states.follow_parts(PublisherState.RECOVERING in states,
                                  publisher.state is PublisherState.READY)

    def _on_publisher_unavailable(self, publisher: Publisher, reason: str) -> None:
        self._notify_closed(reason, [publisher.stream])

    def _trace(self, stream: str, message: Any) -> None:
        if self._tracer is not None:
            assert self._telemetry is not None
            telemetry.publish_span(self._telemetry, stream, message)

    async def _filter_value(self, message: Any) -> str | None:
        extractor = self._filter_value_extractor
        if extractor is None:
            return None
        value = extractor(message)
        if inspect.isawaitable(value):
            value = await value
        return value

    # ------------------------------------------------------------ sending

    async def send(
        self,
        stream: str,
        message: Any,
        publisher_name: str | None = None,
        on_publish_confirm: ConfirmCallback | None = None,
    ) -> int:
        """Accept one message; it is written with others as soon as the loop is free.

        Waits while `max_unconfirmed` messages are unconfirmed. Returns the publishing id.
        """
        publisher = self._publishers.get((stream, publisher_name))
        if publisher is not None and publisher.accepting and self._direct:
            return publisher.append(message, on_publish_confirm)  # the hot path
        if publisher is None or publisher.failed:
            publisher = await self._publisher(stream, publisher_name)
        await publisher.wait_ready()
        self._trace(stream, message)
        if self._filter_value_extractor is None:
            return publisher.append(message, on_publish_confirm)
        filter_value = await self._filter_value(message)
        return publisher.append(message, on_publish_confirm, filter_value)

    async def send_batch(
        self,
        stream: str,
        batch: Sequence[Any],
        publisher_name: str | None = None,
        on_publish_confirm: ConfirmCallback | None = None,
    ) -> list[int]:
        """Accept a list of messages and write them at once. Returns their publishing ids."""
        publisher = await self._publisher(stream, publisher_name)
        filtering = self._filter_value_extractor is not None
        if self._tracer is not None:
            for message in batch:
                self._trace(stream, message)
        if not filtering and publisher.has_room_for(len(batch)):
            return publisher.append_batch(batch, on_publish_confirm)  # the hot path
        ids = []
        for message in batch:
            if not publisher.accepting:
                await publisher.wait_ready()
            if filtering:
                filter_value = await self._filter_value(message)
                ids.append(publisher.append(message, on_publish_confirm, filter_value))
            else:
                ids.append(publisher.append(message, on_publish_confirm))
        publisher.flush()
        return ids

    async def send_wait(
        self,
        stream: str,
        message: Any,
        publisher_name: str | None = None,
        timeout: float | None = 5.0,
    ) -> ConfirmationStatus:
        """Send one message and return once the broker confirmed it.

        Raises the typed `ServerError` when the broker refused it, and `ClientTimeoutError`
        when no confirm came within `timeout` seconds.
        """
        future: asyncio.Future[ConfirmationStatus] = asyncio.get_running_loop().create_future()

        def settle(status: ConfirmationStatus) -> None:
            if not future.done():
                future.set_result(status)

        publishing_id = await self.send(stream, message, publisher_name, settle)
        publisher = self._publishers.get((stream, publisher_name))
        if publisher is not None:
            publisher.flush()
        try:
            status = await asyncio.wait_for(future, timeout)
        except TimeoutError as exc:
            message = f"message {publishing_id} not confirmed in {timeout}s"
            raise ClientTimeoutError(message) from exc
        if status.timed_out:
            raise ClientTimeoutError(f"message {publishing_id} not confirmed in time")
        if status.response_code == PRODUCER_CLOSED_CODE:
            raise ResourceClosedError(f"the producer closed before message {publishing_id}")
        if not status.is_confirmed:
            raise ServerError.for_code(status.response_code, f"message {publishing_id}")
        return status

    async def send_sub_entry(
        self,
        stream: str,
        sub_entry_messages: Sequence[Any],
        compression_type: CompressionType | str | ICompressionCodec | CompressionCodec = (
            CompressionType.No
        ),
        publisher_name: str | None = None,
        on_publish_confirm: ConfirmCallback | None = None,
    ) -> int:
        """Compress the messages into one sub-entry batch stored under one publishing id.

        `compression_type` is a `CompressionType`, a plugin name ("zstd"), or a codec object
        (the seed's `ICompressionCodec`). Consumers find the decompressor by the wire id; to
        read a custom codec's batches, install it with `register_compression_codec`.
        """
        if isinstance(compression_type, str | int):
            compression = self._plugins.compression(_compression_key(compression_type))
        else:  # a codec object: the seed's ICompressionCodec or a CompressionCodec
            compression = as_compression_codec(compression_type)
        publisher = await self._publisher(stream, publisher_name)
        await publisher.wait_ready()
        return publisher.append_sub_entry(sub_entry_messages, compression, on_publish_confirm)

    # ------------------------------------------------------------ state

    async def get_last_publishing_id(self, stream: str, publisher_name: str) -> int:
        """The highest publishing id the broker stored for this named publisher (0: none)."""
        return await (await self._admin()).query_publisher_sequence(publisher_name, stream)

    def unconfirmed_count(self, stream: str, publisher_name: str | None = None) -> int:
        publisher = self._publishers.get((stream, publisher_name))
        return publisher.unconfirmed_count if publisher else 0

    def node(self, stream: str, publisher_name: str | None = None) -> Address | None:
        """The broker node (advertised host and stream port) publishing to `stream` goes to:
        its leader; None before the first send or while recovering."""
        publisher = self._publishers.get((stream, publisher_name))
        return publisher.node if publisher else None

    async def flush(self, timeout: float | None = None) -> None:
        """Write what is pending and wait until every message sent so far is settled
        (confirmed, failed or timed out). Like Kafka's `flush()`."""
        publishers = list(self._publishers.values())
        waiting = asyncio.gather(*(p.wait_settled() for p in publishers))
        try:
            await asyncio.wait_for(waiting, timeout)
        except TimeoutError as exc:
            raise ClientTimeoutError(f"messages still unconfirmed after {timeout}s") from exc

    async def reconnect_stream(self, stream: str) -> None:
        """Re-attach the publishers of `stream` (the seed's manual recovery)."""
        for (name, _), publisher in self._publishers.items():
            if name == stream:
                publisher.reconnect()

    async def close(self) -> None:
        """Flush, wait (bounded) for confirms, release everything. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._states.enter(ResourceState.CLOSING)
        publishers = list(self._publishers.values())
        self._publishers.clear()
        await asyncio.gather(*(p.close(self._close_timeout) for p in publishers))
        await super().close()


def register_compression_codec(codec: ICompressionCodec | CompressionCodec) -> None:
    """Use `codec` for its wire id everywhere from now on (publishing and consuming)."""
    get_registry().register_compression_codec(codec)


def _compression_key(compression: CompressionType | str | int) -> str | int:
    """A registry key: the wire id for the enum, a name otherwise ("No" as the enum spells it)."""
    if isinstance(compression, int):
        return int(compression)
    return "none" if compression.lower() == "no" else compression
