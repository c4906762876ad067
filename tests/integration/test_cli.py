"""The `rstream` command against the real broker."""

from __future__ import annotations

import subprocess
import sys


def rstream(*args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "rstream_core.cli.main", "--host", "127.0.0.1", *args],
        capture_output=True, text=True, timeout=120, input=stdin,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_streams_publish_consume(stream_name: str) -> None:
    rstream("streams", "create", stream_name, "--max-age", "3600s")
    try:
        assert "leader:" in rstream("streams", "info", stream_name)
        assert "published 2 messages" in rstream("publish", stream_name, "first", "second")
        assert "published 1 messages" in rstream("publish", stream_name, stdin="third\n")
        out = rstream("consume", stream_name, "--count", "3")
        assert out.splitlines() == ["0: b'first'", "1: b'second'", "2: b'third'"]
        assert "committed_chunk_id" in rstream("streams", "stats", stream_name)
    finally:
        rstream("streams", "delete", stream_name)


def test_perf_prints_live_lines_and_a_summary() -> None:
    out = rstream("perf", "--duration", "2", "--codec", "amqp")
    assert "published" in out and "summary" in out
    assert "latency ms: p50" in out


def test_perf_without_uvloop_installed_names_the_extra() -> None:
    # sys.modules["uvloop"] = None makes `import uvloop` fail as if it were not installed.
    code = (
        "import sys; sys.modules['uvloop'] = None; "
        "from rstream_core.cli.main import main; sys.exit(main())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "--host", "127.0.0.1", "perf", "--uvloop"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "rstream: the uvloop event loop needs the 'uvloop' package: "
        'pip install "rstream[uvloop]"'
    )
