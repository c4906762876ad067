"""Optional C versions of the protocol's loops (see _speedups.c and speedups.py)."""

from collections.abc import Sequence
from types import NotImplementedType

def encode_publish(
    publisher_id: int, publishing_ids: Sequence[int], messages: Sequence[bytes], /
) -> bytes | NotImplementedType: ...
def read_simple_entries(
    chunk: bytes, start: int, end: int, /
) -> list[bytes] | NotImplementedType: ...
