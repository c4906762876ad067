"""Hypothesis properties of the codec: round trips, and malformed input -> ProtocolError only."""

from __future__ import annotations

from typing import Any

import pytest
from frame_strategies import FRAME_STRATEGIES, any_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rstream_core.errors import ProtocolError
from rstream_core.protocol import frames as f
from rstream_core.protocol.codec import decode_frame, encode_frame, supported_commands

ALL_FRAME_CLASSES = f.REQUEST_FRAMES + f.RESPONSE_FRAMES + f.ONE_WAY_FRAMES

# Frames whose last field may be left out (an empty map, no challenge) or is "the rest of the
# frame" (a chunk): some truncations of them are valid frames too.
OPTIONAL_TAIL = {f.Subscribe, f.ResolveOffsetSpec, f.OpenResponse, f.SaslAuthenticateResponse}

FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_there_is_a_strategy_for_every_frame_class() -> None:
    assert set(FRAME_STRATEGIES) == set(ALL_FRAME_CLASSES)


@pytest.mark.parametrize("cls", ALL_FRAME_CLASSES, ids=lambda cls: cls.__name__)
@FEW
@given(data=st.data())
def test_round_trip(cls: type[Any], data: st.DataObject) -> None:
    frame = data.draw(FRAME_STRATEGIES[cls])
    encoded = encode_frame(frame)
    assert int.from_bytes(encoded[:4], "big") == len(encoded) - 4
    assert decode_frame(encoded[4:]) == frame
    assert decode_frame(memoryview(encoded)[4:]) == frame


def _decodes_or_protocol_error(body: bytes) -> f.Frame | None:
    try:
        return decode_frame(body)
    except ProtocolError:
        return None


@settings(max_examples=150, deadline=None)
@given(frame=any_frame)
def test_every_truncation_is_refused(frame: f.Frame) -> None:
    body = encode_frame(frame)[4:]
    for end in range(len(body)):
        decoded = _decodes_or_protocol_error(body[:end])
        if decoded is None:
            continue
        # Only a frame with an optional or open-ended tail may survive a cut, as itself.
        assert type(decoded) in OPTIONAL_TAIL | {f.Deliver}, (frame, end)
        assert type(decoded) is type(frame)


@settings(max_examples=100, deadline=None)
@given(frame=any_frame, extra=st.binary(min_size=1, max_size=8))
def test_trailing_bytes_are_refused(frame: f.Frame, extra: bytes) -> None:
    body = encode_frame(frame)[4:] + extra
    if isinstance(frame, f.Deliver):  # the chunk is the rest of the frame
        decoded = decode_frame(body)
        assert isinstance(decoded, f.Deliver) and decoded.chunk == frame.chunk + extra
        return
    with pytest.raises(ProtocolError):
        decode_frame(body)


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=64))
def test_random_bytes_raise_only_protocol_error(body: bytes) -> None:
    _decodes_or_protocol_error(body)


@settings(max_examples=400, deadline=None)
@given(command=st.sampled_from(supported_commands()), payload=st.binary(max_size=48))
def test_random_payloads_of_known_commands_raise_only_protocol_error(
    command: tuple[int, int], payload: bytes
) -> None:
    key, version = command
    body = key.to_bytes(2, "big") + version.to_bytes(2, "big") + payload
    decoded = _decodes_or_protocol_error(body)
    if decoded is not None:  # whatever decodes is a valid frame that encodes again
        assert decode_frame(encode_frame(decoded)[4:]) == decoded


@settings(max_examples=100, deadline=None)
@given(frame=any_frame, data=st.data())
def test_flipped_bytes_raise_only_protocol_error(frame: f.Frame, data: st.DataObject) -> None:
    body = bytearray(encode_frame(frame)[4:])
    position = data.draw(st.integers(0, len(body) - 1))
    body[position] ^= data.draw(st.integers(1, 255))
    _decodes_or_protocol_error(bytes(body))
