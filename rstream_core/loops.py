"""Event loops: the standard asyncio loop, or uvloop when the `rstream[uvloop]` extra is installed.

The client itself runs on whatever loop the application started; nothing here is needed to use
uvloop (`uvloop.run(main())` is enough). The `rstream` command and the benchmarks choose a loop
with these helpers so that `--uvloop` fails with the extra to install rather than an ImportError.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from rstream_core.errors import MissingDependencyError

T = TypeVar("T")
LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def loop_factory(uvloop: bool) -> LoopFactory | None:
    """uvloop's `new_event_loop` when asked for; None (asyncio's default loop) otherwise."""
    if not uvloop:
        return None
    try:
        import uvloop as module
    except ImportError as exc:
        raise MissingDependencyError("the uvloop event loop", "uvloop", "uvloop") from exc
    factory: LoopFactory = module.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, T], *, uvloop: bool = False) -> T:
    """`asyncio.run(main)`, on uvloop when `uvloop` is true."""
    try:
        factory = loop_factory(uvloop)
    except MissingDependencyError:
        main.close()  # never started: no "coroutine was never awaited" warning
        raise
    if factory is None:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)


def loop_name() -> str:
    """What the running loop is, for reports: "asyncio" or "uvloop"."""
    module = type(asyncio.get_running_loop()).__module__
    return "uvloop" if module.startswith("uvloop") else "asyncio"
