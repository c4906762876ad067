"""rstream 1.1.1 (PyPI) publish throughput; run with the peers' venv (.benchvenv).

Same workload and clock as bench_publish.py: a fresh stream per mode, timed from the
connected producer to the last confirm (counted by the on_publish_confirm callback), with the
same modes: three with a plain callback (common.Countdown) and the two AMQP ones again with
the `async def` callback common.async_confirm_counter, which rstream 1.1.1 awaits inline.
Prints one JSON line per mode (common.Result).
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import _path  # noqa: F401  (puts benchmarks/ on sys.path for `common`)
import rstream_zstd
from common import (
    ASYNC_CALLBACK,
    Countdown,
    Result,
    Stopwatch,
    async_confirm_counter,
    body,
    parser,
    run_loop,
    stream_name,
)

from rstream import AMQPMessage, Producer
from rstream.compression import CompressionType

CLIENT = "rstream 1.1.1"
# The on_publish_confirm callback: a Countdown, or an async def closure counting into one.
Callback = Callable[[Any], Any]
Sender = Callable[[Any, str, int, int, Callback], Awaitable[None]]


def producer(host: str, port: int) -> Any:
    return Producer(host, port, username="guest", password="guest")


async def send_batch_amqp(p: Any, stream: str, count: int, batch: int, done: Callback) -> None:
    for start in range(0, count, batch):
        messages = [AMQPMessage(body=body(i)) for i in range(start, min(start + batch, count))]
        await p.send_batch(stream, messages, on_publish_confirm=done)


async def send_amqp(p: Any, stream: str, count: int, batch: int, done: Callback) -> None:
    for i in range(count):
        await p.send(stream, AMQPMessage(body=body(i)), on_publish_confirm=done)


async def send_batch_binary(p: Any, stream: str, count: int, batch: int, done: Callback) -> None:
    for start in range(0, count, batch):
        messages = [body(i) for i in range(start, min(start + batch, count))]
        await p.send_batch(stream, messages, on_publish_confirm=done)


async def send_sub_entry_zstd(
    p: Any, stream: str, count: int, batch: int, done: Callback
) -> None:
    for start in range(0, count, batch):
        messages = [AMQPMessage(body=body(i)) for i in range(start, min(start + batch, count))]
        await p.send_sub_entry(stream, messages, CompressionType.Zstd, on_publish_confirm=done)


async def measure(
    host: str, port: int, count: int, batch: int, mode: str, send: Sender, async_callback: bool
) -> Result:
    stream = stream_name("rstream111-pub")
    try:
        async with producer(host, port) as p:
            await p.create_stream(stream)
            # A sub-entry batch is confirmed once, under one publishing id.
            countdown = Countdown(-(-count // batch) if send is send_sub_entry_zstd else count)
            callback = async_confirm_counter(countdown) if async_callback else countdown
            watch = Stopwatch()
            await send(p, stream, count, batch, callback)
            await countdown.done
            seconds, cpu = watch.stop()
            countdown.check()
    finally:
        async with producer(host, port) as admin:
            await admin.delete_stream(stream, missing_ok=True)
    return Result(CLIENT, mode, seconds, count, mode, cpu_seconds=cpu)


def main() -> None:
    a = parser(__doc__.splitlines()[0]).parse_args()
    # Mode -> (sender, whether the confirm callback is the async def one); as ours.
    modes: dict[str, tuple[Sender, bool]] = {
        f"AMQP send_batch({a.batch})": (send_batch_amqp, False),
        "AMQP send": (send_amqp, False),
        f"binary send_batch({a.batch})": (send_batch_binary, False),
        f"AMQP send_batch({a.batch}){ASYNC_CALLBACK}": (send_batch_amqp, True),
        f"AMQP send{ASYNC_CALLBACK}": (send_amqp, True),
        f"AMQP send_sub_entry({a.batch}, zstd)": (send_sub_entry_zstd, False),
    }
    rstream_zstd.register()
    for mode, (send, async_callback) in modes.items():
        print(f"# rstream 1.1.1: {mode}", file=sys.stderr, flush=True)
        gc.collect()
        run = measure(a.host, a.port, a.count, a.batch, mode, send, async_callback)
        try:
            result = run_loop(asyncio.wait_for(run, a.timeout))
        except Exception as exc:
            result = Result.failed(CLIENT, mode, a.count, mode, repr(exc)[:200])
        print(result.to_json(), flush=True)


if __name__ == "__main__":
    main()
