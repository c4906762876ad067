"""Writes the small-chunk stream of bench_consume.py with rstream 1.1.1 (PyPI); run with the
peers' venv (.benchvenv).

Creates `--stream` and writes `--count` messages `AMQPMessage(body=b"hello: <i>")` with
`send_batch` of `--batch`, as rstream 1.x users publish, then waits until every message is
confirmed. rstream 1.1.1 writes one Publish frame per `send_batch`, slowly enough that the
broker's writer seldom has more than a frame's messages waiting, so the chunks it cuts are
small: this is the stream of the "small chunks" rows. The broker decides the chunk
boundaries, so their size varies from run to run (three 20,000-message writes gave 16, 56
and 65 records per chunk on average, many chunks holding a single record); bench_consume.py
prints it. Prints one JSON line (common.Result, mode "write"), which bench_consume.py checks and
leaves out of the table.
"""

from __future__ import annotations

import asyncio
import sys

import _path  # noqa: F401  (puts benchmarks/ on sys.path for `common`)
from common import Countdown, Result, Stopwatch, body, parser, run_loop

from rstream import AMQPMessage, Producer

CLIENT = "rstream 1.1.1"
MODE = "write"


async def write(host: str, port: int, stream: str, count: int, batch: int) -> Result:
    async with Producer(host, port, username="guest", password="guest") as producer:
        await producer.create_stream(stream)
        countdown = Countdown(count)
        watch = Stopwatch()
        for start in range(0, count, batch):
            messages = [AMQPMessage(body=body(i)) for i in range(start, min(start + batch, count))]
            await producer.send_batch(stream, messages, on_publish_confirm=countdown)
        await countdown.done  # the readers must find every message
        seconds, cpu = watch.stop()
        countdown.check()
    return Result(CLIENT, MODE, seconds, count, MODE, cpu_seconds=cpu)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--stream", required=True)
    a = p.parse_args()
    print(f"# rstream 1.1.1: writing {a.count:,} messages to {a.stream}", file=sys.stderr,
          flush=True)
    run = write(a.host, a.port, a.stream, a.count, a.batch)
    print(run_loop(asyncio.wait_for(run, a.timeout)).to_json(), flush=True)


if __name__ == "__main__":
    main()
