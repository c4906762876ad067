"""The compression plugins: round trips, wire framing as the Java client writes it, bounds."""

from __future__ import annotations

import io
import os
import struct
import sys
import tracemalloc
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rstream_core.errors import MissingDependencyError, ProtocolError
from rstream_core.plugin_api import CompressionCodec
from rstream_core.plugins import build_registry, get_registry

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
CODES = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
MAGIC = {
    "gzip": "1f8b",
    "snappy": "ff060000734e61507059",
    "lz4": "04224d18",
    "zstd": "28b52ffd",
}
# A sub-entry body: `{size:u32, message}` for a few compressible messages.
MESSAGES = [b"hello", b"", b"rabbitmq stream " * 50, bytes(range(256))]
PAYLOAD = b"".join(struct.pack(">I", len(m)) + m for m in MESSAGES)


def codec(name: str) -> CompressionCodec:
    try:
        return get_registry().compression(name)
    except MissingDependencyError as error:  # the property holds for installed codecs only
        if os.environ.get("CI"):
            raise  # CI installs every extra: a missing codec there is a failure
        pytest.skip(str(error))


def framed(messages: list[bytes]) -> bytes:
    return b"".join(struct.pack(">I", len(m)) + m for m in messages)


# ----------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", CODECS)
def test_name_and_wire_code(name: str) -> None:
    assert (codec(name).name, codec(name).code) == (name, CODES[name])


@pytest.mark.parametrize("name", CODECS)
@settings(max_examples=40, deadline=None)
@given(messages=st.lists(st.binary(max_size=300) | st.just(b"x" * 5000), max_size=20))
def test_round_trip(name: str, messages: list[bytes]) -> None:
    compression = codec(name)
    data = framed(messages)
    assert compression.decompress(compression.compress(data), len(data)) == data


@pytest.mark.parametrize("name", CODECS)
def test_round_trip_of_a_batch_larger_than_one_block(name: str) -> None:
    compression = codec(name)
    data = framed([bytes([i % 251]) * 70_000 + bytes(range(256)) for i in range(5)])
    assert compression.decompress(compression.compress(data), len(data)) == data


@pytest.mark.parametrize("name", CODECS)
def test_decompress_accepts_a_memoryview(name: str) -> None:
    compression = codec(name)
    compressed = memoryview(compression.compress(PAYLOAD))
    assert compression.decompress(compressed, len(PAYLOAD)) == PAYLOAD  # type: ignore[arg-type]


# -------------------------------------------------------------- wire framing


@pytest.mark.parametrize("name", sorted(MAGIC))
def test_output_starts_with_the_format_magic(name: str) -> None:
    compressed = codec(name).compress(PAYLOAD)
    assert compressed.hex().startswith(MAGIC[name])
    assert len(compressed) < len(PAYLOAD)


def test_none_is_the_payload_itself() -> None:
    assert codec("none").compress(PAYLOAD) == PAYLOAD
    assert codec("none").decompress(PAYLOAD, len(PAYLOAD)) == PAYLOAD


def test_gzip_header_is_a_plain_member_with_zero_mtime() -> None:
    # ID1 ID2, CM=8 (deflate), FLG=0 (no name, no extra), MTIME=0: deterministic output.
    assert codec("gzip").compress(PAYLOAD)[:8].hex() == "1f8b080000000000"


def test_lz4_frame_header_matches_lz4_java() -> None:
    header = codec("lz4").compress(PAYLOAD)[:14]
    # FLG 0x68: version 01, independent blocks, content size, no content checksum.
    # BD 0x40: 64 KiB blocks. Then the content size (u64 LE), as lz4-java writes it.
    assert header[:6].hex() == "04224d186840"
    assert struct.unpack("<Q", header[6:14]) == (len(PAYLOAD),)


def java_gzip(data: bytes) -> bytes:
    """A gzip member laid out as java.util.zip.GZIPOutputStream writes it (OS byte 0xff)."""
    deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = deflater.compress(data) + deflater.flush()
    header = bytes.fromhex("1f8b08000000000000ff")
    return header + body + struct.pack("<II", zlib.crc32(data), len(data))


def test_gzip_reads_a_java_style_member() -> None:
    assert codec("gzip").decompress(java_gzip(PAYLOAD), len(PAYLOAD)) == PAYLOAD


def test_gzip_refuses_raw_deflate_and_zlib() -> None:
    with pytest.raises(ProtocolError):
        codec("gzip").decompress(zlib.compress(PAYLOAD), len(PAYLOAD))
    with pytest.raises(ProtocolError):
        codec("gzip").decompress(java_gzip(PAYLOAD)[10:-8], len(PAYLOAD))


