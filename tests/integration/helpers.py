"""Reading a stream back, for tests that check what the broker stored."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from rstream_core.consumer import Consumer
from rstream_core.protocol.constants import OffsetType
from rstream_core.types import ConsumerOffsetSpecification, MessageContext

from .conftest import HOST, PORT


async def read_stream(
    stream: str,
    expected: int,
    timeout: float = 30.0,
    decoder: Any = None,
    **subscribe_options: Any,
) -> list[tuple[int, Any]]:
    """(offset, message) pairs from the first offset until `expected` arrived (or timeout)."""
    seen: list[tuple[int, Any]] = []
    done = asyncio.Event()

    def collect(message: Any, context: MessageContext) -> None:
        seen.append((context.offset, message))
        if len(seen) >= expected:
            done.set()

    async with Consumer(HOST, PORT) as consumer:
        subscribe_options.setdefault(
            "offset_specification", ConsumerOffsetSpecification(OffsetType.FIRST)
        )
        await consumer.subscribe(stream, collect, decoder=decoder, **subscribe_options)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), timeout)
        # Give the broker a moment to show anything beyond what was expected.
        await asyncio.sleep(0.2)
    return seen
