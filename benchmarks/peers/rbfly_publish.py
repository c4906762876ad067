"""rbfly (PyPI) publish throughput; run with the peers' venv (.benchvenv).

rbfly's fastest confirmed way to publish, per its documentation: `PublisherBatchFast`, whose
`batch()` enqueues a message and whose `flush()` sends the enqueued ones and returns once the
broker confirmed them. Tried with several batch sizes, each on a fresh stream; one JSON line
(common.Result) per batch size, the fastest marked "(best)". The clock starts before
the publisher is declared (the connection is already open) and stops after the last flush.
Messages are `bytes` bodies, which rbfly sends as AMQP data sections like AMQPMessage(body=...).
"""

from __future__ import annotations

import asyncio
import gc
import sys
from typing import Any

import _path  # noqa: F401  (puts benchmarks/ on sys.path for `common`)
from common import Result, Stopwatch, body, parser, run_loop, stream_name
from rbfly.streams import PublisherBatchFast, streams_client

CLIENT = "rbfly"
BATCH_SIZES = (100, 1000, 10000)


async def measure(uri: str, count: int, batch: int, baseline: str) -> Result:
    client: Any = streams_client(uri)
    stream = stream_name("rbfly-pub")
    await client.create_stream(stream)
    try:
        watch = Stopwatch()
        async with client.publisher(stream, cls=PublisherBatchFast) as publisher:
            for first in range(0, count, batch):
                for i in range(first, min(first + batch, count)):
                    publisher.batch(body(i))
                await publisher.flush()
        seconds, cpu = watch.stop()
    finally:
        await client.delete_stream(stream)
        await client.disconnect()
    mode = f"PublisherBatchFast, flush every {batch}"
    return Result(CLIENT, mode, seconds, count, baseline, cpu_seconds=cpu)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--batches", default=",".join(map(str, BATCH_SIZES)),
                   help="comma-separated batch sizes to try")
    a = p.parse_args()
    uri = f"rabbitmq-stream://guest:guest@{a.host}:{a.port}/"
    baseline = f"AMQP send_batch({a.batch})"
    results = []
    for batch in (int(size) for size in a.batches.split(",")):
        print(f"# rbfly: batch {batch}", file=sys.stderr, flush=True)
        gc.collect()
        try:
            run = measure(uri, a.count, batch, baseline)
            results.append(run_loop(asyncio.wait_for(run, a.timeout)))
        except Exception as exc:
            print(f"# rbfly batch {batch} failed: {exc!r}", file=sys.stderr)
    if not results:
        sys.exit("every rbfly measurement failed")
    best = max(results, key=lambda r: r.rate)
    best.mode += " (best)"
    for result in results:
        print(result.to_json(), flush=True)


if __name__ == "__main__":
    main()
