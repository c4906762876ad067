"""Consume throughput: read a stream of N messages `AMQPMessage(body=b"hello: <i>")` from the
first offset until the last one arrived, for our client, rstream 1.1.1, rbfly and a raw-socket
ceiling. Prints a markdown table.

The stream is written once, by our producer in batches of `--batch`, and deleted at the end.
Every reader gets the same stream. The clock starts just before subscribing (the connection
is already open) and stops when the callback counted the last message. Peers run in their
own venv as subprocesses (see peers/).

    .venv/bin/python benchmarks/bench_consume.py --count 50000
    .venv/bin/python benchmarks/bench_consume.py --only ours --profile "AMQP (amqp_decoder)"
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import pstats
import sys
import time
from typing import Any

from common import (
    BENCH_DIR,
    OUR_PYTHON,
    OURS,
    PEER_PYTHON,
    PEERS_DIR,
    Result,
    Stopwatch,
    Tally,
    body,
    markdown_table,
    median_results,
    parser,
    run_script,
    stream_name,
)

from rstream import (
    AMQPMessage,
    Consumer,
    ConsumerOffsetSpecification,
    OffsetType,
    Producer,
    amqp_decoder,
)

AMQP_MODE = "AMQP (amqp_decoder)"
BINARY_MODE = "binary (no decoder)"
# After writing, let the broker finish its own work (index, disk) before the first reader.
SETTLE_SECONDS = 2.0


async def write_stream(host: str, port: int, count: int, batch: int) -> str:
    """A new stream holding `count` AMQP messages, written in batches of `batch`."""
    stream = stream_name("consume")
    async with Producer(host, port) as producer:
        await producer.create_stream(stream)
        for start in range(0, count, batch):
            messages = [AMQPMessage(body=body(i)) for i in range(start, min(start + batch, count))]
            await producer.send_batch(stream, messages)
        await producer.flush()
    return stream


async def delete_stream(host: str, port: int, stream: str) -> None:
    async with Producer(host, port) as admin:
        await admin.delete_stream(stream, missing_ok=True)


async def consume_ours(host: str, port: int, stream: str, count: int, mode: str) -> Result:
    tally = Tally(count)
    options: dict[str, Any] = {
        "offset_specification": ConsumerOffsetSpecification(OffsetType.FIRST),
    }
    if mode == AMQP_MODE:
        options["decoder"] = amqp_decoder
    callback = tally.on_amqp if mode == AMQP_MODE else tally.on_bytes
    async with Consumer(host, port) as consumer:
        watch = Stopwatch()
        await consumer.subscribe(stream, callback, **options)
        await tally.done
        seconds, cpu = watch.stop()
    tally.check_last(body(count - 1))
    return Result(OURS, mode, seconds, count, mode, cpu_seconds=cpu)


def measure_ours(host: str, port: int, stream: str, count: int, timeout: float) -> list[Result]:
    results = []
    for mode in (AMQP_MODE, BINARY_MODE):
        print(f"# ours: {mode}", file=sys.stderr, flush=True)
        gc.collect()
        try:
            run = consume_ours(host, port, stream, count, mode)
            results.append(asyncio.run(asyncio.wait_for(run, timeout)))
        except Exception as exc:
            results.append(Result.failed(OURS, mode, count, mode, repr(exc)[:200]))
    return results


def measure_others(args: list[str], count: int, timeout: float) -> list[Result]:
    rstream_rows = [("rstream 1.1.1", mode, mode) for mode in (AMQP_MODE, BINARY_MODE)]
    rbfly_rows = [("rbfly", "AMQP", AMQP_MODE), ("rbfly", "binary", BINARY_MODE)]
    return [
        *run_script(PEER_PYTHON, PEERS_DIR / "rstream_consume.py", args, 2 * timeout,
                    rstream_rows, count),
        *run_script(PEER_PYTHON, PEERS_DIR / "rbfly_consume.py", args, 2 * timeout,
                    rbfly_rows, count),
    ]


def measure_raw(args: list[str], count: int, timeout: float) -> list[Result]:
    rows = [("raw asyncio socket", "count records", BINARY_MODE)]
    return run_script(OUR_PYTHON, BENCH_DIR / "raw_ceiling.py", ["consume", *args], timeout,
                      rows, count)


def profile_ours(host: str, port: int, stream: str, count: int, mode: str) -> None:
    """Run one of our modes under cProfile and print where the time goes (stderr)."""
    profiler = cProfile.Profile()
    profiler.enable()
    result = asyncio.run(consume_ours(host, port, stream, count, mode))
    profiler.disable()
    print(f"{mode}: {result.rate:,.0f} msg/s under the profiler", file=sys.stderr)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--only", action="append", choices=["ours", "peers", "raw"],
                   help="measure only these (repeatable); default: all")
    p.add_argument("--profile", metavar="MODE", help="profile one of our modes instead")
    a = p.parse_args()
    only = set(a.only or ["ours", "peers", "raw"])
    print(f"# writing {a.count:,} messages", file=sys.stderr, flush=True)
    stream = asyncio.run(write_stream(a.host, a.port, a.count, a.batch))
    time.sleep(SETTLE_SECONDS)
    try:
        if a.profile:
            profile_ours(a.host, a.port, stream, a.count, a.profile)
            return
        args = ["--count", str(a.count), "--host", a.host, "--port", str(a.port),
                "--timeout", str(a.timeout), "--stream", stream]
        rounds: list[list[Result]] = []
        for number in range(1, a.rounds + 1):
            print(f"# round {number} of {a.rounds}", file=sys.stderr, flush=True)
            results: list[Result] = []
            if "ours" in only:
                results += measure_ours(a.host, a.port, stream, a.count, a.timeout)
            if "peers" in only:
                results += measure_others(args, a.count, a.timeout)
            if "raw" in only:
                results += measure_raw(args, a.count, a.timeout)
            rounds.append(results)
    finally:
        asyncio.run(delete_stream(a.host, a.port, stream))
    title = f"Consume {a.count:,} messages from the first offset"
    print(markdown_table(title, median_results(rounds)))


if __name__ == "__main__":
    main()
