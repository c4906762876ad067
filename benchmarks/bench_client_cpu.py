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
import sys
import time
from typing import Any

from common import REPO_DIR, AsyncCountdown, Countdown, body

from rstream import AMQPMessage
from rstream_core.protocol.frames import PublishConfirm
from rstream_core.speedups import SPEEDUPS

sys.path.insert(0, str(REPO_DIR))  # the tests' attached publisher
from tests.unit.core.attached import attached_publisher

BATCH = 100
CONFIRM_EVERY = 1000


async def run(count: int, lag: int, binary: bool, async_callback: bool) -> float:
    """CPU seconds per message."""
    publisher = attached_publisher(max_unconfirmed=10**9, keep_frames=False)
    countdown = (AsyncCountdown if async_callback else Countdown)(count - lag)
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
            await asyncio.sleep(0)  # the loop gets control back, as between socket reads
    await countdown.done  # the last async callbacks run once the loop is free
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
    cases = [(binary, async_callback) for async_callback in (False, True)
             for binary in (False, True)]
    rates: dict[tuple[bool, bool], list[float]] = {case: [] for case in cases}
    for _ in range(a.rounds):  # interleaved: every case once per round
        for binary, async_callback in cases:
            gc.collect()
            rates[binary, async_callback].append(
                asyncio.run(run(a.count, a.lag, binary, async_callback)))
    for (binary, async_callback), case_rates in rates.items():
        kind = "binary" if binary else "AMQP"
        callback = "async def" if async_callback else "plain"
        shown = ", ".join(f"{r * 1e9:.0f}" for r in case_rates)
        print(f"{kind} send_batch({BATCH}), {callback} callback: {min(case_rates) * 1e9:.0f} ns "
              f"of client CPU per message (best of {a.rounds}: {shown}; "
              f"C extensions: {SPEEDUPS})")


if __name__ == "__main__":
    main()
