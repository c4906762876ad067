"""zstd sub-entry compression for rstream 1.1.1, which ships only none and gzip: written here
against its ICompressionCodec interface, as its users must, so that both clients can be
measured on the same zstd scenario. The framing is the one the Java client and ours use (one
zstd frame of the {size:u32, message} records)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import zstandard

from rstream.compression import CompressionType, ICompressionCodec, StreamCompressionCodecs


class ZstdCodec(ICompressionCodec):
    def __init__(self) -> None:
        self._data = b""
        self._uncompressed = 0
        self._count = 0

    def compress(self, messages: Sequence[Any]) -> None:
        parts = []
        for message in messages:
            encoded = message if isinstance(message, bytes) else bytes(message)
            parts += [len(encoded).to_bytes(4, "big"), encoded]
        payload = b"".join(parts)
        self._data = zstandard.ZstdCompressor().compress(payload)
        self._uncompressed = len(payload)
        self._count = len(messages)

    def uncompress(self, compressed_data: bytes, uncompressed_data_size: int) -> bytes:
        return zstandard.ZstdDecompressor().decompress(
            compressed_data, max_output_size=uncompressed_data_size)

    def compressed_size(self) -> int:
        return len(self._data)

    def uncompressed_size(self) -> int:
        return self._uncompressed

    def messages_count(self) -> int:
        return self._count

    def compression_type(self) -> int:
        return CompressionType.Zstd.value

    def data(self) -> bytes:
        return self._data


def register() -> None:
    StreamCompressionCodecs.register_codec(CompressionType.Zstd, ZstdCodec())
