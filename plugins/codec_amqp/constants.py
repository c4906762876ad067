"""AMQP 1.0 section descriptors and limits shared by the encoder and the decoder."""

from __future__ import annotations

from typing import Final

# Section descriptor codes (messaging spec 3.2), in the order sections appear.
HEADER: Final = 0x70
DELIVERY_ANNOTATIONS: Final = 0x71
MESSAGE_ANNOTATIONS: Final = 0x72
PROPERTIES: Final = 0x73
APPLICATION_PROPERTIES: Final = 0x74
DATA: Final = 0x75
AMQP_SEQUENCE: Final = 0x76
AMQP_VALUE: Final = 0x77
FOOTER: Final = 0x78

# Decoders must also accept the symbolic form of a descriptor.
SYMBOLIC_SECTIONS: Final = {
    "amqp:header:list": HEADER,
    "amqp:delivery-annotations:map": DELIVERY_ANNOTATIONS,
    "amqp:message-annotations:map": MESSAGE_ANNOTATIONS,
    "amqp:properties:list": PROPERTIES,
    "amqp:application-properties:map": APPLICATION_PROPERTIES,
    "amqp:data:binary": DATA,
    "amqp:amqp-sequence:list": AMQP_SEQUENCE,
    "amqp:amqp-value:*": AMQP_VALUE,
    "amqp:footer:map": FOOTER,
}

# Where each non-body section is kept in an AMQPMessage (index 6 holds the source bytes).
SECTION_SLOTS: Final = {
    HEADER: 0,
    DELIVERY_ANNOTATIONS: 1,
    MESSAGE_ANNOTATIONS: 2,
    PROPERTIES: 3,
    APPLICATION_PROPERTIES: 4,
    FOOTER: 5,
}
SOURCE_SLOT: Final = 6

# Deeper nesting than this is refused: no real message needs it, and it bounds the
# recursion of the decoder (a "nesting bomb" would otherwise hit Python's recursion limit).
MAX_DEPTH: Final = 64

# Zero-width array items (null, true, false, uint0, ulong0, list0) cost no input byte. A decoded
# value may hold as many of them as its input has bytes, and at least this many: a short array
# of nulls decodes, "4 billion nulls" in 13 bytes does not (a few tens of kB at most).
MIN_ZERO_WIDTH_BUDGET: Final = 4096
