"""Publish throughput: N messages `AMQPMessage(body=b"hello: <i>")`, timed until every confirm
arrived, for our client, rstream 1.1.1, rbfly and a raw-socket ceiling. Prints a markdown table.

Measured: ours and rstream 1.1.1 with `send_batch(--batch)` and `send` of AMQPMessage and
`send_batch` of bytes, each with a plain confirm callback (common.Countdown), and the two AMQP
modes again with an `async def` callback (common.async_confirm_counter), as rstream 1.x users
write it; rbfly's PublisherBatchFast; the raw ceiling (raw_ceiling.py publish).

Each measurement publishes to a fresh stream, which is deleted afterwards. The clock starts
once the client is connected (publisher declaration is inside it) and stops when the last
confirm was counted. Peers run in their own venv as subprocesses (see peers/).

    .venv/bin/python benchmarks/bench_publish.py --count 50000
    .venv/bin/python benchmarks/bench_publish.py --only ours --profile "AMQP send"
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import pstats
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from common import (
    ASYNC_CALLBACK,
    BENCH_DIR,
    OUR_PYTHON,
    OURS,
    PEER_PYTHON,
    PEERS_DIR,
    Countdown,
    Result,
    Stopwatch,
    async_confirm_counter,
    body,
    loop_title,
    markdown_table,
    median_results,
    parser,
    run_loop,
    run_script,
    stream_name,
    write_results,
)

from rstream import AMQPMessage, Producer

# The on_publish_confirm callback: a Countdown, or an async def closure counting into one.
Callback = Callable[[Any], Any]
Sender = Callable[[Producer, str, int, int, Callback], Awaitable[None]]


async def send_batch_amqp(
    producer: Producer, stream: str, count: int, batch: int, callback: Callback
) -> None:
    for start in range(0, count, batch):
        messages = [AMQPMessage(body=body(i)) for i in range(start, min(start + batch, count))]
        await producer.send_batch(stream, messages, on_publish_confirm=callback)


async def send_amqp(
    producer: Producer, stream: str, count: int, batch: int, callback: Callback
) -> None:
    for i in range(count):
        await producer.send(stream, AMQPMessage(body=body(i)), on_publish_confirm=callback)


async def send_batch_binary(
    producer: Producer, stream: str, count: int, batch: int, callback: Callback
) -> None:
    for start in range(0, count, batch):
        messages = [body(i) for i in range(start, min(start + batch, count))]
        await producer.send_batch(stream, messages, on_publish_confirm=callback)


async def send_sub_entry_zstd(
    producer: Producer, stream: str, count: int, batch: int, callback: Callback
) -> None:
    for start in range(0, count, batch):
        messages = [AMQPMessage(body=body(i)) for i in range(start, min(start + batch, count))]
        await producer.send_sub_entry(stream, messages, "zstd", on_publish_confirm=callback)


def our_modes(batch: int) -> dict[str, tuple[Sender, bool]]:
    """Mode -> (sender, whether its confirm callback is the async def one)."""
    return {
        f"AMQP send_batch({batch})": (send_batch_amqp, False),
        "AMQP send": (send_amqp, False),
        f"binary send_batch({batch})": (send_batch_binary, False),
        f"AMQP send_batch({batch}){ASYNC_CALLBACK}": (send_batch_amqp, True),
        f"AMQP send{ASYNC_CALLBACK}": (send_amqp, True),
        f"AMQP send_sub_entry({batch}, zstd)": (send_sub_entry_zstd, False),
    }


async def publish_ours(host: str, port: int, count: int, batch: int, mode: str) -> Result:
    sender, async_callback = our_modes(batch)[mode]
    stream = stream_name("ours-pub")
    try:
        async with Producer(host, port) as producer:
            await producer.create_stream(stream)
            # A sub-entry batch is confirmed once, under one publishing id.
            countdown = Countdown(-(-count // batch) if sender is send_sub_entry_zstd else count)
            callback = async_confirm_counter(countdown) if async_callback else countdown
            watch = Stopwatch()
            await sender(producer, stream, count, batch, callback)
            await countdown.done
            seconds, cpu = watch.stop()
            countdown.check()
    finally:
        await delete_stream(host, port, stream)
    return Result(OURS, mode, seconds, count, mode, cpu_seconds=cpu)


async def delete_stream(host: str, port: int, stream: str) -> None:
    """With a connection of its own, after the measured producer is closed."""
    async with Producer(host, port) as admin:
        await admin.delete_stream(stream, missing_ok=True)


def measure_ours(host: str, port: int, count: int, batch: int, timeout: float) -> list[Result]:
    results = []
    for mode in our_modes(batch):
        print(f"# ours: {mode}", file=sys.stderr, flush=True)
        gc.collect()
        measurement = publish_ours(host, port, count, batch, mode)
        try:
            results.append(run_loop(_bounded(measurement, timeout)))
        except Exception as exc:
            results.append(Result.failed(OURS, mode, count, mode, repr(exc)[:200]))
    return results


async def _bounded(measurement: Awaitable[Result], timeout: float) -> Result:
    return await asyncio.wait_for(measurement, timeout)


def measure_peers(args: list[str], batch: int, count: int, timeout: float) -> list[Result]:
    # The same modes as ours, each compared with ours in that mode.
    rstream_rows = [("rstream 1.1.1", mode, mode) for mode in our_modes(batch)]  # zstd too
    rbfly_rows = [("rbfly", "PublisherBatchFast,", f"AMQP send_batch({batch})")]
    return [
        *run_script(PEER_PYTHON, PEERS_DIR / "rstream_publish.py", args,
                    len(rstream_rows) * timeout, rstream_rows, count),
        *run_script(PEER_PYTHON, PEERS_DIR / "rbfly_publish.py", args, 3 * timeout,
                    rbfly_rows, count),
    ]


def measure_raw(args: list[str], batch: int, count: int, timeout: float) -> list[Result]:
    rows = [("raw asyncio socket", f"pre-encoded AMQP frames of {batch}",
             f"AMQP send_batch({batch})")]
    return run_script(OUR_PYTHON, BENCH_DIR / "raw_ceiling.py", ["publish", *args], timeout,
                      rows, count)


def profile_ours(host: str, port: int, count: int, batch: int, mode: str) -> None:
    """Run one of our modes under cProfile and print where the time goes (stderr)."""
    profiler = cProfile.Profile()
    profiler.enable()
    result = run_loop(publish_ours(host, port, count, batch, mode))
    profiler.disable()
    print(f"{mode}: {result.rate:,.0f} msg/s under the profiler", file=sys.stderr)
    stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime")
    stats.print_stats(25)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--only", action="append", choices=["ours", "peers", "raw"],
                   help="measure only these (repeatable); default: all")
    p.add_argument("--profile", metavar="MODE", help="profile one of our modes instead")
    a = p.parse_args()
    if a.profile:
        profile_ours(a.host, a.port, a.count, a.batch, a.profile)
        return
    only = set(a.only or ["ours", "peers", "raw"])
    common_args = ["--count", str(a.count), "--batch", str(a.batch), "--host", a.host,
                   "--port", str(a.port), "--timeout", str(a.timeout)]
    rounds: list[list[Result]] = []
    for number in range(1, a.rounds + 1):
        print(f"# round {number} of {a.rounds}", file=sys.stderr, flush=True)
        results: list[Result] = []
        if "ours" in only:
            results += measure_ours(a.host, a.port, a.count, a.batch, a.timeout)
        if "peers" in only:
            results += measure_peers(common_args, a.batch, a.count, a.timeout)
        if "raw" in only:
            results += measure_raw(common_args, a.batch, a.count, a.timeout)
        rounds.append(results)
    title = f"Publish {a.count:,} messages, until all confirmed" + loop_title()
    rows = median_results(rounds)
    write_results(a.results_json, rows)
    print(markdown_table(title, rows))


if __name__ == "__main__":
    main()
