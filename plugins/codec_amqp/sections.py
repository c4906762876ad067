"""The two AMQP 1.0 message sections with named fields: Header and Properties.

Each field has a fixed AMQP type, so fields take plain Python values: an int `priority` is
written as a ubyte, a str `content_type` as a symbol, an int `message_id` as a ulong, a
`datetime` as a timestamp, and so on (see `section_encoder`). A typed wrapper (see `types`) in
a field is written as its own type instead.

Decoded fields hold what the decoder gives for the type on the wire: `priority` a UByte,
`ttl` a UInt, `content_type` a Symbol, a ulong `message_id` a ULong, timestamps a Timestamp
(milliseconds since the Unix epoch), and a long where another number was due a Long. Each
compares equal to the plain value: ``Properties(content_type="text/plain") ==
decoded.properties`` holds.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

__all__ = ["Header", "MessageId", "Properties"]

MessageId = int | str | bytes | uuid.UUID
"""message-id and correlation-id: an int is written as a ulong."""


@dataclass(slots=True)
class Header:
    """The header section: delivery details (not part of the bare message)."""

    durable: bool | None = None
    priority: int | None = None  # ubyte
    ttl: int | None = None  # uint, milliseconds
    first_acquirer: bool | None = None
    delivery_count: int | None = None  # uint


@dataclass(slots=True)
class Properties:
    """The properties section: the 13 standard properties of a message."""

    message_id: MessageId | None = None
    user_id: bytes | None = None
    to: str | None = None
    subject: str | None = None
    reply_to: str | None = None
    correlation_id: MessageId | None = None
    content_type: str | None = None  # symbol
    content_encoding: str | None = None  # symbol
    absolute_expiry_time: int | datetime.datetime | None = None  # timestamp (ms)
    creation_time: int | datetime.datetime | None = None  # timestamp (ms)
    group_id: str | None = None
    group_sequence: int | None = None  # uint
    reply_to_group_id: str | None = None


HEADER_FIELDS = ("durable", "priority", "ttl", "first_acquirer", "delivery_count")
PROPERTIES_FIELDS = (
    "message_id",
    "user_id",
    "to",
    "subject",
    "reply_to",
    "correlation_id",
    "content_type",
    "content_encoding",
    "absolute_expiry_time",
    "creation_time",
    "group_id",
    "group_sequence",
    "reply_to_group_id",
)
