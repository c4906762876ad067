"""Compression 2, "snappy": the Snappy *framing* format, as xerial's SnappyFramedOutputStream
writes it (stream identifier `ff 06 00 00 sNaPpY`, then chunks with masked CRC-32C).

Not the raw block format (docs/protocol.md 4.4). The `rstream[snappy]` extra installs
python-snappy, which since 0.7 is a thin layer over cramjam; cramjam is used directly because it
can decompress into a buffer of fixed size, which bounds the output.
"""

from __future__ import annotations

from types import ModuleType

from rstream_core.plugin_api import (
    MissingDependencyError,
    ProtocolError,
    Registry,
    check_decompressed_size,
    hookimpl,
)

STREAM_IDENTIFIER = b"\xff\x06\x00\x00sNaPpY"


class SnappyCompression:
    """Framed snappy through cramjam."""

    name = "snappy"
    code = 2

    def __init__(self, cramjam: ModuleType) -> None:
        self._snappy = cramjam.snappy
        self._error: type[Exception] = cramjam.DecompressionError

    def compress(self, data: bytes) -> bytes:
        if not data:  # cramjam writes nothing at all; Java always writes the stream header
            return STREAM_IDENTIFIER
        return bytes(self._snappy.compress(data))

    def decompress(self, data: bytes, uncompressed_size: int) -> bytes:
        if bytes(data[: len(STREAM_IDENTIFIER)]) != STREAM_IDENTIFIER:
            raise ProtocolError("snappy sub-entry does not start with the framing format header")
        # One spare byte: a batch that does not fit decompresses to more than it declares.
        out = bytearray(uncompressed_size + 1)
        try:
            written = self._snappy.decompress_into(data, out)
        except (self._error, OSError) as error:
            raise ProtocolError(f"snappy sub-entry is corrupt or too large: {error}") from error
        result = bytes(memoryview(out)[:written])
        return check_decompressed_size(result, uncompressed_size, self.name)


def _make() -> SnappyCompression:
    try:
        import cramjam
    except ImportError as error:
        raise MissingDependencyError("snappy compression", "python-snappy", "snappy") from error
    return SnappyCompression(cramjam)


@hookimpl
def rstream_register_compressions(registry: Registry) -> None:
    registry.add_compression(SnappyCompression.name, SnappyCompression.code, _make, "snappy")
