"""Calling user callbacks that may be plain functions or coroutine functions."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("rstream.callbacks")

# Tasks started for async callbacks, kept alive until they finish (asyncio holds weak refs).
_background: set[asyncio.Future[Any]] = set()


def fire(callback: Callable[[Any], Any], argument: Any) -> None:
    """Call `callback(argument)` from synchronous code; an awaitable result runs as a task.

    A callback's exception is logged, never raised into the connection's reader.
    """
    try:
        result = callback(argument)
    except Exception:
        log.exception("callback %r failed", callback)
        return
    if result is not None:
        schedule(result)


def schedule(result: Any) -> None:
    """Run a callback's result as a task when it is awaitable (an async callback)."""
    if inspect.isawaitable(result):
        task = asyncio.ensure_future(result)
        _background.add(task)
        task.add_done_callback(_done)


def _done(task: asyncio.Future[Any]) -> None:
    _background.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("callback failed", exc_info=task.exception())


async def call(callback: Callable[..., Any], *arguments: Any) -> Any:
    """Call and, when the result is awaitable, await it."""
    result = callback(*arguments)
    if inspect.isawaitable(result):
        return await result
    return result
