"""rstream_core.loops: asyncio's loop or uvloop, and a clear error when uvloop is missing."""

from __future__ import annotations

import sys
import warnings

import pytest

from rstream_core.errors import MissingDependencyError
from rstream_core.loops import loop_factory, loop_name, run


async def which_loop() -> str:
    return loop_name()


def test_run_uses_asyncio_by_default_and_uvloop_when_asked() -> None:
    assert run(which_loop()) == "asyncio"
    assert run(which_loop(), uvloop=True) == "uvloop"


def test_asyncio_needs_no_factory() -> None:
    assert loop_factory(False) is None


def test_missing_uvloop_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    with pytest.raises(MissingDependencyError, match=r'pip install "rstream\[uvloop\]"'):
        loop_factory(True)
    coroutine = which_loop()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "coroutine was never awaited" would be one
        with pytest.raises(MissingDependencyError):
            run(coroutine, uvloop=True)
    assert coroutine.cr_frame is None  # closed, not left pending
