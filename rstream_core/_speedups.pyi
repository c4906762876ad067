"""Optional C versions of the publishing loops (see _speedups.c and speedups.py)."""

from collections.abc import Callable, Sequence
from types import NotImplementedType
from typing import Any

def init(status: type[tuple[Any, ...]], /) -> None: ...
def encode_publish(
    publisher_id: int, publishing_ids: Sequence[int], messages: Sequence[bytes], /
) -> bytes | NotImplementedType: ...
def encode_as_is(
    messages: Sequence[Any], /
) -> tuple[list[bytes], bool] | NotImplementedType: ...
def settle_confirmed(
    publishing_ids: Sequence[int],
    unconfirmed: dict[int, Any],
    callbacks: dict[int, Callable[[Any], Any]],
    on_result: Callable[[Any], Any],
    on_error: Callable[[BaseException], Any],
    /,
) -> None: ...
def run_coroutines(
    results: list[Any], start: int, on_error: Callable[[BaseException], Any], /
) -> tuple[int, bool, Any]: ...
