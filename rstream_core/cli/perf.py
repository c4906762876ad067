"""`rstream perf`: publish and consume at full speed, a live line per second, a summary.

Each message carries its send time (perf_counter_ns) in its first 8 bytes, so the consumer
measures end-to-end latency: from `send` returning to the callback seeing the message.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import struct
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from rstream_core.consumer import Consumer
from rstream_core.errors import MissingDependencyError
from rstream_core.loops import loop_factory, loop_name, run
from rstream_core.producer import Producer
from rstream_core.protocol.constants import OffsetType
from rstream_core.types import ConfirmationStatus, ConsumerOffsetSpecification, MessageContext

STAMP = struct.Struct(">q")


@dataclass
class Counters:
    published: int = 0
    confirmed: int = 0
    consumed: int = 0
    latencies_us: list[float] = field(default_factory=list)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of publishing")
    parser.add_argument("--stream", default=None, help="stream to use (default: a new one)")
    parser.add_argument("--size", type=int, default=20, help="message size in bytes (>= 8)")
    parser.add_argument("--batch", type=int, default=100, help="messages per send_batch; 1 = send")
    parser.add_argument("--codec", choices=("amqp", "binary"), default="amqp")
    parser.add_argument("--no-consumer", action="store_true", help="only publish")
    parser.add_argument("--uvloop", action="store_true",
                        help="run on uvloop (needs the rstream[uvloop] extra)")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def make_body(size: int) -> bytes:
    return STAMP.pack(time.perf_counter_ns()) + b"x" * max(0, size - STAMP.size)


async def run_perf(args: argparse.Namespace, connection: dict[str, Any]) -> int:
    stream = args.stream or f"rstream-perf-{uuid.uuid4().hex[:8]}"
    counters = Counters()
    # With the amqp codec the producer wraps each body in an AMQP 1.0 message and the
    # consumer decodes it again: the path a real application takes.
    amqp = args.codec == "amqp"
    codec = "amqp" if amqp else None

    def on_confirm(status: ConfirmationStatus) -> None:
        counters.confirmed += 1

    def on_message(message: Any, context: MessageContext) -> None:
        body = message.body if amqp else message
        sent = STAMP.unpack_from(body)[0]
        counters.consumed += 1
        if counters.consumed % 100 == 0:  # sample: sorting millions of values is not free
            counters.latencies_us.append((time.perf_counter_ns() - sent) / 1000)

    async with (
        Producer(codec=codec, **connection) as producer,
        Consumer(**connection) as consumer,
    ):
        created = args.stream is None
        await producer.create_stream(stream, exists_ok=True)
        try:
            if not args.no_consumer:
                await consumer.subscribe(
                    stream, on_message, decoder=codec,
                    offset_specification=ConsumerOffsetSpecification(OffsetType.NEXT),
                )
            reporter = asyncio.create_task(report(counters))
            started = time.perf_counter()
            deadline = started + args.duration
            while time.perf_counter() < deadline:
                batch = [make_body(args.size) for _ in range(args.batch)]
                if args.batch == 1:
                    await producer.send(stream, batch[0], on_publish_confirm=on_confirm)
                else:
                    await producer.send_batch(stream, batch, on_publish_confirm=on_confirm)
                counters.published += len(batch)
                # A real application yields now and then; this lets confirms, deliveries and
                # the reporter run while publishing.
                await asyncio.sleep(0)
            await wait_until(lambda: counters.confirmed >= counters.published, 30)
            publish_seconds = time.perf_counter() - started
            if not args.no_consumer:
                await wait_until(lambda: counters.consumed >= counters.published, 30)
            total_seconds = time.perf_counter() - started
            reporter.cancel()
            summary(counters, publish_seconds, total_seconds, args)
        finally:
            if created:
                await producer.delete_stream(stream, missing_ok=True)
    return 0


async def wait_until(condition: Any, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while not condition() and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)


async def report(counters: Counters) -> None:
    previous = Counters()
    while True:
        await asyncio.sleep(1.0)
        recent = counters.latencies_us[-1000:]
        print(
            f"published {counters.published - previous.published:>9,}/s  "
            f"confirmed {counters.confirmed - previous.confirmed:>9,}/s  "
            f"consumed {counters.consumed - previous.consumed:>9,}/s  "
            f"latency p50 {percentile(recent, 0.5) / 1000:7.1f} ms",
            flush=True,
        )
        previous = Counters(counters.published, counters.confirmed, counters.consumed)


def summary(
    counters: Counters, publish_seconds: float, total_seconds: float, args: argparse.Namespace
) -> None:
    lat = counters.latencies_us
    print(f"\nsummary ({args.codec}, {args.size}-byte messages, batch {args.batch},"
          f" {loop_name()} event loop):")
    print(f"  published and confirmed {counters.confirmed:,} messages in {publish_seconds:.2f} s"
          f" = {counters.confirmed / publish_seconds:,.0f} msg/s")
    if counters.consumed:
        print(f"  consumed {counters.consumed:,} messages"
              f" = {counters.consumed / total_seconds:,.0f} msg/s")
        print(f"  latency ms: p50 {percentile(lat, 0.5) / 1000:.1f}  "
              f"p95 {percentile(lat, 0.95) / 1000:.1f}  p99 {percentile(lat, 0.99) / 1000:.1f}  "
              f"max {max(lat, default=0) / 1000:.1f}")


def main_perf(args: argparse.Namespace, connection: dict[str, Any]) -> int:
    try:
        loop_factory(args.uvloop)
    except MissingDependencyError as exc:
        print(f"rstream: {exc}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        return run(run_perf(args, connection), uvloop=args.uvloop)
    return 130
