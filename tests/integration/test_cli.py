"""The `rstream` command against the real broker: exit codes, output formats, errors."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest

from .conftest import HOST, PORT

COMMAND = [sys.executable, "-m", "rstream_core.cli.main", "--host", HOST, "--port", str(PORT)]


def rstream(
    *args: str, stdin: str | None = None, code: int = 0
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=120,
                            input=stdin)
    assert result.returncode == code, result.stderr[-2000:]
    if code:
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 or code == 2, result.stderr
    return result


def out(*args: str, stdin: str | None = None) -> str:
    return rstream(*args, stdin=stdin).stdout


def error(*args: str, code: int = 1) -> str:
    return rstream(*args, code=code).stderr.strip()


def test_streams_create_info_stats_delete(stream_name: str) -> None:
    assert out("streams", "create", stream_name, "--max-age", "3600s") == (
        f"created stream '{stream_name}'\n")
    try:
        assert out("streams", "info", stream_name).splitlines() == [
            f"leader: localhost:{PORT}", "replicas: -"]
        info = json.loads(out("streams", "info", stream_name, "--json"))
        assert info == {"stream": stream_name, "leader": f"localhost:{PORT}", "replicas": []}
        stats = json.loads(out("streams", "stats", stream_name, "--json"))
        assert stats["committed_chunk_id"] == -1
        assert "first_chunk_id: -1" in out("streams", "stats", stream_name)
        assert stream_name in out("streams", "list").splitlines()
        assert stream_name in json.loads(out("streams", "list", "--json"))
        assert error("streams", "create", stream_name) == (
            f"rstream: stream '{stream_name}' already exists with other arguments")
        out("streams", "create", stream_name, "--max-age", "3600s", "--exists-ok")
    finally:
        out("streams", "delete", stream_name)
    assert error("streams", "delete", stream_name) == (
        f"rstream: stream '{stream_name}' does not exist")
    out("streams", "delete", stream_name, "--missing-ok")
    assert error("streams", "info", stream_name) == (
        f"rstream: stream '{stream_name}' does not exist")


def test_super_streams_and_partitions(stream_name: str) -> None:
    out("super-streams", "create", stream_name, "--partitions", "2")
    try:
        assert out("streams", "partitions", stream_name).split() == [
            f"{stream_name}-0", f"{stream_name}-1"]
    finally:
        out("super-streams", "delete", stream_name)
    out("super-streams", "create", stream_name, "--binding-keys", "eu,us")
    try:
        assert json.loads(out("streams", "partitions", stream_name, "--json")) == [
            f"{stream_name}-eu", f"{stream_name}-us"]
    finally:
        out("super-streams", "delete", stream_name)
    assert error("super-streams", "delete", stream_name) == (
        f"rstream: super stream '{stream_name}' does not exist")


def test_publish_and_consume_in_each_format(stream_name: str) -> None:
    out("streams", "create", stream_name)
    try:
        assert out("publish", stream_name, "first", "second") == (
            f"published 2 messages to '{stream_name}'\n")
        out("publish", stream_name, stdin="third\n")
        lines = [
            {"body": "fourth", "properties": {"message_id": "m4", "content_type": "text/plain"},
             "application_properties": {"region": "eu", "n": 4}},
            {"body": {"base64": "AAEC/w=="}},
        ]
        out("publish", stream_name, "--format", "json",
            stdin="\n".join(json.dumps(line) for line in lines) + "\n")
        text = out("consume", stream_name, "--count", "5").splitlines()
        assert text == [
            "0: first", "1: second", "2: third", "3: fourth",
            '  properties: message_id="m4", content_type="text/plain"',
            '  application properties: region="eu", n=4',
            "4: <4 bytes, base64 AAEC/w==>",
        ]
        documents = [json.loads(line) for line in
                     out("consume", stream_name, "--count", "2", "--offset", "3",
                         "--format", "json").splitlines()]
        assert [d["offset"] for d in documents] == [3, 4]
        assert documents[0]["properties"] == {"message_id": "m4", "content_type": "text/plain"}
        assert documents[0]["application_properties"] == {"region": "eu", "n": 4}
        assert documents[1]["body"] == {"base64": "AAEC/w=="}
        # LAST: from the first message of the last chunk. The last publish (3 and 4) is one
        # chunk or two, as the broker cuts it.
        last = out("consume", stream_name, "--offset", "last", "--count", "1")
        assert last.startswith(("3: fourth", "4: <4 bytes")), last
        later = out("consume", stream_name, "--offset", "2000-01-01T00:00:00Z", "--count", "1")
        assert later.startswith("0: first")
        idle = out("consume", stream_name, "--offset", "next", "--idle-timeout", "0.5")
        assert idle == ""
        out("publish", stream_name, "raw", "--codec", "binary", "after")  # options between
        assert out("consume", stream_name, "--codec", "binary", "--offset", "5",
                   "--count", "2") == "5: raw\n6: after\n"
    finally:
        out("streams", "delete", stream_name)


def test_usage_errors_exit_2(stream_name: str) -> None:
    assert error("consume", stream_name, "--offset", "soon", code=2) == (
        "rstream: --offset 'soon': first, last, next, an offset, @milliseconds or an ISO 8601 "
        "time")
    assert "invalid choice" in error("streams", "rename", code=2)
    assert "unrecognized arguments: --colour x" in error(
        "publish", stream_name, "a", "--colour", "x", code=2)
    assert "unrecognized arguments: extra" in error("consume", stream_name, "extra", code=2)
    result = subprocess.run([*COMMAND, "publish", stream_name, "--format", "json"],
                            input='{"body": "x", "colour": 1}\n', capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == "rstream: line 1: unknown keys: colour"
    assert "--size must be at least 8" in error("perf", "--size", "4", code=2)


def test_broker_side_errors_name_what_failed(stream_name: str) -> None:
    assert error("consume", stream_name, "--count", "1") == (
        f"rstream: stream '{stream_name}' does not exist")
    assert error("publish", stream_name, "x") == (
        f"rstream: stream '{stream_name}' does not exist")
    closed = free_port()
    refused = error("--port", str(closed), "streams", "info", "x")
    assert refused.startswith(f"rstream: cannot connect to {HOST}:{closed}: ")
    wrong = rstream("streams", "info", "x", "--password", "not-the-password", code=1)
    assert wrong.stderr.strip() == (
        f"rstream: authentication failed for user 'guest' on {HOST}:{PORT} (PLAIN)")
    assert "not-the-password" not in wrong.stderr + wrong.stdout
    assert error("streams", "info", "x", "--vhost", "no-such-vhost") == (
        f"rstream: user 'guest' may not use virtual host 'no-such-vhost' on {HOST}:{PORT}")


def free_port() -> int:
    """A loopback port nothing listens on (the system's choice, released at once)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def test_debug_shows_the_traceback(stream_name: str) -> None:
    result = subprocess.run([*COMMAND, "streams", "info", stream_name, "--debug"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "StreamDoesNotExist" in result.stderr


def perf_json(*args: str) -> tuple[list[dict[str, object]], dict[str, object]]:
    lines = [json.loads(line) for line in out("perf", "--json", *args).splitlines()]
    *seconds, summary = lines
    assert "summary" in summary and all("published" in second for second in seconds)
    return seconds, summary["summary"]  # type: ignore[return-value]


@pytest.mark.parametrize("processes", ["1", "2"])
def test_perf_reports_what_was_published_and_consumed(processes: str) -> None:
    seconds, summary = perf_json(
        "--producers", "2", "--consumers", "2", "--stream-count", "2", "--rate", "20000",
        "--pmessages", "20000", "--processes", processes, "--size", "50")
    assert summary["published"] == summary["confirmed"] == 40_000
    assert summary["consumed"] == 40_000  # each consumer reads its own stream's 20,000
    assert summary["errored"] == 0
    # 20,000 msg/s in all (unpaced it would take a tenth of a second): close to it on
    # average; a paced sender catches up after a stall, so a second may hold more.
    assert 14_000 <= summary["published_per_s"] <= 26_000, summary  # type: ignore[operator]
    busiest = max(int(second["published"]) for second in seconds)  # type: ignore[call-overload]
    assert busiest <= 40_000, seconds
    latency = summary["latency_ms"]
    assert isinstance(latency, dict) and 0 < latency["p50"] <= latency["p99"]
    assert summary["chunk_size"] > 0
    settings = summary["settings"]
    assert isinstance(settings, dict) and settings["processes"] == int(processes)


def test_perf_sub_entries_super_streams_and_files(tmp_path: object, stream_name: str) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    _, summary = perf_json("--pmessages", "3000", "--sub-entry-size", "10",
                           "--compression", "gzip", "--codec", "binary",
                           "--summary-file", str(folder / "summary.json"),
                           "--plot", str(folder / "run.png"))
    assert summary["published"] == summary["confirmed"] == summary["consumed"] == 3000
    assert json.loads((folder / "summary.json").read_text())["summary"]["published"] == 3000
    assert (folder / "run.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    _, summary = perf_json("--super-streams", "--super-stream-partitions", "3",
                           "--pmessages", "900", "--batch-size", "1")
    assert summary["published"] == summary["confirmed"] == summary["consumed"] == 900
    assert summary["confirm_latency_ms"]["p50"] > 0  # type: ignore[index]


def test_perf_keeps_or_deletes_what_it_created(stream_name: str) -> None:
    perf_json("--streams", stream_name, "--pmessages", "100", "--keep")
    try:
        assert json.loads(out("streams", "stats", stream_name, "--json"))["committed_offset"] >= 0
    finally:
        out("streams", "delete", stream_name)
    name = f"perf-gone-{uuid.uuid4().hex[:8]}"
    perf_json("--streams", name, "--pmessages", "100")
    assert error("streams", "info", name) == f"rstream: stream '{name}' does not exist"


def test_perf_stops_cleanly_on_ctrl_c() -> None:
    process = subprocess.Popen([*COMMAND, "perf", "--rate", "5000"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    first = process.stdout.readline()  # a second in: progress from the first second
    assert "published" in first, first
    time.sleep(1)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "summary (" in stdout and "Traceback" not in stderr


def test_perf_without_uvloop_installed_names_the_extra() -> None:
    # sys.modules["uvloop"] = None makes `import uvloop` fail as if it were not installed.
    code = (
        "import sys; sys.modules['uvloop'] = None; "
        "from rstream_core.cli.main import main; sys.exit(main())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "--host", HOST, "perf", "--uvloop"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "rstream: the uvloop event loop needs the 'uvloop' package: "
        'pip install "rstream[uvloop]"'
    )


def test_perf_single_active_consumer_filtering_and_pacing() -> None:
    # From the first offset: the active consumer is chosen after it subscribed, and "next"
    # would be the next offset at that moment.
    _, summary = perf_json("--consumers", "2", "--single-active-consumer", "--pmessages", "2000",
                           "--offset", "first")
    assert summary["published"] == 2000 and summary["consumed"] == 2000  # one of two active
    _, summary = perf_json("--filter-value-set", "a,b", "--filter-values", "a",
                           "--pmessages", "2000", "--batch-size", "10", "--offset", "first")
    assert summary["consumed"] == 1000  # the values alternate: half of them are "a"
    seconds, summary = perf_json("--consumer-rate", "2000", "--pmessages", "6000",
                                 "--store-every", "500", "--offset", "first")
    assert summary["consumed"] == 6000
    # 2,000 msg/s on average (unpaced it reads 6,000 at once); a paced consumer catches up
    # after a stall, so a second may hold more.
    assert summary["consumed_per_s"] <= 2_600, summary  # type: ignore[operator]
    assert max(int(s["consumed"]) for s in seconds) <= 4_000  # type: ignore[call-overload]


def test_perf_consumer_counts_latency_stream_arguments_and_load_balancer() -> None:
    _, summary = perf_json("--pmessages", "2000", "--cmessages", "500",
                           "--consumer-latency", "0.1", "--max-length-bytes", "100000000",
                           "--max-age", "3600s", "--initial-member-count", "1",
                           "--leader-locator", "balanced", "--load-balancer")
    assert summary["published"] == 2000
    assert summary["consumed"] == 500  # the consumer stopped counting at its --cmessages


@pytest.mark.parametrize("processes", ["1", "2"])
def test_perf_ends_with_a_failing_producer_s_error(processes: str) -> None:
    # 2 MB messages cannot fit a frame: the producer fails before sending anything, and the
    # run ends with its error, a usage error (exit 2) in a worker process as in one process.
    message = error("perf", "--pmessages", "10", "--size", "2000000", "--processes", processes,
                    code=2)
    assert "does not fit the frame size 1048576" in message, message


def test_consume_into_a_closed_pipe_ends_quietly(stream_name: str) -> None:
    out("streams", "create", stream_name)
    try:
        out("publish", stream_name, *[f"m{i}" for i in range(50)])
        command = " ".join([*COMMAND, "consume", stream_name, "--idle-timeout", "5"])
        result = subprocess.run(f"{command} | head -1; exit ${{PIPESTATUS[0]}}", shell=True,
                                executable="/bin/bash", capture_output=True, text=True,
                                timeout=60)
        assert result.stdout == "0: m0\n"
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    finally:
        out("streams", "delete", stream_name)


def test_errors_name_the_user_of_the_uri() -> None:
    uri = f"rabbitmq-stream://nobody:uri-secret@{HOST}:{PORT}/%2F"
    result = rstream("--uri", uri, "streams", "info", "x", code=1)
    assert result.stderr.strip() == (
        f"rstream: authentication failed for user 'nobody' on {HOST}:{PORT} (PLAIN)")
    assert "uri-secret" not in result.stderr + result.stdout
