"""Compression 1, "gzip": one gzip member (RFC 1952), as java.util.zip.GZIPOutputStream writes.

Not raw deflate and not zlib (docs/protocol.md 4.4). Only the standard library is needed.
"""

from __future__ import annotations

import zlib

from rstream_core.plugin_api import ProtocolError, Registry, check_decompressed_size, hookimpl

_GZIP_WBITS = 31  # 16 + 15: a gzip header and trailer around a 32 KiB-window deflate stream


class GzipCompression:
    """gzip at level 6 (Java's default level); the header's mtime is 0, as Java writes it."""

    name = "gzip"
    code = 1

    def __init__(self, level: int = 6) -> None:
        self.level = level

    def compress(self, data: bytes) -> bytes:
        return zlib.compress(data, self.level, wbits=_GZIP_WBITS)

    def decompress(self, data: bytes, uncompressed_size: int) -> bytes:
        inflater = zlib.decompressobj(wbits=_GZIP_WBITS)
        try:
            # One byte over the declared size is enough to detect a lie, and bounds the work.
            out = inflater.decompress(data, uncompressed_size + 1)
        except zlib.error as error:
            raise ProtocolError(f"gzip sub-entry is corrupt: {error}") from error
        check_decompressed_size(out, uncompressed_size, self.name)
        if not inflater.eof or inflater.unused_data:
            raise ProtocolError("gzip sub-entry is not exactly one complete gzip member")
        return out


@hookimpl
def rstream_register_compressions(registry: Registry) -> None:
    registry.add_compression(GzipCompression.name, GzipCompression.code, GzipCompression)
