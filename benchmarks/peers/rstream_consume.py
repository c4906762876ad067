"""rstream 1.1.1 (PyPI) consume throughput; run with the peers' venv (.benchvenv).

Reads `--stream` (written by bench_consume.py) from the first offset until `--count`
messages arrived, once with its amqp_decoder and once without a decoder. The clock starts
before subscribing (the connection is already open). Prints one JSON line per mode.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from typing import Any

import _path  # noqa: F401  (puts benchmarks/ on sys.path for `common`)
from common import Result, Stopwatch, Tally, body, parser

from rstream import Consumer, ConsumerOffsetSpecification, OffsetType, amqp_decoder

CLIENT = "rstream 1.1.1"
AMQP_MODE = "AMQP (amqp_decoder)"
BINARY_MODE = "binary (no decoder)"


async def measure(host: str, port: int, stream: str, count: int, mode: str) -> Result:
    tally = Tally(count)
    options: dict[str, Any] = {
        "offset_specification": ConsumerOffsetSpecification(OffsetType.FIRST, None),
    }
    if mode == AMQP_MODE:
        options["decoder"] = amqp_decoder
    callback = tally.on_amqp if mode == AMQP_MODE else tally.on_bytes
    async with Consumer(host, port, username="guest", password="guest") as consumer:
        watch = Stopwatch()
        await consumer.subscribe(stream, callback, **options)
        await tally.done
        seconds, cpu = watch.stop()
    tally.check_last(body(count - 1))
    return Result(CLIENT, mode, seconds, count, mode, cpu_seconds=cpu)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--stream", required=True)
    a = p.parse_args()
    for mode in (AMQP_MODE, BINARY_MODE):
        print(f"# rstream 1.1.1: {mode}", file=sys.stderr, flush=True)
        gc.collect()
        try:
            run = measure(a.host, a.port, a.stream, a.count, mode)
            result = asyncio.run(asyncio.wait_for(run, a.timeout))
        except Exception as exc:
            result = Result.failed(CLIENT, mode, a.count, mode, repr(exc)[:200])
        print(result.to_json(), flush=True)


if __name__ == "__main__":
    main()
