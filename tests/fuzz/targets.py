"""What the fuzzers feed: the four places where bytes from the network are parsed.

Each target takes arbitrary bytes and may only return or raise ProtocolError (the typed error
of bad input; AmqpDecodeError is one). Anything else escaping, a hang or unbounded memory is a
bug. The same targets run under atheris (`make fuzz`, tests/fuzz/run.py) and, on the kept
corpus, in every pytest run (tests/unit/test_fuzz_corpus.py).
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Callable

from rstream_core.errors import ProtocolError
from rstream_core.plugins import get_registry
from rstream_core.protocol.chunk import DecompressionLimits, iter_records
from rstream_core.protocol.codec import decode_frame
from rstream_core.protocol.reader import FrameReader
from rstream_plugins.codec_amqp import decode_amqp

# Small enough that a fuzzer's input cannot make the client allocate much, as a broker could
# not with the defaults (64 MiB per batch, 256 MiB per chunk).
LIMITS = DecompressionLimits(per_batch=1 << 20, per_chunk=4 << 20)
_CODES = {name: get_registry().compression(name).code for name in ("gzip", "snappy", "lz4", "zstd")}


def frames(data: bytes) -> None:
    """The frame reader after Open (a 1 MiB cap) and every frame decoded; fed in two pieces so
    that frames straddling reads are exercised too."""
    reader = FrameReader(max_frame_size=1 << 20)
    cut = data[0] % (len(data) + 1) if data else 0
    for piece in (data[:cut], data[cut:]):
        reader.feed(piece)
        for body in reader:
            decode_frame(body)


def _decompress(code: int, data: bytes, size: int) -> bytes:
    registry = get_registry()
    for name, known in _CODES.items():
        if known == code:
            return registry.compression(name).decompress(data, size)
    raise ProtocolError(f"unknown compression {code}")


def chunk(data: bytes) -> None:
    """A chunk as a Deliver frame carries it, with every compression installed, CRC checked."""
    iter_records(data, _decompress, verify_crc=False, limits=LIMITS)


def decompress(data: bytes) -> None:
    """One compressed sub-entry body: the first byte picks the compression, the next four the
    announced uncompressed size (capped as the chunk parser caps it), the rest is the body."""
    if len(data) < 5:
        return
    name = list(_CODES)[data[0] % len(_CODES)]
    size = min(struct.unpack_from(">I", data, 1)[0], LIMITS.per_batch)
    out = get_registry().compression(name).decompress(data[5:], size)
    assert len(out) == size, f"{name} returned {len(out)} bytes, {size} announced"


def amqp(data: bytes) -> None:
    """An AMQP 1.0 message, every section read (decoding is lazy)."""
    message = decode_amqp(data, lazy=False)
    repr(message)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "frames": frames,
    "chunk": chunk,
    "decompress": decompress,
    "amqp": amqp,
}


def check(target: Callable[[bytes], None], data: bytes) -> None:
    """Run `target`; a ProtocolError is the expected answer to bad input."""
    with contextlib.suppress(ProtocolError):
        target(data)
