"""AMQP 1.0 codec benchmark: our codec against rstream 1.1.1's, pure Python both.

    .venv/bin/python benchmarks/bench_codec.py                  # 1,000,000 messages per case
    .venv/bin/python benchmarks/bench_codec.py --count 100000   # a quick check
    .venv/bin/python benchmarks/bench_codec.py --only ours

Two cases, each of N messages: "body only" (``AMQPMessage(body=b"hello: <i>")``) and
"properties" (the same body, ``Properties(message_id=str(i), content_type="text/plain")`` and
three application properties: a string, an int and a bool). For each case:

* encode: ``bytes(message)`` for every message, built beforehand;
* decode: ``amqp_decoder(data)`` for every encoded message (each dropped at once, as a consumer
  would). Ours decodes the sections other than the body lazily, so there is also
* decode + read: decode, then read ``body``, ``properties`` and ``application_properties``
  (rstream 1.1.1 decodes everything at once, so for it this only adds attribute reads).

Ours runs in this process. rstream 1.1.1 runs in a subprocess of the peers' venv
(``.benchvenv``, where its top-level package `rstream` does not clash with ours; created with
``python3 -m venv .benchvenv && .benchvenv/bin/pip install rstream==1.1.1``), started with
``-I`` so that this checkout is not on its path. Rates are per second of CPU time used by
the process (the machine is shared: wall time would also count other processes' turns), with
the garbage collector off while a loop is timed, as `timeit` does. Messages are built and
encoded in chunks to bound memory.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parent.parent
PEER_PYTHON = REPO_DIR / ".benchvenv" / "bin" / "python"
CHUNK = 100_000
CASES = ("body only", "properties")
OPERATIONS = ("encode", "decode", "decode + read")


class Codec:
    """The three names a benchmark needs, from one implementation."""

    def __init__(self, message: Any, properties: Any, decoder: Callable[[bytes], Any]) -> None:
        self.message = message
        self.properties = properties
        self.decoder = decoder

    def build(self, case: str, index: int) -> Any:
        body = b"hello: %d" % index
        if case == "body only":
            return self.message(body=body)
        return self.message(
            body=body,
            properties=self.properties(message_id=str(index), content_type="text/plain"),
            application_properties={"region": "eu-west", "sequence": index, "urgent": True},
        )


def ours() -> Codec:
    sys.path.insert(0, str(REPO_DIR))
    from rstream_plugins.codec_amqp import AMQPMessage, Properties, amqp_decoder

    return Codec(AMQPMessage, Properties, amqp_decoder)


def rstream_1() -> Codec:
    from rstream import AMQPMessage, Properties, amqp_decoder  # rstream 1.1.1, in its venv

    return Codec(AMQPMessage, Properties, amqp_decoder)


def _chunks(count: int) -> Iterator[range]:
    for start in range(0, count, CHUNK):
        yield range(start, min(start + CHUNK, count))


def _timed(loop: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """(CPU seconds, result) of `loop(*args)`, with the garbage collector off meanwhile."""
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        result = loop(*args)
        return time.process_time() - start, result
    finally:
        gc.enable()


def encode_all(messages: list[Any]) -> list[bytes]:
    return [bytes(message) for message in messages]


def decode_all(decode: Callable[[bytes], Any], encoded: list[bytes]) -> None:
    for data in encoded:
        decode(data)


def decode_and_read(decode: Callable[[bytes], Any], encoded: list[bytes]) -> None:
    for data in encoded:
        message = decode(data)
        message.body, message.properties, message.application_properties  # noqa: B018


def measure(codec: Codec, case: str, count: int) -> dict[str, float]:
    """Messages per second of each operation over `count` messages."""
    seconds = dict.fromkeys(OPERATIONS, 0.0)
    for indexes in _chunks(count):
        messages = [codec.build(case, index) for index in indexes]
        spent, encoded = _timed(encode_all, messages)
        seconds["encode"] += spent
        del messages
        seconds["decode"] += _timed(decode_all, codec.decoder, encoded)[0]
        seconds["decode + read"] += _timed(decode_and_read, codec.decoder, encoded)[0]
        last = codec.decoder(encoded[-1])
        if bytes(last.body) != b"hello: %d" % indexes[-1]:
            raise AssertionError(f"decoded {last.body!r}")
    return {operation: count / spent for operation, spent in seconds.items()}


def measure_all(codec: Codec, count: int) -> dict[str, dict[str, float]]:
    return {case: measure(codec, case, count) for case in CASES}


def run_peer(python: Path, count: int) -> dict[str, dict[str, float]]:
    command = [str(python), "-I", __file__, "--as-peer", "--count", str(count)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"rstream 1.1.1 run failed:\n{done.stderr}")
    result: dict[str, dict[str, float]] = json.loads(done.stdout)
    return result


def table(
    count: int, mine: dict[str, dict[str, float]], peer: dict[str, dict[str, float]] | None
) -> str:
    lines = [
        f"### AMQP 1.0 codec, {count:,} messages per case (Python {platform.python_version()})",
        "",
        "| case | operation | ours msg/s (CPU) | rstream 1.1.1 msg/s (CPU) | ours / 1.1.1 |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for case in CASES:
        for operation in OPERATIONS:
            rate = mine[case][operation]
            if peer is None:
                lines.append(f"| {case} | {operation} | {rate:,.0f} | | |")
                continue
            theirs = peer[case][operation]
            lines.append(
                f"| {case} | {operation} | {rate:,.0f} | {theirs:,.0f} | {rate / theirs:.1f}x |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--peer-python", type=Path, default=PEER_PYTHON)
    parser.add_argument("--only", choices=["ours"], help="skip rstream 1.1.1")
    parser.add_argument("--as-peer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.as_peer:  # we are the subprocess, in the peers' venv
        print(json.dumps(measure_all(rstream_1(), args.count)))
        return
    peer = None if args.only else run_peer(args.peer_python, args.count)
    print(table(args.count, measure_all(ours(), args.count), peer))


if __name__ == "__main__":
    main()
