"""RawMessage: bytes stored as they are, with an optional publishing id."""

from __future__ import annotations

__all__ = ["RawMessage"]


class RawMessage:
    """Bytes to publish unchanged; ``bytes(raw)`` gives them back.

    `publishing_id` is not stored with the data: a producer uses it for deduplication.
    """

    __slots__ = ("data", "publishing_id")

    def __init__(self, data: bytes, publishing_id: int | None = None) -> None:
        self.data = data
        self.publishing_id = publishing_id

    def __bytes__(self) -> bytes:
        return self.data

    def __len__(self) -> int:
        return len(self.data)

    def __eq__(self, other: object) -> bool:
        if type(other) is not RawMessage:
            return NotImplemented
        return self.data == other.data and self.publishing_id == other.publishing_id

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        if self.publishing_id is None:
            return f"RawMessage({self.data!r})"
        return f"RawMessage({self.data!r}, publishing_id={self.publishing_id!r})"
