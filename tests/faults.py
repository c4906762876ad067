"""The fault harness: a named producer publishes at a steady rate, a named consumer reads,
a fault happens meanwhile; what arrived is checked message by message.

Bodies are the message numbers (8 bytes). `run_through` returns an `Outcome`: the numbers
the consumer got, in order, the publishing ids confirmed and those reported failed, and for
each fault event the recovery time (the longest pause of confirms or deliveries it caused:
both flow steadily otherwise). The checks: nothing lost, nothing duplicated, no inversions,
every message confirmed, and the stream itself holds each message once.

Each run appends one JSON line to RSTREAM_FAULT_RESULTS (default
/tmp/rstream-fault-results.jsonl), from which scripts/fault_table.py prints the README's table.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import json
import math
import os
import statistics
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rstream import (
    ConfirmationStatus,
    Consumer,
    ConsumerOffsetSpecification,
    MessageContext,
    OffsetType,
    Producer,
    ResourceState,
)

NUMBER = struct.Struct(">Q")
RESULTS = os.environ.get("RSTREAM_FAULT_RESULTS", "/tmp/rstream-fault-results.jsonl")

# A fault: given the run (to mark events with `run.event()`), it does its damage and returns.
Fault = Callable[["Run"], Awaitable[None]]


@dataclass
class Run:
    """What happened during one run, as it happens: every confirm's and every delivery's
    time, and when each fault event began."""

    total: int
    received: list[int] = field(default_factory=list)
    confirmed: set[int] = field(default_factory=set)
    failed: list[ConfirmationStatus] = field(default_factory=list)
    events: list[float] = field(default_factory=list)  # monotonic times of fault events
    confirm_times: list[float] = field(default_factory=list)
    delivery_times: list[float] = field(default_factory=list)
    # "producer", "consumer" -> the times it went from recovering to open again
    reopened: dict[str, list[float]] = field(
        default_factory=lambda: {"producer": [], "consumer": []})

    def event(self) -> float:
        """The fault strikes now (it may strike several times); returns the time."""
        now = time.monotonic()
        self.events.append(now)
        return now

    def on_confirm(self, status: ConfirmationStatus) -> None:
        if status.is_confirmed:
            self.confirmed.add(status.message_id)
        else:
            self.failed.append(status)
        self.confirm_times.append(time.monotonic())

    def on_message(self, message: bytes, context: MessageContext) -> None:
        self.received.append(NUMBER.unpack(message)[0])
        self.delivery_times.append(time.monotonic())

    def state_listener(self, kind: str) -> Callable[[Any, ResourceState, ResourceState], None]:
        def listen(resource: Any, old: ResourceState, new: ResourceState) -> None:
            if old is ResourceState.RECOVERING and new is ResourceState.OPEN:
                self.reopened[kind].append(time.monotonic())
        return listen

    def recovered_since(self, moment: float) -> bool:
        """True once the producer and the consumer both recovered after `moment`."""
        return all(times and times[-1] > moment for times in self.reopened.values())

    def flowing_since(self, moment: float) -> bool:
        """True once a confirm and a delivery came after `moment`, or everything came."""
        if len(self.confirmed) + len(self.failed) >= self.total <= len(self.received):
            return True
        return bool(self.confirm_times and self.delivery_times
                    and self.confirm_times[-1] > moment and self.delivery_times[-1] > moment)

    def recovery_times(self) -> list[float]:
        """Per event: the longest pause of confirms or of deliveries between the event and
        the next one (or the end), the time the fault cost, since both flow steadily."""
        ends = [*self.events[1:], math.inf]
        return [max(_longest_pause(self.confirm_times, start, end),
                    _longest_pause(self.delivery_times, start, end))
                for start, end in zip(self.events, ends, strict=True)]


def _longest_pause(times: list[float], start: float, end: float) -> float:
    """The longest gap between successive times from `start` on, up to and including the
    first time at or after `end` (a pause that outlasts the window still counts whole)."""
    first = bisect.bisect_left(times, start)
    last = bisect.bisect_left(times, end)
    window = [start, *times[first:last + 1]]
    return max((b - a for a, b in itertools.pairwise(window)), default=0.0)


@dataclass
class Outcome:
    name: str
    total: int
    lost: int
    duplicated: int
    inversions: int
    unconfirmed: int
    recovery: list[float]
    seconds: float

    def check(self) -> None:
        assert (self.lost, self.duplicated, self.inversions, self.unconfirmed) == (0, 0, 0, 0), (
            self)
        assert self.recovery, f"{self.name}: no fault event was recovered from"

    def record(self) -> None:
        with open(RESULTS, "a") as file:
            file.write(json.dumps({
                "fault": self.name, "messages": self.total, "lost": self.lost,
                "duplicated": self.duplicated, "inversions": self.inversions,
                "recovery_p50_s": round(statistics.median(self.recovery), 3)
                if self.recovery else None,
                "recovery_max_s": round(max(self.recovery), 3) if self.recovery else None,
                "events": len(self.recovery), "seconds": round(self.seconds, 1),
            }) + "\n")


def outcome_of(name: str, run: Run, seconds: float) -> Outcome:
    got = run.received
    distinct = set(got)
    inversions = sum(1 for a, b in itertools.pairwise(got) if b <= a)
    return Outcome(
        name=name, total=run.total, lost=run.total - len(distinct & set(range(run.total))),
        duplicated=len(got) - len(distinct), inversions=inversions,
        unconfirmed=run.total - len(run.confirmed),
        recovery=run.recovery_times(), seconds=seconds,
    )


async def run_through(
    name: str,
    fault: Fault,
    stream: str,
    client: dict[str, Any],
    *,
    total: int = 200_000,
    rate: int = 40_000,
    fault_after: float = 1.5,
    timeout: float = 180.0,
    producer_client: dict[str, Any] | None = None,
) -> Outcome:
    """Publish `total` messages at `rate` msg/s with a named producer while a named consumer
    reads; `fault(run)` starts `fault_after` seconds in. `client`: keyword arguments of the
    producer and the consumer (host, port, load_balancer_mode...)."""
    run = Run(total)
    started = time.monotonic()
    async with (
        Producer(**(producer_client or client),
                 on_state_change=run.state_listener("producer")) as producer,
        Consumer(**client, on_state_change=run.state_listener("consumer")) as consumer,
    ):
        await consumer.subscribe(
            stream, run.on_message, subscriber_name=f"{name}-reader",
            offset_specification=ConsumerOffsetSpecification(OffsetType.FIRST),
            offset_tracking=False,
        )
        publishing = asyncio.create_task(publish_steadily(producer, stream, run, rate))
        await asyncio.sleep(fault_after)
        await fault(run)
        await asyncio.wait_for(publishing, timeout)
        await producer.flush(timeout=timeout)
        deadline = time.monotonic() + timeout
        while len(run.received) < total and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # anything beyond `total` would be a duplicate: let it come
    return outcome_of(name, run, time.monotonic() - started)


async def publish_steadily(producer: Producer, stream: str, run: Run, rate: int) -> None:
    """Messages 0..run.total-1 in batches of 100, at `rate` msg/s, with a named producer."""
    batch = 100
    started = time.monotonic()
    for first in range(0, run.total, batch):
        messages = [NUMBER.pack(i) for i in range(first, min(first + batch, run.total))]
        await producer.send_batch(stream, messages, publisher_name="fault-writer",
                                  on_publish_confirm=run.on_confirm)
        delay = started + (first + batch) / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


async def until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Until `condition()` holds; fails the test with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not in {timeout} s: {what}"
        await asyncio.sleep(0.02)


async def until_recovered(run: Run, since: float, timeout: float = 60) -> None:
    """Until the producer and the consumer both recovered after `since`, then until a confirm
    and a delivery came. Frames already in the clients' buffers still confirm and deliver
    after a fault, so a confirm and a delivery alone do not show a recovery."""
    await until(lambda: run.recovered_since(since), "producer and consumer recovered", timeout)
    await until_flowing(run, time.monotonic(), timeout)


async def until_flowing(run: Run, since: float, timeout: float = 60) -> None:
    """Until a confirm and a delivery came after `since` (monotonic time), or everything came;
    fails the test after `timeout` seconds."""
    await until(lambda: run.flowing_since(since), "confirms and deliveries again", timeout)


async def stored_once(stream: str, client: dict[str, Any], total: int) -> None:
    """The stream itself holds messages 0..total-1, each once, in order."""
    seen: list[int] = []
    async with Consumer(**client) as consumer:
        await consumer.subscribe(
            stream, lambda message, context: seen.append(NUMBER.unpack(message)[0]),
            offset_specification=ConsumerOffsetSpecification(OffsetType.FIRST))
        deadline = time.monotonic() + 60
        while len(seen) < total and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        with contextlib.suppress(TimeoutError):
            await asyncio.sleep(0.5)
    assert seen == list(range(total)), f"stored: {len(seen)} messages, {len(set(seen))} distinct"
