"""`encode_request(frame, correlation_id)`: a request's bytes with the id its sender allocated."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from frame_strategies import FRAME_STRATEGIES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wire_hex import wire

from rstream_core.protocol import frames as f
from rstream_core.protocol.codec import encode_frame, encode_request
from rstream_core.protocol.constants import Key

FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("cls", f.REQUEST_FRAMES, ids=lambda cls: cls.__name__)
@FEW
@given(data=st.data(), correlation_id=st.integers(0, 0xFFFFFFFF))
def test_the_same_bytes_as_the_frame_holding_that_id(
    cls: type[Any], data: st.DataObject, correlation_id: int
) -> None:
    frame = data.draw(FRAME_STRATEGIES[cls])
    expected = encode_frame(dataclasses.replace(frame, correlation_id=correlation_id))
    assert encode_request(frame, correlation_id) == expected


def test_a_request_built_without_an_id_holds_0() -> None:
    frame = f.Open(virtual_host="/")
    assert frame.correlation_id == 0
    assert encode_frame(frame) == wire('0000000b 0015 0001 00000000 0001"/"')
    assert encode_request(frame, 0x1234) == wire('0000000b 0015 0001 00001234 0001"/"')


@pytest.mark.parametrize(
    "frame",
    [f.Heartbeat(), f.Response(key=Key.CLOSE, correlation_id=1, code=1), object()],
    ids=["one-way", "response", "not-a-frame"],
)
def test_only_requests_are_accepted(frame: Any) -> None:
    with pytest.raises(TypeError, match="not a request frame"):
        encode_request(frame, 1)


@pytest.mark.parametrize("correlation_id", [-1, 1 << 32])
def test_an_id_outside_u32_is_refused(correlation_id: int) -> None:
    with pytest.raises(ValueError, match="cannot encode SaslHandshake"):
        encode_request(f.SaslHandshake(), correlation_id)
