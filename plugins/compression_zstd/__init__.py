"""Compression 4, "zstd": standard Zstandard frames (magic `28 b5 2f fd`).

The Java client writes with a streaming compressor, so its frames carry no content size and a
plain `ZstdDecompressor().decompress()` would refuse them (docs/protocol.md 4.4): decompression
reads from a stream reader instead, never more than one byte past the declared size. Needs the
`rstream[zstd]` extra.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from rstream_core.plugin_api import (
    MissingDependencyError,
    ProtocolError,
    Registry,
    check_decompressed_size,
    hookimpl,
)


class ZstdCompression:
    """zstd at level 3 (the default of zstd and of zstd-jni) through `zstandard`.

    The compression contexts are reused, so an instance must not be shared between threads.
    """

    name = "zstd"
    code = 4

    def __init__(self, zstandard: ModuleType, level: int = 3) -> None:
        self._error: type[Exception] = zstandard.ZstdError
        self._compressor: Any = zstandard.ZstdCompressor(level=level)
        self._decompressor: Any = zstandard.ZstdDecompressor()

    def compress(self, data: bytes) -> bytes:
        return bytes(self._compressor.compress(data))

    def decompress(self, data: bytes, uncompressed_size: int) -> bytes:
        reader = self._decompressor.stream_reader(data, read_across_frames=True)
        limit = uncompressed_size + 1  # one byte over the declared size is enough to detect a lie
        out = bytearray()
        try:
            while len(out) < limit:
                block = reader.read(limit - len(out))
                if not block:
                    break
                out += block
        except self._error as error:
            raise ProtocolError(f"zstd sub-entry is corrupt: {error}") from error
        return check_decompressed_size(bytes(out), uncompressed_size, self.name)


def _make() -> ZstdCompression:
    try:
        import zstandard
    except ImportError as error:
        raise MissingDependencyError("zstd compression", "zstandard", "zstd") from error
    return ZstdCompression(zstandard)


@hookimpl
def rstream_register_compressions(registry: Registry) -> None:
    registry.add_compression(ZstdCompression.name, ZstdCompression.code, _make, "zstd")
