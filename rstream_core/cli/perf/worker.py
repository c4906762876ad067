"""One worker: some of the run's producers and consumers, in one event loop.

Every message body starts with its send time (CLOCK_MONOTONIC in ns, the same clock in every
process of the machine), so a consumer in any worker measures end-to-end latency. Confirm
latency is sampled: each batch's confirm callback records the latency of the batch's first
confirm.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rstream_core.cli.connection import ConnectionOptions
from rstream_core.cli.offsets import offset_specification
from rstream_core.cli.perf.stats import Counters, Interval
from rstream_core.consumer import Consumer
from rstream_core.producer import Producer
from rstream_core.subscription import Tracking
from rstream_core.superstream import SuperStreamConsumer, SuperStreamProducer
from rstream_core.types import (
    ConfirmationStatus,
    FilterConfiguration,
    MessageContext,
)
from rstream_plugins.codec_amqp import AMQPMessage

STAMP = struct.Struct(">q")
LATENCY_SAMPLE = 8  # one consumed message in this many has its latency recorded
FILTER_KEY = "perf-filter"


@dataclass(frozen=True)
class Assignment:
    """What one worker runs: (index, stream) of its producers and of its consumers; the
    streams are super streams with --super-streams."""

    producers: tuple[tuple[int, str], ...]
    consumers: tuple[tuple[int, str], ...]


class Worker:
    """Runs an assignment until told to stop; `report(interval)` is called once a second."""

    def __init__(self, args: argparse.Namespace, connection: ConnectionOptions,
                 assignment: Assignment, report: Callable[[Interval], None],
                 number: int = 0) -> None:
        self.args = args
        self.connection = connection
        self.assignment = assignment
        self.report = report
        self.counters = Counters(number)
        self.stop_producing = asyncio.Event()
        self.stop_all = asyncio.Event()
        self.producers_done = 0
        self.consumers_done = 0
        self._subscriptions: list[Any] = []  # (Subscription) for chunk counts
        self._filters = itertools.cycle(args.filter_value_set or [None])

    # ------------------------------------------------------------- running

    async def run(self, ready: Callable[[], None]) -> None:
        """Connect every producer and consumer, call `ready()`, publish until told to stop."""
        ticker: asyncio.Task[None] | None = None
        try:
            async with contextlib.AsyncExitStack() as stack:
                producers = [(await self._producer(stack, stream), stream)
                             for _, stream in self.assignment.producers]
                for index, stream in self.assignment.consumers:
                    await self._subscribe(stack, index, stream)
                ready()
                ticker = asyncio.create_task(self._tick())
                publishing = [asyncio.create_task(self._produce(producer, stream))
                              for producer, stream in producers]
                for task in publishing:  # a producer that fails ends the run with its error
                    task.add_done_callback(self._stop_on_failure)
                await self.stop_all.wait()
                for task in publishing:
                    task.cancel()
                results = await asyncio.gather(*publishing, return_exceptions=True)
                failures = [r for r in results if isinstance(r, Exception)]
                if failures:
                    raise failures[0]
        finally:
            if ticker is not None:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
                self._send_interval()

    def _stop_on_failure(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.stop_all.set()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self._send_interval()

    def _send_interval(self) -> None:
        chunks = sum(s.chunks_received for s in self._subscriptions)
        records = sum(s.records_received for s in self._subscriptions)
        self.report(self.counters.take(chunks, records, self.producers_done,
                                       self.consumers_done))

    def _client_options(self) -> dict[str, Any]:
        options = self.connection.client_kwargs()
        options["load_balancer_mode"] = self.args.load_balancer
        return options

    # ------------------------------------------------------------- producing

    def _message(self) -> Any:
        body = STAMP.pack(time.monotonic_ns()) + b"x" * (self.args.size - STAMP.size)
        if self.args.codec == "binary":
            return body
        value = next(self._filters)
        properties = None if value is None else {FILTER_KEY: value}
        return AMQPMessage(body=body, application_properties=properties)

    async def _producer(self, stack: contextlib.AsyncExitStack, stream: str) -> Any:
        args = self.args
        options = self._client_options()
        options["max_unconfirmed"] = args.confirms
        if args.filter_value_set:
            options["filter_value_extractor"] = _filter_value
        codec = None if args.codec == "binary" else "amqp"
        if args.super_streams:
            return await stack.enter_async_context(SuperStreamProducer(
                super_stream=stream, routing_extractor=_routing_key, codec=codec, **options))
        return await stack.enter_async_context(Producer(codec=codec, **options))

    async def _produce(self, producer: Any, stream: str) -> None:
        await self._publish(producer, stream)
        await producer.flush()
        self.producers_done += 1  # only a producer that sent its --pmessages is done

    def _confirms(self, sent_ns: int, weight: int) -> Callable[[ConfirmationStatus], None]:
        """The confirm callback of one batch: counts `weight` messages per confirm (a
        sub-entry batch is confirmed once for all its messages) and records the confirm
        latency of the batch's first confirm."""
        counters = self.counters
        first = True

        def on_confirm(status: ConfirmationStatus) -> None:
            nonlocal first
            if status.is_confirmed:
                counters.confirmed += weight
            else:
                counters.errored += weight
            if first:
                first = False
                counters.confirm_latency.record((time.monotonic_ns() - sent_ns) // 1000)

        return on_confirm

    async def _publish(self, producer: Any, stream: str) -> None:
        args = self.args
        counters = self.counters
        limit = args.pmessages or None
        per_second = args.rate / max(args.producers, 1) if args.rate else 0.0
        batch = args.sub_entry_size or args.batch_size
        started = time.monotonic()
        sent = 0
        while not self.stop_producing.is_set() and (limit is None or sent < limit):
            count = batch if limit is None else min(batch, limit - sent)
            messages = [self._message() for _ in range(count)]
            weight = count if args.sub_entry_size and not args.super_streams else 1
            on_confirm = self._confirms(time.monotonic_ns(), weight)
            await self._send(producer, stream, messages, on_confirm)
            sent += count
            counters.published += count
            if per_second:
                await _pace(started, sent, per_second)
            else:
                await asyncio.sleep(0)  # let confirms, deliveries and the ticker run

    async def _send(self, producer: Any, stream: str, messages: list[Any],
                    on_confirm: Callable[[ConfirmationStatus], None]) -> None:
        args = self.args
        if args.super_streams:
            for message in messages:
                await producer.send(message, on_publish_confirm=on_confirm)
        elif args.sub_entry_size:
            await producer.send_sub_entry(stream, messages, args.compression,
                                          on_publish_confirm=on_confirm)
        elif args.batch_size == 1:
            for message in messages:
                await producer.send(stream, message, on_publish_confirm=on_confirm)
        else:
            await producer.send_batch(stream, messages, on_publish_confirm=on_confirm)

    # ------------------------------------------------------------- consuming

    async def _subscribe(self, stack: contextlib.AsyncExitStack, index: int, stream: str) -> None:
        args = self.args
        options = self._client_options()
        callback = self._on_message_callback()
        subscribe: dict[str, Any] = {
            "decoder": None if args.codec == "binary" else "amqp",
            "offset_specification": offset_specification(args.offset),
        }
        if args.single_active_consumer:
            subscribe["properties"] = {"single-active-consumer": True,
                                       "name": f"perf-sac-{stream}"}
        elif args.store_every:
            subscribe["subscriber_name"] = f"perf-consumer-{index}"
        if args.store_every:
            subscribe["offset_tracking"] = Tracking(every_messages=args.store_every)
        if args.filter_values:
            wanted = set(args.filter_values)
            subscribe["filter_input"] = FilterConfiguration(
                args.filter_values,
                predicate=lambda message: (message.application_properties or {}).get(
                    FILTER_KEY) in wanted,
            )
        if args.super_streams:
            consumer: Any = await stack.enter_async_context(
                SuperStreamConsumer(super_stream=stream, **options))
            ids = await consumer.subscribe(callback, **subscribe)
            self._subscriptions += [consumer.subscription(i) for i in ids.values()]
        else:
            consumer = await stack.enter_async_context(Consumer(**options))
            subscriber = await consumer.subscribe(stream, callback, **subscribe)
            self._subscriptions.append(consumer.subscription(subscriber))

    def _on_message_callback(self) -> Callable[[Any, MessageContext], Any]:
        args = self.args
        counters = self.counters
        amqp = args.codec == "amqp"
        limit = args.cmessages or None
        seen = 0

        def on_message(message: Any, context: MessageContext) -> bool:
            """Counts; True once this consumer has had its --cmessages."""
            nonlocal seen
            if limit is not None and seen >= limit:
                return True
            seen += 1
            counters.consumed += 1
            if seen % LATENCY_SAMPLE == 0:
                body = message.body if amqp else message
                sent = STAMP.unpack_from(body)[0]
                counters.latency.record((time.monotonic_ns() - sent) // 1000)
            if seen == limit:
                self.consumers_done += 1
            return False

        if not (args.consumer_rate or args.consumer_latency):
            return on_message
        pause = args.consumer_latency / 1000
        started = time.monotonic()

        async def slow_on_message(message: Any, context: MessageContext) -> None:
            if on_message(message, context):
                return
            if pause:
                await asyncio.sleep(pause)  # simulated processing
            if args.consumer_rate:
                await _pace(started, seen, args.consumer_rate)

        return slow_on_message


async def _pace(started: float, done: int, per_second: float) -> None:
    """Sleep until `done` operations are due at `per_second` since `started`."""
    delay = started + done / per_second - time.monotonic()
    await asyncio.sleep(max(delay, 0))


def _filter_value(message: Any) -> str | None:
    properties = message.application_properties or {}
    value = properties.get(FILTER_KEY)
    return None if value is None else str(value)


def _routing_key(message: Any) -> str:
    """Hash routing on the send time: messages spread over the partitions."""
    body = message.body if isinstance(message, AMQPMessage) else message
    return str(STAMP.unpack_from(body)[0])
