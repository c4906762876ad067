"""--offset, as `rstream consume` and `rstream perf` take it."""

from __future__ import annotations

import datetime

from rstream_core.protocol.constants import OffsetType
from rstream_core.types import ConsumerOffsetSpecification


class InputError(ValueError):
    """An option value or a line of input the command cannot use (exit code 2)."""


def offset_specification(text: str) -> ConsumerOffsetSpecification:
    """--offset as a specification; InputError when it is none of the forms."""
    try:
        return _offset_specification(text)
    except ValueError:
        raise InputError(f"--offset {text!r}: first, last, next, an offset, @milliseconds "
                         "or an ISO 8601 time") from None


def _offset_specification(text: str) -> ConsumerOffsetSpecification:
    named = {"first": OffsetType.FIRST, "last": OffsetType.LAST, "next": OffsetType.NEXT}
    if text in named:
        return ConsumerOffsetSpecification(named[text])
    if text.startswith("@"):
        return ConsumerOffsetSpecification(OffsetType.TIMESTAMP, int(text[1:]))
    if text.isdigit():
        return ConsumerOffsetSpecification(OffsetType.OFFSET, int(text))
    moment = datetime.datetime.fromisoformat(text)  # ValueError when it is not a time either
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return ConsumerOffsetSpecification(OffsetType.TIMESTAMP, int(moment.timestamp() * 1000))