def test_gzip_refuses_trailing_bytes() -> None:
    with pytest.raises(ProtocolError, match="exactly one"):
        codec("gzip").decompress(java_gzip(PAYLOAD) + b"\0", len(PAYLOAD))


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def snappy_uncompressed_chunk(data: bytes) -> bytes:
    """Chunk type 0x01 (stored), which xerial writes when compression does not pay."""
    crc = crc32c(data)
    masked = (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF
    return b"\x01" + (len(data) + 4).to_bytes(3, "little") + struct.pack("<I", masked) + data


def test_crc32c_check_value() -> None:
    assert crc32c(b"123456789") == 0xE3069283


def test_snappy_reads_stored_chunks_as_xerial_writes_them() -> None:
    stream = bytes.fromhex(MAGIC["snappy"]) + snappy_uncompressed_chunk(PAYLOAD[:100])
    stream += snappy_uncompressed_chunk(PAYLOAD[100:])
    assert codec("snappy").decompress(stream, len(PAYLOAD)) == PAYLOAD


def test_snappy_checks_the_chunk_crc() -> None:
    chunk = bytearray(snappy_uncompressed_chunk(PAYLOAD))
    chunk[5] ^= 1
    with pytest.raises(ProtocolError):
        codec("snappy").decompress(bytes.fromhex(MAGIC["snappy"]) + chunk, len(PAYLOAD))


def test_snappy_refuses_the_raw_block_format() -> None:
    cramjam = pytest.importorskip("cramjam")
    raw = bytes(cramjam.snappy.compress_raw(PAYLOAD))
    with pytest.raises(ProtocolError, match="framing format"):
        codec("snappy").decompress(raw, len(PAYLOAD))


def test_zstd_reads_a_streamed_frame_without_content_size() -> None:
    zstandard = pytest.importorskip("zstandard")
    sink = io.BytesIO()
    with zstandard.ZstdCompressor(write_content_size=False).stream_writer(
        sink, closefd=False
    ) as writer:
        for message in MESSAGES:  # written piece by piece, as zstd-jni's ZstdOutputStream does
            writer.write(struct.pack(">I", len(message)) + message)
    frame = sink.getvalue()
    assert zstandard.get_frame_parameters(frame).content_size == zstandard.CONTENTSIZE_UNKNOWN
    assert codec("zstd").decompress(frame, len(PAYLOAD)) == PAYLOAD


def test_lz4_reads_frames_as_both_java_codecs_write_them() -> None:
    lz4_frame = pytest.importorskip("lz4.frame")
    for content_checksum, store_size in [(False, True), (True, False)]:
        frame = lz4_frame.compress(
            PAYLOAD,
            block_size=lz4_frame.BLOCKSIZE_MAX64KB,
            block_linked=False,
            content_checksum=content_checksum,
            store_size=store_size,
        )
        assert codec("lz4").decompress(frame, len(PAYLOAD)) == PAYLOAD


def test_lz4_refuses_the_raw_block_format() -> None:
    lz4_block = pytest.importorskip("lz4.block")
    with pytest.raises(ProtocolError):
        codec("lz4").decompress(lz4_block.compress(PAYLOAD), len(PAYLOAD))


def test_lz4_refuses_trailing_bytes() -> None:
    frame = codec("lz4").compress(PAYLOAD)
    with pytest.raises(ProtocolError, match="exactly one"):
        codec("lz4").decompress(frame + b"junk", len(PAYLOAD))


# ---------------------------------------------------------------------- bounds


@pytest.mark.parametrize("name", CODECS)
def test_declared_size_smaller_than_the_output_is_refused(name: str) -> None:
    compression = codec(name)
    compressed = compression.compress(PAYLOAD)
    with pytest.raises(ProtocolError, match="more than"):
        compression.decompress(compressed, len(PAYLOAD) - 1)
    with pytest.raises(ProtocolError):
        compression.decompress(compressed, 0)


@pytest.mark.parametrize("name", CODECS)
def test_declared_size_larger_than_the_output_is_refused(name: str) -> None:
    compression = codec(name)
    with pytest.raises(ProtocolError, match="declares"):
        compression.decompress(compression.compress(PAYLOAD), len(PAYLOAD) + 1)


@pytest.mark.parametrize("name", ["gzip", "snappy", "lz4", "zstd"])
def test_a_decompression_bomb_is_stopped_at_the_declared_size(name: str) -> None:
    compression = codec(name)
    bomb = compression.compress(bytes(20_000_000))
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolError):
            compression.decompress(bomb, 1000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # nowhere near the 20 MB the batch expands to


@pytest.mark.parametrize("name", ["gzip", "snappy", "lz4", "zstd"])
@settings(max_examples=60, deadline=None)
@given(noise=st.binary(max_size=200), cut=st.integers(min_value=0, max_value=400))
def test_corrupt_input_raises_only_protocol_error(name: str, noise: bytes, cut: int) -> None:
    compression = codec(name)
    damaged = compression.compress(PAYLOAD)[:cut] + noise
    try:
        out = compression.decompress(damaged, len(PAYLOAD))
    except ProtocolError:
        return
    assert len(out) == len(PAYLOAD)  # zstd and lz4 frames carry no checksum by default


# -------------------------------------------------------- missing libraries


@pytest.mark.parametrize(
    ("name", "modules", "message"),
    [
        (
            "zstd",
            ["zstandard"],
            "zstd compression needs the 'zstandard' package: pip install \"rstream[zstd]\"",
        ),
        (
            "lz4",
            ["lz4", "lz4.frame"],
            "lz4 compression needs the 'lz4' package: pip install \"rstream[lz4]\"",
        ),
        (
            "snappy",
            ["cramjam"],
            "snappy compression needs the 'python-snappy' package: pip install \"rstream[snappy]\"",
        ),
    ],
)
def test_a_missing_library_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, name: str, modules: list[str], message: str
) -> None:
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)
    registry = build_registry()
    with pytest.raises(MissingDependencyError) as caught:
        registry.compression(name)
    assert str(caught.value) == message
    assert isinstance(caught.value, ImportError)
    assert isinstance(caught.value.__cause__, ImportError)
    with pytest.raises(MissingDependencyError):
        registry.compression_by_code(CODES[name])
    # Everything else keeps working.
    gzip_codec = registry.compression("gzip")
    assert gzip_codec.decompress(gzip_codec.compress(PAYLOAD), len(PAYLOAD)) == PAYLOAD
