"""Optional C versions of the `fast_sections` fast paths (see _speedups.c).

Each returns what the pure-Python fast path returns, or NotImplemented for whatever it does
not handle (other shapes, malformed input), which Python then decodes.
"""

from collections.abc import Callable
from types import NotImplementedType
from typing import Any

from .sections import Properties
from .types import Symbol

def init(
    properties: type[Properties],
    ulong: type[int],
    uint: type[int],
    ubyte: type[int],
    timestamp: type[int],
    symbol_cache: dict[bytes, Symbol],
    new_symbol: Callable[[bytes], Symbol],
    /,
) -> None: ...
def decode_properties(
    data: bytes, where: tuple[int, int], /
) -> Properties | NotImplementedType: ...
def decode_application_properties(
    data: bytes, where: tuple[int, int], /
) -> dict[str, Any] | NotImplementedType: ...
