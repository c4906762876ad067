"""What rstream 1.x code needs and this design would not have on its own, in one place.

- Settings that no longer mean anything, accepted with a DeprecationWarning saying why
  (`warn_ignored`).
- rstream 1.x's other names for some types (`OffsetSpecification`, `DisconnectionErrorInfo`).
- Finding a subscription by its name (`Consumer.unsubscribe(name)`, `Consumer.get_stream`).
- rstream 1.x's recovery strategy classes (re-exported as `rstream.recovery`), which
  recovery here, built in, does not use.

Everything else of rstream 1.x's API has the same name and meaning here.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Protocol, TypeVar

from rstream_core.errors import UnknownSubscriberError
from rstream_core.types import ConsumerOffsetSpecification, OnClosedErrorInfo

__all__ = [
    "BackOffRecoveryStrategy",
    "DisconnectionErrorInfo",
    "OffsetSpecification",
    "RecoveryStrategy",
    "subscription_named",
    "warn_ignored",
]

OffsetSpecification = ConsumerOffsetSpecification
DisconnectionErrorInfo = OnClosedErrorInfo

_IGNORED = {
    "default_batch_publishing_delay": "batches leave as soon as the event loop is free",
    "default_context_switch_value": "batches leave as soon as the event loop is free",
    "recovery_strategy": "recovery is built in (recovery=True/False on Producer/Consumer)",
}


def warn_ignored(**settings: object) -> None:
    """rstream 1.x settings with no meaning here: accepted, with a warning saying why."""
    for name, value in settings.items():
        if value is not None:
            warnings.warn(
                f"{name} is ignored: {_IGNORED[name]}", DeprecationWarning, stacklevel=4
            )


class _Named(Protocol):
    reference: str
    stream: str


S = TypeVar("S", bound=_Named)


def subscription_named(subscriptions: Iterable[S], reference: str) -> S:
    """The subscription a 1.x name (its reference) designates; one name on two streams is
    ambiguous, and then MessageContext.stream is what to use."""
    found = [s for s in subscriptions if s.reference == reference]
    if not found:
        raise UnknownSubscriberError(f"no subscriber named {reference!r}")
    if len({s.stream for s in found}) > 1:
        streams = sorted({s.stream for s in found})
        raise UnknownSubscriberError(
            f"{reference!r} names subscriptions on {streams}: use MessageContext.stream"
        )
    return found[0]


class RecoveryStrategy:
    """What rstream 1.x's strategies were; kept so that 1.x code imports and runs."""

    def __init__(self, enable: bool = True, max_retries: int = 10) -> None:
        self.enabled = enable
        self.max_retries = max_retries


class BackOffRecoveryStrategy(RecoveryStrategy):
    """rstream 1.x's back-off strategy: recovery here always backs off (retry.py), so its
    settings are kept only to be read back."""

    def __init__(self, enable: bool = True, jitter: int = 8) -> None:
        super().__init__(enable)
        self.jitter = jitter
