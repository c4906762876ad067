"""Super streams: one logical stream made of partition streams (docs/protocol.md section 6).

Hash routing is murmur3 x86 32-bit, seed 104729, over the UTF-8 routing key, unsigned, modulo
the number of partitions in the order the server's Partitions command returns them: what the
Java, Go and .NET clients do, so every client sends a key to the same partition.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Unpack

import mmh3

from rstream_core import callbacks
from rstream_core.arguments import SuperStreamCreationOption
from rstream_core.base import AsyncResource
from rstream_core.consumer import Consumer, ConsumerSettings, MessageCallback
from rstream_core.errors import NoRouteError
from rstream_core.hot_paths import ConfirmCallback
from rstream_core.producer import Producer, ProducerSettings
from rstream_core.state import ResourceState
from rstream_core.subscription import Subscription
from rstream_core.types import (
    NO_ROUTE_CODE,
    ConfirmationStatus,
    ConsumerOffsetSpecification,
    OffsetType,
    RouteType,
)

log = logging.getLogger("rstream.producer")

HASH_SEED = 104729
# Routing keys that routed nowhere and were warned about; past this many, no more warnings.
UNROUTED_KEYS_KEPT = 1000

RoutingExtractor = Callable[[Any], "str | Awaitable[str]"]
CustomRouting = Callable[[Any, Sequence[str]], "Sequence[str] | Awaitable[Sequence[str]]"]


def hash_partition(routing_key: str, partitions: Sequence[str]) -> str | None:
    """The partition the Java client's HashRoutingStrategy picks for this key."""
    if not partitions:
        return None
    index = mmh3.hash(routing_key.encode("utf-8"), HASH_SEED, signed=False) % len(partitions)
    return partitions[index]


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class SuperStreamProducer(AsyncResource):
    """Publishes to the partitions of a super stream, routing each message by its key."""

    def __init__(
        self,
        host: str = "localhost",
        port: int = 5552,
        *,
        super_stream: str,
        routing_extractor: RoutingExtractor | None = None,
        routing: RouteType | CustomRouting = RouteType.Hash,
        super_stream_creation_option: SuperStreamCreationOption | None = None,
        **producer_options: Unpack[ProducerSettings],
    ) -> None:
        if routing in (RouteType.Hash, RouteType.Key) and routing_extractor is None:
            raise ValueError("hash and key routing need a routing_extractor")
        self.super_stream = super_stream
        self._routing_extractor = routing_extractor
        self._routing = routing
        self._creation = super_stream_creation_option
        _tell_as(self, producer_options)
        self._producer = Producer(host, port, **producer_options)
        self._partitions: list[str] = []
        self._routes: dict[str, list[str]] = {}
        self._unrouted_keys: set[str | None] = set()

    @property
    def producer(self) -> Producer:
        return self._producer

    @property
    def state(self) -> ResourceState:
        return self._producer.state

    async def update_secret(self, secret: str) -> None:
        await self._producer.update_secret(secret)

    async def start(self) -> None:
        await self._producer.start()
        if self._creation is not None:
            await self._producer.create_super_stream(
                self.super_stream, self._creation, exists_ok=True
            )
        self._partitions = await self._producer.partitions(self.super_stream)

    async def partitions(self) -> list[str]:
        if not self._partitions:
            self._partitions = await self._producer.partitions(self.super_stream)
        return list(self._partitions)

    async def route(self, message: Any) -> list[str]:
        """The partition streams a message goes to."""
        return (await self._route(message))[1]

    async def _route(self, message: Any) -> tuple[str | None, list[str]]:
        """The message's routing key (None for custom routing) and its partitions."""
        if not isinstance(self._routing, RouteType):
            return None, list(await _maybe_await(self._routing(message, await self.partitions())))
        assert self._routing_extractor is not None
        key = str(await _maybe_await(self._routing_extractor(message)))
        if self._routing is RouteType.Hash:
            partition = hash_partition(key, await self.partitions())
            return key, [partition] if partition else []
        cached = self._routes.get(key)
        if cached is None:
            admin = await self._producer._admin()
            cached = self._routes[key] = await admin.route(key, self.super_stream)
        return key, cached

    async def send(
        self,
        message: Any,
        on_publish_confirm: ConfirmCallback | None = None,
        publisher_name: str | None = None,
    ) -> None:
        """Send to the partitions the message routes to. A message that routes nowhere is not
        sent: `on_publish_confirm` gets it unconfirmed with NO_ROUTE_CODE (as the Java client
        reports it); without a callback, one warning per routing key says so."""
        key, targets = await self._route(message)
        if not targets:
            await self._no_route(message, key, on_publish_confirm)
        for stream in targets:
            await self._producer.send(stream, message, publisher_name, on_publish_confirm)

    async def _no_route(
        self, message: Any, key: str | None, callback: ConfirmCallback | None
    ) -> None:
        if callback is None:
            if key not in self._unrouted_keys and len(self._unrouted_keys) < UNROUTED_KEYS_KEPT:
                self._unrouted_keys.add(key)
                log.warning("no partition of %s for routing key %r: messages with it are "
                            "dropped (warned once per key)", self.super_stream, key)
            return
        publishing_id = getattr(message, "publishing_id", None) or 0
        status = ConfirmationStatus(publishing_id, False, NO_ROUTE_CODE)
        try:
            await callbacks.call(callback, status)
        except Exception:
            log.exception("on_publish_confirm callback failed")

    async def send_wait(
        self,
        message: Any,
        publisher_name: str | None = None,
        timeout: float | None = 5.0,
    ) -> None:
        """Send and return once every partition the message goes to confirmed it; raises
        NoRouteError when it goes to none."""
        key, targets = await self._route(message)
        if not targets:
            raise NoRouteError(f"no partition of {self.super_stream} for routing key {key!r}")
        for stream in targets:
            await self._producer.send_wait(stream, message, publisher_name, timeout)

    async def reconnect_stream(self, stream: str) -> None:
        await self._producer.reconnect_stream(stream)

    async def flush(self, timeout: float | None = None) -> None:
        await self._producer.flush(timeout)

    async def send_batch(
        self,
        batch: Sequence[Any],
        on_publish_confirm: ConfirmCallback | None = None,
        publisher_name: str | None = None,
    ) -> None:
        for message in batch:
            await self.send(message, on_publish_confirm, publisher_name)

    async def close(self) -> None:
        await self._producer.close()


