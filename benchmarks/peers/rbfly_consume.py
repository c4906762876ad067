"""rbfly (PyPI) consume throughput; run with the peers' venv (.benchvenv).

Reads `--stream` (written by bench_consume.py) from the first offset until `--count`
messages arrived, with `StreamsClient.subscribe`, an async iterator of message bodies: once
with AMQP decoding (its default) and once with `amqp=False`; with `--small-stream`, also that
stream of small chunks with AMQP decoding. The clock starts before subscribing (the
connection is already open). Prints one JSON line per mode.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from typing import Any

import _path  # noqa: F401  (puts benchmarks/ on sys.path for `common`)
from common import SMALL_CHUNKS, Result, Stopwatch, body, parser, run_loop
from rbfly.streams import Offset, streams_client

CLIENT = "rbfly"
SMALL_MODE = f"AMQP (subscribe, amqp=True){SMALL_CHUNKS}"  # reads --small-stream
# Mode -> (the mode of ours it is compared with, amqp=).
MODES = {
    "AMQP (subscribe, amqp=True)": ("AMQP (amqp_decoder)", True),
    "binary (subscribe, amqp=False)": ("binary (no decoder)", False),
    SMALL_MODE: (f"AMQP (amqp_decoder){SMALL_CHUNKS}", True),
}


async def measure(uri: str, stream: str, count: int, mode: str) -> Result:
    baseline, amqp = MODES[mode]
    client: Any = streams_client(uri)
    await client.get_protocol()  # connect before the clock starts
    received = 0
    last: Any = None
    try:
        watch = Stopwatch()
        async for message in client.subscribe(stream, offset=Offset.FIRST, amqp=amqp):
            received += 1
            last = message
            if received >= count:
                break
        seconds, cpu = watch.stop()
    finally:
        await client.disconnect()
    if not bytes(last).endswith(body(count - 1)):
        raise RuntimeError(f"the last message is {last!r}")
    return Result(CLIENT, mode, seconds, count, baseline, cpu_seconds=cpu)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--stream", required=True)
    p.add_argument("--small-stream", help="also read this stream of small chunks (AMQP)")
    a = p.parse_args()
    uri = f"rabbitmq-stream://guest:guest@{a.host}:{a.port}/"
    runs = [(a.stream, mode) for mode in MODES if mode != SMALL_MODE]
    if a.small_stream:
        runs.append((a.small_stream, SMALL_MODE))
    for stream, mode in runs:
        baseline = MODES[mode][0]
        print(f"# rbfly: {mode}", file=sys.stderr, flush=True)
        gc.collect()
        try:
            result = run_loop(asyncio.wait_for(measure(uri, stream, a.count, mode),
                                                  a.timeout))
        except Exception as exc:
            result = Result.failed(CLIENT, mode, a.count, baseline, repr(exc)[:200])
        print(result.to_json(), flush=True)


if __name__ == "__main__":
    main()
