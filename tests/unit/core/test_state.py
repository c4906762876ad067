"""ResourceState reporting without a broker: transitions, listeners, what is final."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from rstream import ResourceState
from rstream_core.state import StateReporter

from .attached import attached_publisher, close


async def test_every_change_is_told_once_and_closing_is_final() -> None:
    heard: list[tuple[Any, ResourceState, ResourceState]] = []
    resource = object()
    states = StateReporter(resource, lambda r, old, new: heard.append((r, old, new)))
    assert states.state is ResourceState.OPENING
    for state in (ResourceState.OPEN, ResourceState.OPEN, ResourceState.RECOVERING,
                  ResourceState.OPEN, ResourceState.CLOSING, ResourceState.RECOVERING,
                  ResourceState.OPEN, ResourceState.CLOSED, ResourceState.CLOSING):
        states.enter(state)
    assert [(old.value, new.value) for _, old, new in heard] == [
        ("opening", "open"), ("open", "recovering"), ("recovering", "open"),
        ("open", "closing"), ("closing", "closed"),
    ]
    assert all(r is resource for r, _, _ in heard)


async def test_an_async_listener_runs_as_a_task_and_a_failing_one_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    heard: list[ResourceState] = []

    async def listener(resource: object, old: ResourceState, new: ResourceState) -> None:
        heard.append(new)
        raise ValueError("listener bug")

    states = StateReporter(object(), listener)
    with caplog.at_level(logging.ERROR):
        states.enter(ResourceState.OPEN)
        await asyncio.sleep(0.01)
    assert heard == [ResourceState.OPEN] and states.state is ResourceState.OPEN
    assert "listener bug" in caplog.text


async def test_a_publisher_tells_its_producer_of_each_state() -> None:
    publisher = attached_publisher()
    seen: list[str] = []
    publisher._on_state = lambda p: seen.append(p.state.value)
    publisher.on_stream_unavailable("connection closed")  # recovery is off here: FAILED
    await close(publisher)
    assert seen == ["failed", "closed"]
