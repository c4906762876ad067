"""Optional C versions of the `fast_sections` fast paths (see _speedups.c).

Each returns what the pure-Python fast path returns, or NotImplemented for whatever it does
not handle (other shapes, malformed input), which Python then decodes.
"""

from collections.abc import Callable
from types import NotImplementedType

from .application_properties import ApplicationProperties
from .sections import Properties
from .types import Symbol

def init(
    properties: type[Properties],
    application_properties: type[ApplicationProperties],
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
) -> ApplicationProperties | NotImplementedType: ...
