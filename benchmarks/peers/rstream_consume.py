"""rstream 1.1.1 (PyPI) consume throughput; run with the peers' venv (.benchvenv).

Reads `--stream` (written by bench_consume.py) from the first offset until `--count`
messages arrived: with its amqp_decoder, without a decoder, and with the amqp_decoder and an
`async def` callback (common.Tally.async_on_amqp, which rstream 1.1.1 awaits inline); with
`--small-stream`, also that stream of small chunks with the amqp_decoder. The clock starts
before subscribing (the connection is already open). Prints one JSON line per mode.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from typing import Any

import _path  # noqa: F401  (puts benchmarks/ on sys.path for `common`)
import rstream_zstd
from common import ASYNC_CALLBACK, SMALL_CHUNKS, Result, Stopwatch, Tally, body, parser, run_loop

from rstream import Consumer, ConsumerOffsetSpecification, OffsetType, amqp_decoder

CLIENT = "rstream 1.1.1"
# The same modes as bench_consume.py's, each compared with ours in that mode.
AMQP_MODE = "AMQP (amqp_decoder)"
BINARY_MODE = "binary (no decoder)"
ASYNC_MODE = AMQP_MODE + ASYNC_CALLBACK
SMALL_MODE = AMQP_MODE + SMALL_CHUNKS
ZSTD_MODE = AMQP_MODE + ", zstd sub-entries"


def callback_for(tally: Tally, mode: str) -> Any:
    if mode == BINARY_MODE:
        return tally.on_bytes
    return tally.async_on_amqp() if mode == ASYNC_MODE else tally.on_amqp


async def measure(host: str, port: int, stream: str, count: int, mode: str) -> Result:
    tally = Tally(count)
    options: dict[str, Any] = {
        "offset_specification": ConsumerOffsetSpecification(OffsetType.FIRST, None),
    }
    if mode != BINARY_MODE:
        options["decoder"] = amqp_decoder
    async with Consumer(host, port, username="guest", password="guest") as consumer:
        watch = Stopwatch()
        await consumer.subscribe(stream, callback_for(tally, mode), **options)
        await tally.done
        seconds, cpu = watch.stop()
    tally.check_last(body(count - 1))
    return Result(CLIENT, mode, seconds, count, mode, cpu_seconds=cpu)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--stream", required=True)
    p.add_argument("--small-stream", help="also read this stream of small chunks (AMQP)")
    p.add_argument("--zstd-stream", help="also read this stream of zstd sub-entries (AMQP)")
    a = p.parse_args()
    rstream_zstd.register()
    runs = [(a.stream, mode) for mode in (AMQP_MODE, BINARY_MODE, ASYNC_MODE)]
    if a.small_stream:
        runs.append((a.small_stream, SMALL_MODE))
    if a.zstd_stream:
        runs.append((a.zstd_stream, ZSTD_MODE))
    for stream, mode in runs:
        print(f"# rstream 1.1.1: {mode}", file=sys.stderr, flush=True)
        gc.collect()
        try:
            run = measure(a.host, a.port, stream, a.count, mode)
            result = run_loop(asyncio.wait_for(run, a.timeout))
        except Exception as exc:
            result = Result.failed(CLIENT, mode, a.count, mode, repr(exc)[:200])
        print(result.to_json(), flush=True)


if __name__ == "__main__":
    main()
