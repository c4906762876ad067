"""The public Consumer: subscriptions, offsets, an `async for` API."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any, Unpack

from rstream_core import callbacks, telemetry
from rstream_core.base import ClientBase, ConnectionSettings
from rstream_core.compat import subscription_named
from rstream_core.errors import ResourceClosedError, RStreamError, UnknownSubscriberError
from rstream_core.flow import CreditAfterProcessing, CreditOnChunkArrival, CreditStrategy
from rstream_core.plugin_api import MessageCodec
from rstream_core.plugins import PluginRegistry
from rstream_core.protocol.constants import OffsetType
from rstream_core.state import ResourceState, StateListener
from rstream_core.subscription import (
    DecodeErrorHandler,
    Subscription,
    SubscriptionSettings,
    Tracking,
)
from rstream_core.types import (
    ConsumerOffsetSpecification,
    EventContext,
    FilterConfiguration,
    MessageContext,
)

MessageCallback = Callable[[Any, MessageContext], Any]
UpdateListener = Callable[[bool, EventContext], Any]


def _properties(
    properties: dict[str, Any] | None,
    subscriber_name: str | None,
    filter_input: FilterConfiguration | None,
) -> dict[str, str]:
    """Subscription properties as strings; a Python True becomes "true" (the seed's SAC flag)."""
    result = {
        key: ("true" if value is True else "false" if value is False else str(value))
        for key, value in (properties or {}).items()
    }
    if subscriber_name and "name" not in result:
        result["name"] = subscriber_name
    if filter_input is not None:
        result.update(filter_input.properties())
    return result


class ConsumerSettings(ConnectionSettings, total=False):
    """Every keyword argument of `Consumer` (for wrappers such as SuperStreamConsumer)."""

    recovery: bool
    verify_crc: bool


class Consumer(ClientBase):
    """Reads streams. Recovery is on by default: a dropped connection or a moved stream
    member resubscribes after the last message handed to the application."""

    def __init__(
        self,
        host: str = "localhost",
        port: int = 5552,
        *,
        recovery: bool = True,
        verify_crc: bool = True,
        **settings: Unpack[ConnectionSettings],
    ) -> None:
        super().__init__(host, port, **settings)
        self._recovery = recovery
        self._verify_crc = verify_crc
        self._subscriptions: dict[int, Subscription] = {}
        self._next_subscriber_id = 0
        self._closed = asyncio.Event()

    async def subscribe(
        self,
        stream: str,
        callback: MessageCallback,
        *,
        decoder: Callable[[bytes], Any] | str | MessageCodec | None = None,
        offset_specification: ConsumerOffsetSpecification | None = None,
        initial_credit: int = 10,
        properties: dict[str, Any] | None = None,
        subscriber_name: str | None = None,
        consumer_update_listener: UpdateListener | None = None,
        filter_input: FilterConfiguration | None = None,
        credit_strategy: CreditStrategy | None = None,
        offset_tracking: Tracking | bool | None = None,
        on_decode_error: DecodeErrorHandler | None = None,
        on_state_change: StateListener | None = None,
    ) -> int:
        """Subscribe `callback(message, context)` (sync or async) to `stream`.

        `decoder` turns the stored bytes into messages (`amqp_decoder`, or a codec name such as
        "amqp"); without one the callback gets bytes. A named subscriber (`subscriber_name`, or
        `name` in `properties`) that gives no `offset_specification` tracks its offset
        automatically and resumes after it; `offset_tracking=True`/`Tracking(...)` forces
        tracking, `False` turns it off. A record the decoder cannot read is skipped, with one
        warning per reason and a count of the later ones; `on_decode_error(raw, context,
        error)` (sync or async) decides instead: return None to skip the record, a value to
        hand it to the callback in the record's place, or raise to end the subscription
        (with `DecodeError`). `on_state_change(subscription, old, new)` hears the
        subscription's states (`consumer.subscription(id).state`). Returns the subscriber id.
        """
        props = _properties(properties, subscriber_name, filter_input)
        name = subscriber_name or props.get("name")
        if props.get("single-active-consumer") == "true" and not name:
            raise ValueError("a single active consumer needs a name (subscriber_name)")
        settings = SubscriptionSettings(
            stream=stream,
            callback=self._traced(callback),
            decoder=_decoder(decoder, self._plugins),
            offset=offset_specification or ConsumerOffsetSpecification(OffsetType.FIRST),
            explicit_offset=offset_specification is not None,
            credit=_own_credit(credit_strategy) or CreditAfterProcessing(initial_credit),
            properties=props,
            name=name,
            update_listener=consumer_update_listener,
            predicate=filter_input.predicate if filter_input else None,
            tracking=_tracking(offset_tracking, name, offset_specification is not None),
            recovery=self._recovery,
            verify_crc=self._verify_crc,
            on_decode_error=on_decode_error,
            on_state_change=on_state_change,
            telemetry=self._telemetry,
            plugins=self._plugins,
        )
        subscription = Subscription(
            self, self._pool, self._next_subscriber_id, settings,
            self._on_subscription_unavailable,
        )
        subscription.on_state = self._subscription_state_changed
        self._next_subscriber_id += 1
        if self._closed.is_set():
            raise ResourceClosedError("the consumer is closed")
        try:
            await subscription.start()
        except BaseException:
            await subscription.close()  # stops a recovery the failed start may have begun
            raise
        self._subscriptions[subscription.subscriber_id] = subscription
        return subscription.subscriber_id

    def _traced(self, callback: MessageCallback) -> MessageCallback:
        """With tracing on, the callback runs inside a process span that continues the trace
        the message carries (its `traceparent` application property)."""
        tracked = self._telemetry
        if tracked is None or tracked.tracer is None:
            return callback
        if inspect.iscoroutinefunction(callback):
            async def traced_async(message: Any, context: MessageContext) -> Any:
                with telemetry.process_span(tracked, context.stream, message):
                    return await callback(message, context)

            return traced_async

        def traced(message: Any, context: MessageContext) -> Any:
            with telemetry.process_span(tracked, context.stream, message):
                return callback(message, context)

        return traced

    def _subscription_state_changed(self, subscription: Subscription) -> None:
        if self._closed.is_set():
            return
        states = [s.state for s in self._subscriptions.values()] + [subscription.state]
        self._states.follow_parts(ResourceState.RECOVERING in states,
                                  subscription.state is ResourceState.OPEN)

    def _on_subscription_unavailable(self, subscription: Subscription, reason: str) -> None:
        self._notify_closed(reason, [subscription.stream])

    async def unsubscribe(self, subscriber_id: int | str) -> None:
        """End a subscription, given its id or its name (reference), as in rstream 1.x."""
        if isinstance(subscriber_id, str):
            subscriber_id = self._by_reference(subscriber_id).subscriber_id
        subscription = self._subscriptions.pop(subscriber_id, None)
        if subscription is None:
            raise UnknownSubscriberError(f"no subscriber {subscriber_id} on this consumer")
        await subscription.close()

    def _by_reference(self, reference: str) -> Subscription:
        return subscription_named(self._subscriptions.values(), reference)

    async def iterate(
        self,
        stream: str,
        *,
        buffer_size: int = 1000,
        **subscribe_options: Any,
    ) -> AsyncIterator[tuple[Any, MessageContext]]:
        """`async for message, context in consumer.iterate(stream, ...)`.

        The buffer is bounded: while it is full, no credit goes back to the broker.
        """
        queue: asyncio.Queue[tuple[Any, MessageContext] | None] = asyncio.Queue(buffer_size)

        async def put(message: Any, context: MessageContext) -> None:
            await queue.put((message, context))

        def ended(subscription: Subscription) -> None:
            # None marks the end; queued after what is already buffered.
            callbacks.fire(lambda _: queue.put(None), None)

        subscriber_id = await self.subscribe(stream, put, **subscribe_options)
        subscription = self._subscriptions[subscriber_id]
        subscription.on_end = ended
        try:
            while (item := await queue.get()) is not None:
                yield item
            if subscription.error is not None:
                raise subscription.error
        finally:
            with contextlib.suppress(UnknownSubscriberError):
                await self.unsubscribe(subscriber_id)

    async def run(self) -> None:
        """Wait until the consumer is closed."""
        await self._closed.wait()

    # ------------------------------------------------------------ offsets

    async def store_offset(self, stream: str, subscriber_name: str, offset: int) -> None:
        (await self._admin()).store_offset(stream, subscriber_name, offset)

    async def query_offset(self, stream: str, subscriber_name: str) -> int:
        """The stored offset; raises `OffsetNotFound` when none was stored."""
        return await (await self._admin()).query_offset(stream, subscriber_name)

    async def lag(self, stream: str, subscriber_name: str | None = None) -> int:
        """About how many offsets the subscription to `stream` (the one named so, when
        several) is behind: the stream's committed offset minus the last offset handed over.

        An estimate (offset tracking and other non-message records take offsets too), from
        StreamStats (RabbitMQ 3.11+): `committed_offset` where the broker sends it, else the
        committed chunk's first offset. 0 when caught up or the stream is empty.
        """
        subscriptions = [s for s in self._subscriptions.values() if s.stream == stream
                         and (subscriber_name is None or s.name == subscriber_name)]
        if not subscriptions:
            raise UnknownSubscriberError(f"no subscription to {stream}")
        stats = await (await self._admin()).stream_stats(stream)
        committed = stats.get("committed_offset", stats.get("committed_chunk_id", -1))
        return max(0, committed - subscriptions[0].last_offset)

    async def reconnect_stream(self, stream: str, offset: int | None = None) -> None:
        """Resubscribe the subscriptions of `stream` (the seed's manual recovery), from
        `offset` when given, else after the last message handed over (or the stored offset
        of a tracking subscriber, whichever is later). Attached ones are left alone."""
        for subscription in self._subscriptions.values():
            if subscription.stream == stream:
                subscription.reconnect(offset)

    def subscription(self, subscriber_id: int) -> Subscription:
        try:
            return self._subscriptions[subscriber_id]
        except KeyError:
            raise UnknownSubscriberError(f"no subscriber {subscriber_id}") from None

    def get_stream(self, subscriber_name: str) -> str:
        """The stream of the subscription with this name (the seed's lookup; prefer
        `MessageContext.stream`, which is never ambiguous)."""
        return self._by_reference(subscriber_name).stream

    async def close(self) -> None:
        """Unsubscribe everything (storing tracked offsets) and close. Idempotent."""
        if self._closed.is_set():
            return
        self._states.enter(ResourceState.CLOSING)
        subscriptions = list(self._subscriptions.values())
        self._subscriptions.clear()
        # One by one in this task: close() may be called from inside a callback, whose
        # worker task must not be cancelled under it.
        for subscription in subscriptions:
            with contextlib.suppress(RStreamError):
                await subscription.close()
        await super().close()
        self._closed.set()


def _decoder(
    decoder: Callable[[bytes], Any] | str | MessageCodec | None, plugins: PluginRegistry
) -> Callable[[bytes], Any] | None:
    """A decoding function from a function, a codec plugin's name, or a codec object."""
    if isinstance(decoder, str):
        return plugins.codec(decoder).decode
    if isinstance(decoder, MessageCodec):
        return decoder.decode
    return decoder


def _own_credit(strategy: CreditStrategy | None) -> CreditStrategy | None:
    """The built-in strategies keep counts: each subscription gets its own copy (a super
    stream consumer hands one strategy to every partition)."""
    if isinstance(strategy, CreditAfterProcessing | CreditOnChunkArrival):
        return copy.copy(strategy)
    return strategy


def _tracking(option: Tracking | bool | None, name: str | None, explicit: bool) -> Tracking | None:
    """Automatic tracking: asked for, or by default for a named subscriber that gave no
    offset (one that chose its own start manages its offsets itself)."""
    if option is False or not name:
        return None
    if isinstance(option, Tracking):
        return option
    if option is True or not explicit:
        return Tracking()
    return None
