"""Fuzzing the decoder: whatever the bytes, it returns or raises AmqpDecodeError, nothing else."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_amqp_vectors import CANONICAL, LIVE, MALFORMED, SECTIONS, WIDE_FORMS, h

from rstream_plugins.codec_amqp import (
    AmqpDecodeError,
    AMQPMessage,
    Header,
    Properties,
    Symbol,
    amqp_decoder,
    decode_amqp,
    decode_value,
)

# Valid messages to mutate: every section vector, the broker's message, and each value
# vector as an amqp-value body.
SEEDS = (
    [LIVE]
    + [h(encoding) for _, encoding in SECTIONS]
    + [h("00 53 77 " + encoding) for _, encoding in CANONICAL + [(None, e) for e, _ in WIDE_FORMS]]
    + [h(encoding) for encoding in MALFORMED if encoding]
    + [
        bytes(  # every section at once, holding a few of the values above
            AMQPMessage(
                [value for value, _ in CANONICAL[start : start + 6]],
                header=Header(True, 1, 2, False, 3),
                delivery_annotations={"x-d": CANONICAL[start][0]},
                message_annotations={
                    Symbol(f"x-{n}"): v for n, (v, _) in enumerate(CANONICAL[start : start + 3])
                },
                properties=Properties("id", subject="s", group_sequence=start),
                application_properties={"a": start, "b": "text"},
                footer={"x-f": [value for value, _ in CANONICAL[start : start + 2]]},
            )
        )
        for start in range(0, len(CANONICAL), 3)
    ]
)
INTERESTING_BYTES = [0x00, 0x01, 0x40, 0x45, 0x53, 0x75, 0x7F, 0x80, 0xA0, 0xC0, 0xE0, 0xF0, 0xFF]


@st.composite
def mutated(draw: st.DrawFn, seeds: st.SearchStrategy[bytes]) -> bytes:
    """A seed with a few bytes changed, inserted or removed, anywhere in it."""
    data = bytearray(draw(seeds))
    # Hypothesis favours small integers; a drawn Random spreads the edits over the message.
    random = draw(st.randoms(use_true_random=False))
    for _ in range(random.randint(1, 3)):
        position = random.randrange(len(data) + 1)
        byte = random.choice((random.randrange(256), random.choice(INTERESTING_BYTES)))
        action = random.choice(("set", "set", "insert", "delete", "truncate"))
        if action == "insert":
            data.insert(position, byte)
        elif position == len(data):
            continue
        elif action == "set":
            data[position] = byte
        elif action == "delete":
            del data[position]
        else:
            del data[position:]
    return bytes(data)


INPUTS = st.one_of(
    mutated(st.sampled_from(SEEDS)),
    st.binary(max_size=40),
    st.binary(max_size=40).map(lambda tail: b"\x00\x53\x77" + tail),
)


def _decode_everything(data: bytes) -> None:
    try:
        message = decode_amqp(data, lazy=False)
    except AmqpDecodeError:
        return
    repr(message)
    # Whatever we decode, we can encode; and our encoding is a fixed point.
    encoded = bytes(_rebuilt(message))
    assert bytes(_rebuilt(decode_amqp(encoded, lazy=False))) == encoded


def _rebuilt(message: AMQPMessage) -> AMQPMessage:
    """A copy that must be encoded again (a decoded message would give its bytes back)."""
    return AMQPMessage(
        message.body,
        header=message.header,
        delivery_annotations=message.delivery_annotations,
        message_annotations=message.message_annotations,
        properties=message.properties,
        application_properties=message.application_properties,
        footer=message.footer,
    )


def _decode_lazily(data: bytes) -> None:
    try:
        message = amqp_decoder(data)
        for name in ("header", "delivery_annotations", "message_annotations"):
            getattr(message, name)
        for name in ("properties", "application_properties", "footer", "body"):
            getattr(message, name)
    except AmqpDecodeError:
        pass


def _decode_value(data: bytes) -> Any:
    try:
        return decode_value(data)
    except AmqpDecodeError:
        return None


@given(INPUTS)
@settings(
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_only_amqp_decode_error_escapes(data: bytes) -> None:
    _decode_everything(data)
    _decode_lazily(data)
    _decode_value(data[3:])
