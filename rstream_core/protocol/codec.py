"""Frame encoding and decoding: `encode_frame(frame) -> bytes`, `decode_frame(body) -> Frame`.

Each frame class and its codecs live together in `_requests`, `_responses` or `_one_way`,
which register the codecs in the tables of `_registry` when imported. `encode_request(frame,
correlation_id)` writes a request with the correlation id its sender allocated, whatever the
frame holds. Decoding is strict, like the server's: an unknown key or version, a missing byte
or a trailing byte is a ProtocolError naming the command, and no other exception escapes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from rstream_core.errors import ProtocolError
from rstream_core.protocol import _one_way, _requests, _responses
from rstream_core.protocol._registry import (
    DECODERS,
    ENCODERS,
    HEADER,
    REQUEST_ENCODERS,
    command_name,
    request_header,
)
from rstream_core.protocol.frames import Frame, RequestFrame
from rstream_core.protocol.wire import U32, WireReader

# Imported for their side effect: each registers its codecs in the tables (importing frames
# does too; named here so that the tables do not depend on that).
_CODEC_MODULES = (_requests, _responses, _one_way)


def encode_frame(frame: Frame) -> bytes:
    """The whole frame, 4-byte size prefix included.

    Raises TypeError for an object that is not a frame, and ValueError for a frame that
    cannot be encoded (values the constructor does not check, such as a huge list).
    """
    encoder = ENCODERS.get(type(frame))
    if encoder is None:
        raise TypeError(f"not a protocol frame: {frame!r}")
    return _sized(frame, lambda: encoder(frame))


def encode_request(frame: RequestFrame, correlation_id: int) -> bytes:
    """Like `encode_frame`, with `correlation_id` in the header instead of the frame's own.

    So a connection numbers its requests without copying each frame to set the id.
    """
    entry = REQUEST_ENCODERS.get(type(frame))
    if entry is None:
        raise TypeError(f"not a request frame: {frame!r}")
    key, fields = entry
    return _sized(frame, lambda: request_header(key, correlation_id) + fields(frame))


def _sized(frame: Frame, encode: Callable[[], bytes]) -> bytes:
    """The body `encode` gives, after its size; its packing errors become ValueError."""
    try:
        body = encode()
    except (struct.error, OverflowError, UnicodeEncodeError) as exc:
        raise ValueError(f"cannot encode {type(frame).__name__}: {exc}") from exc
    return U32.pack(len(body)) + body


def decode_frame(body: bytes | memoryview) -> Frame:
    """Decode one frame body: the bytes after the size prefix. Raises only ProtocolError."""
    if len(body) < HEADER.size:
        raise ProtocolError(f"a frame of {len(body)} bytes has no room for key and version")
    key, version = HEADER.unpack_from(body)
    entry = DECODERS.get((key, version))
    if entry is None:
        raise ProtocolError(f"unsupported {command_name(key)} (key 0x{key:04x}) version {version}")
    name, decoder = entry
    reader = WireReader(body, HEADER.size)
    try:
        frame = decoder(reader)
        reader.expect_end()
    except ProtocolError as exc:
        raise ProtocolError(f"malformed {name} frame: {exc}") from exc
    except (ValueError, TypeError, struct.error, IndexError, OverflowError) as exc:
        # A frame constructor refused a decoded value (e.g. a credit above 32767).
        raise ProtocolError(f"malformed {name} frame: {exc}") from exc
    return frame


def supported_commands() -> list[tuple[int, int]]:
    """Every (wire key, version) pair that decode_frame understands, sorted."""
    return sorted(DECODERS)
