"""Our producer's own CPU per message, without a broker: what the client costs by itself.

With the broker on the same two cores, publishing rates mix the client's work with the
broker's and with the machine's drift. This runs the publishing path of one `Publisher` (the
benchmark's message building, `append_batch`, Publish frame encoding, confirm handling with
the same counting callback as bench_publish.py) against a connection that drops what is
written, feeding it PublishConfirm frames for 1,000 messages at a time, `--lag` messages
behind (10,000 by default, the default window of unconfirmed messages).

    .venv/bin/python benchmarks/bench_client_cpu.py
    RSTREAM_NO_EXTENSIONS=1 .venv/bin/python benchmarks/bench_client_cpu.py   # pure Python
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from typing import Any

from common import Countdown, body

from rstream import AMQPMessage
from rstream_core.protocol.frames import PublishConfirm
from rstream_core.publisher import Publisher, default_encode
from rstream_core.speedups import SPEEDUPS

BATCH = 100
CONFIRM_EVERY = 1000
FRAME_MAX = 1024 * 1024


class NullConnection:
    """What a Publisher uses of a connection; written frames are only counted."""

    frame_max = FRAME_MAX
    writable = True
    is_open = True

    def __init__(self) -> None:
        self.frames = 0

    def write(self, data: bytes) -> None:
        self.frames += 1


class NullClient:
    def __init__(self) -> None:
        self.connection = NullConnection()


def attached_publisher() -> Publisher:
    """A Publisher as `start()` leaves it, on a NullClient."""
    publisher = Publisher(
        None,  # type: ignore[arg-type]  # no pool: never attaches by itself
        "stream",
        None,
        encode=default_encode,
        filtering=False,
        max_unconfirmed=10**9,
        confirm_timeout=None,
        recovery=False,
        on_unavailable=lambda *_: None,
    )
    publisher._client = NullClient()  # type: ignore[assignment]
    publisher._publisher_id = 1
    publisher._frame_max = FRAME_MAX
    publisher._batch_bytes = min(FRAME_MAX, 64 * 1024)
    publisher._ready.set()
    publisher.accepting = True
    return publisher


async def run(count: int, lag: int, binary: bool) -> float:
    """CPU seconds per message."""
    publisher = attached_publisher()
    countdown = Countdown(count - lag)
    started = time.process_time()
    for start in range(0, count, BATCH):
        messages: list[Any]
        if binary:
            messages = [body(i) for i in range(start, start + BATCH)]
        else:
            messages = [AMQPMessage(body=body(i)) for i in range(start, start + BATCH)]
        publisher.append_batch(messages, countdown)
        end = start + BATCH  # publishing ids are 1-based: the batch took ids start+1..end
        if end % CONFIRM_EVERY == 0 and end > lag:
            publisher.flush()
            first = end - lag - CONFIRM_EVERY + 1
            ids = tuple(range(first, first + CONFIRM_EVERY))
            publisher.on_publish_confirm(PublishConfirm(publisher_id=1, publishing_ids=ids))
    seconds = time.process_time() - started
    if countdown.count != count - lag:
        raise RuntimeError(f"{countdown.count} confirms counted, {count - lag} expected")
    return seconds / count


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=1_000_000)
    p.add_argument("--lag", type=int, default=10_000)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    for binary in (False, True):
        rates = []
        for _ in range(a.rounds):
            gc.collect()
            rates.append(asyncio.run(run(a.count, a.lag, binary)))
        kind = "binary" if binary else "AMQP"
        shown = ", ".join(f"{r * 1e9:.0f}" for r in rates)
        print(f"{kind} send_batch({BATCH}): {min(rates) * 1e9:.0f} ns of client CPU per message "
              f"(best of {a.rounds}: {shown}; C extensions: {SPEEDUPS})")


if __name__ == "__main__":
    main()
