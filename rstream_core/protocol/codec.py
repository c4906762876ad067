"""Frame encoding and decoding: `encode_frame(frame) -> bytes`, `decode_frame(body) -> Frame`.

The codecs of each command live in `_requests`, `_responses` and `_one_way`, which register
them in the tables of `_registry` when imported. Decoding is strict, like the server's: an
unknown key or version, a missing byte or a trailing byte is a ProtocolError naming the
command, and no other exception escapes.
"""

from __future__ import annotations

import struct

from rstream_core.errors import ProtocolError
from rstream_core.protocol import _one_way, _requests, _responses
from rstream_core.protocol._registry import DECODERS, ENCODERS, HEADER, command_name
from rstream_core.protocol.frames import Frame
from rstream_core.protocol.wire import U32, WireReader

# Imported for their side effect: each registers its codecs in ENCODERS and DECODERS.
_CODEC_MODULES = (_requests, _responses, _one_way)


def encode_frame(frame: Frame) -> bytes:
    """The whole frame, 4-byte size prefix included.

    Raises TypeError for an object that is not a frame, and ValueError for a frame that
    cannot be encoded (values the constructor does not check, such as a huge list).
    """
    encoder = ENCODERS.get(type(frame))
    if encoder is None:
        raise TypeError(f"not a protocol frame: {frame!r}")
    try:
        body = encoder(frame)
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
