"""Compression 0, "none": the sub-entry body is the plain `{size:u32, message}*` sequence."""

from __future__ import annotations

from rstream_core.plugin_api import Registry, check_decompressed_size, hookimpl


class NoCompression:
    """Leaves the batch as it is; decompression only checks the declared size."""

    name = "none"
    code = 0

    def compress(self, data: bytes) -> bytes:
        return bytes(data)

    def decompress(self, data: bytes, uncompressed_size: int) -> bytes:
        return check_decompressed_size(bytes(data), uncompressed_size, self.name)


@hookimpl
def rstream_register_compressions(registry: Registry) -> None:
    registry.add_compression(NoCompression.name, NoCompression.code, NoCompression)
