"""Writes the seed inputs of each fuzz target into tests/fuzz/corpus/<target>/.

    .venv/bin/python -m tests.fuzz.seed

Seeds are valid inputs taken from the unit tests' vectors (every frame of the protocol
vectors, chunks with simple and compressed entries, each compression's output, the AMQP
messages the codec tests use), so the fuzzer starts from deep inside each parser. File names
are content hashes: rerunning adds nothing twice.
"""

from __future__ import annotations

import hashlib
import struct
import sys
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE.parents[1] / "tests/unit/codecs"),
                str(HERE.parents[1] / "tests/unit/protocol")]

from test_amqp_fuzz import SEEDS as AMQP_SEEDS  # noqa: E402
from test_protocol_vectors import VECTORS  # noqa: E402
from wire_hex import wire  # noqa: E402

from rstream_core.plugins import get_registry  # noqa: E402
from rstream_core.protocol.sub_entry import sub_entry_payload  # noqa: E402
from tests.fuzz.targets import _CODES  # noqa: E402
from tests.unit.protocol.chunks import SubEntry, build_chunk, make_sub_entry  # noqa: E402


def frame_seeds() -> Iterable[bytes]:
    for _, _, body_hex in VECTORS:
        body = wire(body_hex)
        yield b"\x00" + struct.pack(">I", len(body)) + body  # first byte: where to cut


def compressed(name: str, messages: list[bytes]) -> SubEntry:
    codec = get_registry().compression(name)
    return make_sub_entry(messages, _CODES[name], codec.compress)


def chunk_seeds() -> Iterable[bytes]:
    messages = [b"m%d" % i for i in range(5)]
    yield build_chunk(messages)
    yield build_chunk([b"a", make_sub_entry(messages), b"z"])
    for name in _CODES:
        yield build_chunk([compressed(name, messages), b"tail"])


def decompress_seeds() -> Iterable[bytes]:
    payload = sub_entry_payload([b"message %d" % i for i in range(20)])
    for index, name in enumerate(_CODES):
        data = get_registry().compression(name).compress(payload)
        yield bytes([index]) + struct.pack(">I", len(payload)) + data


def write(target: str, seeds: Iterable[bytes]) -> int:
    folder = HERE / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for seed in seeds:
        path = folder / hashlib.sha1(seed).hexdigest()
        if not path.exists():
            path.write_bytes(seed)
            written += 1
    return written


def main() -> None:
    for target, seeds in [("frames", frame_seeds()), ("chunk", chunk_seeds()),
                          ("decompress", decompress_seeds()), ("amqp", AMQP_SEEDS)]:
        print(f"{target}: {write(target, seeds)} new seeds")


if __name__ == "__main__":
    main()
