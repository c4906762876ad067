"""Compression 3, "lz4": the LZ4 *frame* format (magic `04 22 4D 18`), 64 KiB independent blocks,
no content checksum, the content size in the header: what the Java client's lz4-java codec
writes (docs/protocol.md 4.4). Not the raw block format. Needs the `rstream[lz4]` extra.
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


class Lz4Compression:
    """LZ4 frames through the `lz4` package."""

    name = "lz4"
    code = 3

    def __init__(self, lz4_frame: ModuleType) -> None:
        self._frame: Any = lz4_frame

    def compress(self, data: bytes) -> bytes:
        return bytes(
            self._frame.compress(
                data,
                block_size=self._frame.BLOCKSIZE_MAX64KB,
                block_linked=False,
                content_checksum=False,
            )
        )

    def decompress(self, data: bytes, uncompressed_size: int) -> bytes:
        decompressor = self._frame.LZ4FrameDecompressor()
        try:
            # One byte over the declared size is enough to detect a lie, and bounds the work.
            out = bytes(decompressor.decompress(data, max_length=uncompressed_size + 1))
        except RuntimeError as error:  # what the lz4 package raises for a bad frame
            raise ProtocolError(f"lz4 sub-entry is corrupt: {error}") from error
        check_decompressed_size(out, uncompressed_size, self.name)
        if not decompressor.eof or decompressor.unused_data:
            raise ProtocolError("lz4 sub-entry is not exactly one complete LZ4 frame")
        return out


def _make() -> Lz4Compression:
    try:
        import lz4.frame
    except ImportError as error:
        raise MissingDependencyError("lz4 compression", "lz4", "lz4") from error
    return Lz4Compression(lz4.frame)


@hookimpl
def rstream_register_compressions(registry: Registry) -> None:
    registry.add_compression(Lz4Compression.name, Lz4Compression.code, _make, "lz4")
