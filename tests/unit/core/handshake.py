"""What a broker answers to the handshake and to Close, for the local fake servers of the
broker-free tests (they decode the client's frames and reply with these)."""

from __future__ import annotations

from rstream_core.protocol import frames as f
from rstream_core.protocol.constants import Key


def broker_answers(frame: f.Frame) -> list[f.Frame]:
    """A broker's answers to the handshake and to Close."""
    if isinstance(frame, f.PeerProperties):
        version = {"version": "4.3.6"}  # 3.11+: the handshake ends with ExchangeCommandVersions
        return [f.PeerPropertiesResponse(correlation_id=frame.correlation_id, code=1,
                                         properties=version)]
    if isinstance(frame, f.SaslHandshake):
        return [f.SaslHandshakeResponse(correlation_id=frame.correlation_id, code=1,
                                        mechanisms=("PLAIN",))]
    if isinstance(frame, f.SaslAuthenticate):
        return [f.SaslAuthenticateResponse(correlation_id=frame.correlation_id, code=1),
                f.Tune(frame_max=1048576, heartbeat=0)]
    if isinstance(frame, f.Open):
        return [f.OpenResponse(correlation_id=frame.correlation_id, code=1)]
    if isinstance(frame, f.ExchangeCommandVersions):
        return [f.ExchangeCommandVersionsResponse(correlation_id=frame.correlation_id, code=1,
                                                  commands=())]
    if isinstance(frame, f.Close):
        return [f.Response(key=Key.CLOSE, correlation_id=frame.correlation_id, code=1)]
    return []
