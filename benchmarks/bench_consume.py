"""Consume throughput: read a stream of N messages `AMQPMessage(body=b"hello: <i>")` from the
first offset until the last one arrived, for our client, rstream 1.1.1, rbfly and a raw-socket
ceiling. Prints a markdown table.

Two streams of the same N messages are written once and deleted at the end:

* the main one, by our producer in batches of `--batch`, which the broker stores in large
  chunks: read by ours and rstream 1.1.1 with the amqp_decoder, without a decoder and with
  the amqp_decoder and an `async def` callback (common.Tally.async_on_amqp); by rbfly with
  and without AMQP decoding; by the raw ceiling;
* the "small chunks" one, by rstream 1.1.1 with `send_batch` of `--batch`
  (peers/rstream_write.py), which the broker stores in chunks of at most a few batches, often
  of one record, as streams written by rstream 1.x users are: read by ours and rstream 1.1.1
  with the amqp_decoder and a plain callback, by rbfly with AMQP decoding and by the raw
  ceiling.

The broker cuts the chunks, so their size varies from run to run: the average records per
chunk of both streams is printed (stderr, and under the table). Every
reader of a stream gets the same stream. The clock starts just before subscribing (the
connection is already open) and stops when the callback counted the last message. Peers run
in their own venv as subprocesses (see peers/).

    .venv/bin/python benchmarks/bench_consume.py --count 50000
    .venv/bin/python benchmarks/bench_consume.py --only ours --profile "AMQP (amqp_decoder)"
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import sys
import time
from dataclasses import dataclass
from typing import Any

from common import (
    ASYNC_CALLBACK,
    BENCH_DIR,
    OUR_PYTHON,
    OURS,
    PEER_PYTHON,
    PEERS_DIR,
    SMALL_CHUNKS,
    Result,
    Stopwatch,
    Tally,
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
from raw_ceiling import chunk_stats

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
ASYNC_MODE = AMQP_MODE + ASYNC_CALLBACK
SMALL_MODE = AMQP_MODE + SMALL_CHUNKS  # reads the stream of small chunks
ZSTD_MODE = AMQP_MODE + ", zstd sub-entries"  # reads the stream of zstd sub-entry batches
# After writing, let the broker finish its own work (index, disk) before the first reader.
SETTLE_SECONDS = 2.0


@dataclass
class Streams:
    """The streams read: `main` (large chunks, ours wrote it), `small` (rstream 1.1.1 wrote
    it, small chunks) and `zstd` (ours wrote it in zstd sub-entry batches of `--batch`)."""

    main: str
    small: str
    zstd: str

    def of(self, mode: str) -> str:
        """The stream a mode of ours reads."""
        return {SMALL_MODE: self.small, ZSTD_MODE: self.zstd}.get(mode, self.main)


async def write_stream(host: str, port: int, count: int, batch: int, zstd: bool = False) -> str:
    """A new stream holding `count` AMQP messages, written by ours in batches of `batch`
    (zstd sub-entry batches with `zstd`)."""
    stream = stream_name("consume-zstd" if zstd else "consume")
    async with Producer(host, port) as producer:
        await producer.create_stream(stream)
        for start in range(0, count, batch):
            messages = [AMQPMessage(body=body(i)) for i in range(start, min(start + batch, count))]
            if zstd:
                await producer.send_sub_entry(stream, messages, "zstd")
            else:
                await producer.send_batch(stream, messages)
        await producer.flush()
    return stream


def write_small_chunks(args: list[str], stream: str, count: int, timeout: float) -> None:
    """Create `stream` with the same messages, written by rstream 1.1.1 (small chunks)."""
    expected = [("rstream 1.1.1", "write", "write")]
    [result] = run_script(PEER_PYTHON, PEERS_DIR / "rstream_write.py",
                          [*args, "--stream", stream], timeout, expected, count)
    if result.error:
        raise RuntimeError(f"rstream 1.1.1 could not write {stream}: {result.error}")


async def delete_streams(host: str, port: int, streams: list[str]) -> None:
    async with Producer(host, port) as admin:
        for stream in streams:
            await admin.delete_stream(stream, missing_ok=True)


def records_per_chunk(host: str, port: int, streams: Streams, count: int) -> str:
    """The note on both streams' chunks (also on stderr); the raw reader counts them."""
    averages = []
    for stream in (streams.main, streams.small):
        records, chunks = run_loop(chunk_stats(host, port, count, stream))
        averages.append(f"{records / chunks:,.1f} ({records:,} records in {chunks:,} chunks)")
    note = (
        f"Records per chunk on average: {averages[0]} in the stream written by ours, "
        f"{averages[1]} in the one written by rstream 1.1.1 (the `small chunks` rows)."
    )
    print(f"# {note}", file=sys.stderr, flush=True)
    return note


def our_callback(tally: Tally, mode: str) -> Any:
    if mode == BINARY_MODE:
        return tally.on_bytes
    return tally.async_on_amqp() if mode == ASYNC_MODE else tally.on_amqp


async def consume_ours(host: str, port: int, stream: str, count: int, mode: str) -> Result:
    tally = Tally(count)
    options: dict[str, Any] = {
        "offset_specification": ConsumerOffsetSpecification(OffsetType.FIRST),
    }
    if mode != BINARY_MODE:
        options["decoder"] = amqp_decoder
    async with Consumer(host, port) as consumer:
        watch = Stopwatch()
        await consumer.subscribe(stream, our_callback(tally, mode), **options)
        await tally.done
        seconds, cpu = watch.stop()
    tally.check_last(body(count - 1))
    return Result(OURS, mode, seconds, count, mode, cpu_seconds=cpu)


