"""The one retry loop of recovery (no broker)."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest

from rstream_core import retry as retry_module
from rstream_core.errors import (
    AuthenticationFailure,
    ClientTimeoutError,
    ConnectionClosedError,
    InternalError,
    StreamDoesNotExist,
    UnsupportedFeatureError,
)
from rstream_core.retry import BackOff, is_retriable, retry

log = logging.getLogger("test.retry")


def test_back_off_doubles_up_to_its_maximum() -> None:
    delays = list(itertools.islice(BackOff(first=0.2, maximum=1.0).delays(), 5))
    assert delays == [0.2, 0.4, 0.8, 1.0, 1.0]


def test_which_errors_are_retriable() -> None:
    assert is_retriable(ConnectionClosedError("gone"))
    assert is_retriable(ClientTimeoutError("slow"))
    assert is_retriable(InternalError.for_code(15, "x"))
    assert is_retriable(OSError("refused"))
    assert is_retriable(RuntimeError("unexpected"))
    assert not is_retriable(StreamDoesNotExist.for_code(2, "deleted"))
    assert not is_retriable(AuthenticationFailure.for_code(8, "wrong password"))
    assert not is_retriable(UnsupportedFeatureError("too old"))
    assert not is_retriable(KeyboardInterrupt())


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)

    monkeypatch.setattr(retry_module.asyncio, "sleep", sleep)
    return slept


async def test_retries_retriable_errors_with_back_off(
    no_sleep: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    failures = [ConnectionClosedError("a"), OSError("b"), RuntimeError("c")]

    async def attempt() -> str:
        if failures:
            raise failures.pop(0)
        return "attached"

    with caplog.at_level(logging.INFO, logger="test.retry"):
        result = await retry(attempt, what="x", logger=log, stopped=lambda: False,
                             back_off=BackOff(first=1, maximum=3))
    assert result == "attached"
    assert no_sleep == [1, 2, 3]
    levels = [r.levelno for r in caplog.records if r.name == "test.retry"]
    assert levels == [logging.INFO, logging.INFO, logging.WARNING]  # the unexpected one warns


async def test_raises_what_is_not_retriable_at_once(no_sleep: list[float]) -> None:
    async def attempt() -> None:
        raise StreamDoesNotExist.for_code(2, "deleted")

    with pytest.raises(StreamDoesNotExist):
        await retry(attempt, what="x", logger=log, stopped=lambda: False)
    assert no_sleep == []


async def test_stops_when_told(no_sleep: list[float]) -> None:
    calls = 0

    async def attempt() -> None:
        nonlocal calls
        calls += 1
        raise ConnectionClosedError("down")

    assert await retry(attempt, what="x", logger=log, stopped=lambda: calls >= 3) is None
    assert calls == 3


async def test_a_cancellation_is_not_retried(no_sleep: list[float]) -> None:
    async def attempt() -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await retry(attempt, what="x", logger=log, stopped=lambda: False)
