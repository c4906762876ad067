"""The life of a producer, a consumer or a subscription, as applications see it.

Each resource has a `state` (a `ResourceState`) and takes an `on_state_change(resource, old,
new)` listener, sync or async, as the Java client's `Resource.StateListener`: so that an
application can report health ("recovering for 40 s") without reading logs. A listener that
raises is logged and changes nothing.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Any

from rstream_core import callbacks

log = logging.getLogger("rstream.state")


class ResourceState(enum.Enum):
    OPENING = "opening"  # created, not attached yet
    OPEN = "open"
    RECOVERING = "recovering"  # a connection dropped: re-attaching (all or part of it)
    CLOSING = "closing"
    CLOSED = "closed"


# listener(resource, old state, new state); may be `async def`.
StateListener = Callable[[Any, ResourceState, ResourceState], Any]

_ORDER = {state: index for index, state in enumerate(ResourceState)}


class StateReporter:
    """A resource's state, and its listener told of every change."""

    def __init__(self, resource: object, listener: StateListener | None) -> None:
        self._resource = resource
        self._listener = listener
        self.state = ResourceState.OPENING

    def enter(self, new: ResourceState) -> None:
        """Move to `new`; closing and closed are final (nothing reopens a closed resource)."""
        old = self.state
        if new is old or (old in _FINAL and _ORDER[new] < _ORDER[old]):
            return
        self.state = new
        listener = self._listener
        if listener is not None:
            callbacks.fire(lambda _: listener(self._resource, old, new), None)

    def follow_parts(self, any_recovering: bool, part_opened: bool) -> None:
        """A resource made of parts (publishers, subscriptions) is recovering while any part
        is, and open again once a part opens or none recovers any more."""
        if any_recovering:
            self.enter(ResourceState.RECOVERING)
        elif part_opened or self.state is ResourceState.RECOVERING:
            self.enter(ResourceState.OPEN)


_FINAL = {ResourceState.CLOSING, ResourceState.CLOSED}