class SuperStreamConsumer(AsyncResource):
    """Consumes every partition of a super stream; `MessageContext.stream` names the partition."""

    def __init__(
        self,
        host: str = "localhost",
        port: int = 5552,
        *,
        super_stream: str,
        super_stream_creation_option: SuperStreamCreationOption | None = None,
        group: str | None = None,
        **consumer_options: Unpack[ConsumerSettings],
    ) -> None:
        self.super_stream = super_stream
        self.group = group
        self._creation = super_stream_creation_option
        _tell_as(self, consumer_options)
        self._consumer = Consumer(host, port, **consumer_options)
        self._subscribers: list[int] = []

    @property
    def consumer(self) -> Consumer:
        return self._consumer

    @property
    def state(self) -> ResourceState:
        return self._consumer.state

    async def update_secret(self, secret: str) -> None:
        await self._consumer.update_secret(secret)

    async def start(self) -> None:
        await self._consumer.start()
        if self._creation is not None:
            await self._consumer.create_super_stream(
                self.super_stream, self._creation, exists_ok=True
            )

    def subscription(self, subscriber_id: int) -> Subscription:
        """One partition's subscription, by the id `subscribe` returned for it."""
        return self._consumer.subscription(subscriber_id)

    async def subscribe(
        self,
        callback: MessageCallback,
        *,
        properties: dict[str, Any] | None = None,
        **subscribe_options: Any,
    ) -> dict[str, int]:
        """Subscribe to every partition; returns the subscriber id of each partition.

        In a consumer group (`group=...`), every partition has one active member among the
        group's instances (single active consumer), which resumes from the group's stored
        offset (else from `offset_specification`, FIRST by default) and stores offsets as it
        goes (see `_group_options`).
        """
        props = dict(properties or {})
        if self.group is not None:
            subscribe_options = self._group_options(props, subscribe_options)
        single_active = props.get("single-active-consumer") in ("true", True)
        if single_active:
            props["super-stream"] = self.super_stream
        subscribed: dict[str, int] = {}
        for stream in await self._consumer.partitions(self.super_stream):
            subscribed[stream] = await self._consumer.subscribe(
                stream, callback, properties=props, **subscribe_options
            )
            self._subscribers.append(subscribed[stream])
        return subscribed

    def _group_options(self, props: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
        """Subscribe options for a member of the group: single active consumer named after
        the group, automatic offset tracking, FIRST when the group stored nothing yet."""
        name = options.get("subscriber_name") or props.get("name") or self.group
        if name != self.group:
            raise ValueError(f"a consumer group subscribes as its group ({self.group!r})")
        props["single-active-consumer"] = "true"
        props.pop("name", None)
        options = {**options, "subscriber_name": self.group}
        options.setdefault("offset_specification", ConsumerOffsetSpecification(OffsetType.FIRST))
        options.setdefault("offset_tracking", True)
        return options

    async def unsubscribe(self) -> None:
        """End every subscription this object made."""
        for subscriber_id in self._subscribers:
            await self._consumer.unsubscribe(subscriber_id)
        self._subscribers.clear()

    async def reconnect_stream(self, stream: str, offset: int | None = None) -> None:
        await self._consumer.reconnect_stream(stream, offset)

    async def run(self) -> None:
        await self._consumer.run()

    async def store_offset(self, stream: str, subscriber_name: str, offset: int) -> None:
        await self._consumer.store_offset(stream, subscriber_name, offset)

    async def query_offset(self, stream: str, subscriber_name: str) -> int:
        return await self._consumer.query_offset(stream, subscriber_name)

    async def close(self) -> None:
        await self._consumer.close()


def _tell_as(wrapper: object, options: Any) -> None:
    """The user's state listener hears about the super stream object, not the inner one."""
    listener = options.get("on_state_change")
    if listener is not None:
        options["on_state_change"] = lambda _, old, new: listener(wrapper, old, new)
