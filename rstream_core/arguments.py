"""Typed stream and super stream creation arguments (docs/protocol.md 2.1, Create)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Literal

# The highest `initial_offset` the broker takes (2^62 - 1, as the Java client checks it).
MAX_INITIAL_OFFSET = (1 << 62) - 1
INITIAL_OFFSET_KEY = "stream-initial-offset"  # RabbitMQ 4.4+


@dataclasses.dataclass(frozen=True, kw_only=True)
class StreamArguments:
    """What a stream keeps and where it lives. None leaves the broker's default.

    The broker ignores unknown keys silently, so typed fields catch typos that a plain
    dict would not. `extra` passes any other key through unchanged.
    """

    max_length_bytes: int | None = None
    max_age: timedelta | str | None = None
    max_segment_size_bytes: int | None = None
    initial_cluster_size: int | None = None
    leader_locator: Literal["client-local", "balanced"] | None = None
    filter_size_bytes: int | None = None
    # The offset of the stream's first message (RabbitMQ 4.4+), e.g. to continue the offsets
    # of a stream that this one replaces.
    initial_offset: int | None = None
    extra: dict[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.filter_size_bytes is not None and not 16 <= self.filter_size_bytes <= 255:
            raise ValueError("filter_size_bytes must be between 16 and 255")
        for name in ("max_length_bytes", "max_segment_size_bytes", "initial_cluster_size"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive")
        if self.initial_offset is not None and not 0 <= self.initial_offset <= MAX_INITIAL_OFFSET:
            raise ValueError(
                f"initial_offset must be between 0 and {MAX_INITIAL_OFFSET}, "
                f"given: {self.initial_offset}"
            )

    def to_map(self) -> dict[str, str]:
        result: dict[str, str] = {}
        if self.max_length_bytes is not None:
            result["max-length-bytes"] = str(self.max_length_bytes)
        if self.max_age is not None:
            result["max-age"] = _age(self.max_age)
        if self.max_segment_size_bytes is not None:
            result["stream-max-segment-size-bytes"] = str(self.max_segment_size_bytes)
        if self.initial_cluster_size is not None:
            result["initial-cluster-size"] = str(self.initial_cluster_size)
        if self.leader_locator is not None:
            result["queue-leader-locator"] = self.leader_locator
        if self.filter_size_bytes is not None:
            result["stream-filter-size-bytes"] = str(self.filter_size_bytes)
        if self.initial_offset is not None:
            result[INITIAL_OFFSET_KEY] = str(self.initial_offset)
        result.update(self.extra)
        return result


def _age(value: timedelta | str) -> str:
    if isinstance(value, str):
        return value
    return f"{int(value.total_seconds())}s"


def arguments_map(arguments: StreamArguments | dict[str, object] | None) -> dict[str, str]:
    """Accept typed arguments or the seed's plain dict (values turned into strings)."""
    if arguments is None:
        return {}
    if isinstance(arguments, StreamArguments):
        return arguments.to_map()
    return {key: str(value) for key, value in arguments.items()}


@dataclasses.dataclass(frozen=True, kw_only=True)
class SuperStreamCreationOption:
    """How to create a super stream: N partitions `<name>-0..N-1` or explicit binding keys."""

    n_partitions: int = 0
    binding_keys: list[str] | None = None
    arguments: StreamArguments | dict[str, object] | None = None

    def partitions(self, super_stream: str) -> tuple[list[str], list[str]]:
        """The partition streams and their binding keys, in partition order."""
        if self.binding_keys:
            keys = list(self.binding_keys)
            return [f"{super_stream}-{key}" for key in keys], keys
        if self.n_partitions <= 0:
            raise ValueError("a super stream needs n_partitions > 0 or binding_keys")
        keys = [str(i) for i in range(self.n_partitions)]
        return [f"{super_stream}-{key}" for key in keys], keys
