"""Frame constructors refuse values that cannot go on the wire; frames are frozen."""

from __future__ import annotations

import ast
import dataclasses
import pathlib
import re
from collections.abc import Callable
from typing import Any

import pytest

import rstream_core.protocol
from rstream_core.protocol import frames as f
from rstream_core.protocol.codec import encode_frame
from rstream_core.protocol.constants import Key

INVALID: list[tuple[str, Callable[[], Any], str]] = [
    (
        "publisher_id_256",
        lambda: f.DeclarePublisher(correlation_id=1, publisher_id=256, reference="", stream="s"),
        "publisher_id must be in 0..255",
    ),
    ("negative_correlation_id", lambda: f.SaslHandshake(correlation_id=-1), "correlation_id"),
    ("correlation_id_2_32", lambda: f.SaslHandshake(correlation_id=1 << 32), "correlation_id"),
    (
        "string_too_long",
        lambda: f.DeleteStream(correlation_id=1, stream="é" * 20000),
        "longer than 32767 UTF-8 bytes",
    ),
    (
        "map_value_too_long",
        lambda: f.PeerProperties(correlation_id=1, properties={"k": "x" * 40000}),
        "properties['k']",
    ),
    (
        "subscribe_offset_without_value",
        lambda: f.Subscribe(
            correlation_id=1, subscription_id=1, stream="s", offset_type=4, credit=1
        ),
        "needs an offset",
    ),
    (
        "subscribe_first_with_value",
        lambda: f.Subscribe(
            correlation_id=1, subscription_id=1, stream="s", offset_type=1, offset=3, credit=1
        ),
        "takes no offset",
    ),
    (
        "subscribe_type_none",
        lambda: f.Subscribe(
            correlation_id=1, subscription_id=1, stream="s", offset_type=0, credit=1
        ),
        "is not one of",
    ),
    (
        "subscribe_negative_offset",
        lambda: f.Subscribe(
            correlation_id=1, subscription_id=1, stream="s", offset_type=4, offset=-1, credit=1
        ),
        "offset must be in",
    ),
    (
        "subscribe_timestamp_beyond_i64",
        lambda: f.Subscribe(
            correlation_id=1,
            subscription_id=1,
            stream="s",
            offset_type=5,
            offset=1 << 63,
            credit=1,
        ),
        "timestamp must be in",
    ),
    (
        "subscribe_credit_u16",
        lambda: f.Subscribe(
            correlation_id=1, subscription_id=1, stream="s", offset_type=1, credit=70000
        ),
        "credit",
    ),
    ("credit_32768", lambda: f.Credit(subscription_id=1, credit=32768), "0..32767"),
    ("credit_negative", lambda: f.Credit(subscription_id=1, credit=-1), "0..32767"),
    (
        "generic_response_for_query_offset",
        lambda: f.Response(key=Key.QUERY_OFFSET, correlation_id=1, code=1),
        "has no code-only response",
    ),
    (
        "generic_response_with_response_bit",
        lambda: f.Response(key=0x8007, correlation_id=1, code=1),
        "has no code-only response",
    ),
    (
        "metadata_response_code",
        lambda: f.MetadataResponse(correlation_id=1, code=2, brokers=(), streams=()),
        "code must be 1",
    ),
    (
        "leader_0xffff",
        lambda: f.StreamMetadata(stream="s", code=1, leader=0xFFFF, replicas=()),
        "leader",
    ),
    (
        "super_stream_lengths",
        lambda: f.CreateSuperStream(correlation_id=1, name="x", partitions=("a",), binding_keys=()),
        "same length",
    ),
    (
        "sub_entry_compression_8",
        lambda: f.SubEntryBatch(
            publishing_id=1, compression=8, record_count=1, uncompressed_size=1, data=b""
        ),
        "compression",
    ),
    ("code_u16", lambda: f.MetadataUpdate(code=1 << 16, stream="s"), "code"),
    (
        "committed_chunk_id_negative",
        lambda: f.Deliver(subscription_id=1, committed_chunk_id=-1, chunk=b""),
        "committed_chunk_id",
    ),
    ("tune_frame_max", lambda: f.Tune(frame_max=1 << 32, heartbeat=1), "frame_max"),
    (
        "stats_i64",
        lambda: f.StreamStatsResponse(correlation_id=1, code=1, stats={"x": 1 << 63}),
        "x",
    ),
    (
        "command_version_key",
        lambda: f.CommandVersion(key=-1, min_version=1, max_version=1),
        "key",
    ),
]


@pytest.mark.parametrize(
    ("build", "message"), [v[1:] for v in INVALID], ids=[v[0] for v in INVALID]
)
def test_invalid_values_raise_value_error(build: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build()


def test_frames_are_frozen_slotted_and_keyword_only() -> None:
    frame = f.Credit(subscription_id=1, credit=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        frame.credit = 2  # type: ignore[misc]
    assert not hasattr(frame, "__dict__")
    with pytest.raises(TypeError):
        f.Credit(1, 1)  # type: ignore[misc]


def test_every_frame_class_is_a_frozen_slotted_dataclass() -> None:
    for cls in f.REQUEST_FRAMES + f.RESPONSE_FRAMES + f.ONE_WAY_FRAMES:
        params = cls.__dataclass_params__  # type: ignore[union-attr]
        assert params.frozen, cls
        assert "__slots__" in vars(cls), cls
        fields = {field.name for field in dataclasses.fields(cls)}
        if cls in f.REQUEST_FRAMES:
            assert "correlation_id" in fields, cls
        if cls in f.RESPONSE_FRAMES:
            assert {"correlation_id", "code"} <= fields, cls
        if cls in f.ONE_WAY_FRAMES:
            assert "correlation_id" not in fields, cls


def test_encode_refuses_what_is_not_a_frame() -> None:
    with pytest.raises(TypeError, match="not a protocol frame"):
        encode_frame("hello")  # type: ignore[arg-type]


def test_encode_turns_unchecked_values_into_value_error() -> None:
    # Elements of big tuples are not checked by the constructor, for speed.
    frame = f.PublishConfirm(publisher_id=1, publishing_ids=(-1,))
    with pytest.raises(ValueError, match="cannot encode PublishConfirm"):
        encode_frame(frame)
    with pytest.raises(ValueError, match="cannot encode"):
        encode_frame(f.DeleteStream(correlation_id=1, stream="\udc80"))


def test_the_protocol_package_does_no_io() -> None:
    package = pathlib.Path(rstream_core.protocol.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] not in {"asyncio", "socket", "ssl"}, path.name


def test_importing_the_protocol_loads_no_io_and_no_plugin_machinery() -> None:
    """Beyond the imports written in its files: what importing the package really loads."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import rstream_core.protocol, rstream_core.protocol.chunk\n"
        "import rstream_core.protocol.publish, rstream_core.protocol.codec\n"
        "import rstream_core.protocol.reader\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'asyncio', 'ssl', 'socket', 'selectors', 'pluggy', 'rstream_plugins'}))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"