def measure_ours(host: str, port: int, streams: Streams, count: int,
                 timeout: float) -> list[Result]:
    results = []
    for mode in (AMQP_MODE, BINARY_MODE, ASYNC_MODE, SMALL_MODE, ZSTD_MODE):
        print(f"# ours: {mode}", file=sys.stderr, flush=True)
        gc.collect()
        try:
            run = consume_ours(host, port, streams.of(mode), count, mode)
            results.append(run_loop(asyncio.wait_for(run, timeout)))
        except Exception as exc:
            results.append(Result.failed(OURS, mode, count, mode, repr(exc)[:200]))
    return results


def measure_others(args: list[str], streams: Streams, count: int,
                   timeout: float) -> list[Result]:
    rstream_rows = [("rstream 1.1.1", mode, mode)
                    for mode in (AMQP_MODE, BINARY_MODE, ASYNC_MODE, SMALL_MODE, ZSTD_MODE)]
    # rbfly is not measured on zstd sub-entries: this benchmark does not know how to make it
    # read them (its sources are GPL and are not read here).
    rbfly_rows = [("rbfly", "AMQP (subscribe, amqp=True)", AMQP_MODE),
                  ("rbfly", "binary (subscribe, amqp=False)", BINARY_MODE),
                  ("rbfly", f"AMQP (subscribe, amqp=True){SMALL_CHUNKS}", SMALL_MODE)]
    return [
        *run_script(PEER_PYTHON, PEERS_DIR / "rstream_consume.py",
                    [*args, "--zstd-stream", streams.zstd], len(rstream_rows) * timeout,
                    rstream_rows, count),
        *run_script(PEER_PYTHON, PEERS_DIR / "rbfly_consume.py", args,
                    len(rbfly_rows) * timeout, rbfly_rows, count),
    ]


def measure_raw(args: list[str], count: int, timeout: float) -> list[Result]:
    rows = [("raw asyncio socket", "count records", BINARY_MODE),
            ("raw asyncio socket", f"count records{SMALL_CHUNKS}", SMALL_MODE)]
    return run_script(OUR_PYTHON, BENCH_DIR / "raw_ceiling.py", ["consume", *args],
                      len(rows) * timeout, rows, count)


def profile_ours(host: str, port: int, streams: Streams, count: int, mode: str) -> None:
    """Run one of our modes under cProfile and print where the time goes (stderr)."""
    profiler = cProfile.Profile()
    profiler.enable()
    result = run_loop(consume_ours(host, port, streams.of(mode), count, mode))
    profiler.disable()
    print(f"{mode}: {result.rate:,.0f} msg/s under the profiler", file=sys.stderr)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)


def measure_rounds(a: argparse.Namespace, only: set[str], streams: Streams) -> list[list[Result]]:
    """`a.rounds` rounds, each running every reader once on each of its streams."""
    args = ["--count", str(a.count), "--host", a.host, "--port", str(a.port),
            "--timeout", str(a.timeout), "--stream", streams.main,
            "--small-stream", streams.small]
    rounds: list[list[Result]] = []
    for number in range(1, a.rounds + 1):
        print(f"# round {number} of {a.rounds}", file=sys.stderr, flush=True)
        results: list[Result] = []
        if "ours" in only:
            results += measure_ours(a.host, a.port, streams, a.count, a.timeout)
        if "peers" in only:
            results += measure_others(args, streams, a.count, a.timeout)
        if "raw" in only:
            results += measure_raw(args, a.count, a.timeout)
        rounds.append(results)
    return rounds


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--only", action="append", choices=["ours", "peers", "raw"],
                   help="measure only these (repeatable); default: all")
    p.add_argument("--profile", metavar="MODE", help="profile one of our modes instead")
    a = p.parse_args()
    only = set(a.only or ["ours", "peers", "raw"])
    print(f"# writing {a.count:,} messages, with ours and with rstream 1.1.1", file=sys.stderr,
          flush=True)
    streams = Streams(run_loop(write_stream(a.host, a.port, a.count, a.batch)),
                      stream_name("consume-small"),
                      run_loop(write_stream(a.host, a.port, a.count, a.batch, zstd=True)))
    try:
        write_args = ["--count", str(a.count), "--batch", str(a.batch), "--host", a.host,
                      "--port", str(a.port), "--timeout", str(a.timeout)]
        write_small_chunks(write_args, streams.small, a.count, a.timeout)
        time.sleep(SETTLE_SECONDS)
        note = records_per_chunk(a.host, a.port, streams, a.count)
        if a.profile:
            profile_ours(a.host, a.port, streams, a.count, a.profile)
            return
        rounds = measure_rounds(a, only, streams)
    finally:
        run_loop(delete_streams(a.host, a.port, [streams.main, streams.small, streams.zstd]))
    title = f"Consume {a.count:,} messages from the first offset" + loop_title()
    rows = median_results(rounds)
    write_results(a.results_json, rows)
    print(markdown_table(title, rows))
    print(note)


if __name__ == "__main__":
    main()
