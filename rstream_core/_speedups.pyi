"""Optional C versions of the publishing loops (see _speedups.c and speedups.py)."""

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from types import NotImplementedType
from typing import Any

def init(status: type[tuple[Any, ...]], /) -> None: ...
def encode_as_is(
    messages: Sequence[Any], /
) -> tuple[list[bytes], bool] | NotImplementedType: ...
def settle_confirmed(
    publishing_ids: Sequence[int],
    unconfirmed: dict[int, Any],
    callbacks: dict[int, Callable[[Any], Any]],
    on_result: Callable[[Any], Any],
    on_error: Callable[[BaseException], Any],
    deferred: AbstractSet[Callable[[Any], Any]] = ...,
    queue: list[Any] = ...,
    queue_callbacks: list[Any] = ...,
    /,
) -> None: ...
def run_coroutines(
    results: list[Any],
    result_callbacks: list[Any],
    start: int,
    on_error: Callable[[BaseException], Any],
    /,
) -> tuple[int, bool, Any]: ...
def init_context(context: type, /) -> None: ...
def deliver(
    records: list[bytes],
    start: int,
    first_offset: int,
    subscription: Any,
    decoder: Callable[[bytes], Any] | None,
    predicate: Callable[[Any], bool] | None,
    callback: Callable[[Any, Any], Any],
    on_error: Callable[[BaseException, int], Any],
    consumer: Any,
    stream: str,
    subscriber_id: int,
    reference: str | None,
    timestamp: int,
    /,
) -> tuple[int, Exception | None, tuple[Any, Any] | None]: ...
