"""What the benchmark scripts share: settings, results, running peers, the markdown table.

Stdlib only, so that it imports the same in our venv and in the peers' venv.

Every measurement is one `Result`. Peers and the raw ceiling run as subprocesses that print
one JSON object per result on stdout (`Result.to_json`); `run_script` reads them back.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
OUR_PYTHON = REPO_DIR / ".venv" / "bin" / "python"
PEER_PYTHON = REPO_DIR / ".benchvenv" / "bin" / "python"
PEERS_DIR = BENCH_DIR / "peers"

DEFAULT_COUNT = 1_000_000
DEFAULT_BATCH = 100
# A measurement that takes longer than this is reported as failed instead of blocking the run.
DEFAULT_TIMEOUT = 240.0

OURS = "rstream (ours)"
# What a peer script appends to the mode of its fastest variant (see peers/rbfly_publish.py).
BEST = " (best)"
# Appended to a mode measured with an `async def` callback (publish and consume), and to a
# consume mode reading the stream of small chunks written by rstream 1.1.1 (bench_consume.py).
# A comma, not a space, so that `run_script` never takes them for the plain mode's rows.
ASYNC_CALLBACK = ", async callback"
SMALL_CHUNKS = ", small chunks"


@dataclass
class Result:
    """One measurement: `count` messages in `seconds`.

    `baseline` names the mode of ours this row is compared with (the ratio column).
    `cpu_seconds` is the CPU time the client's process used meanwhile: unlike `seconds`, it
    hardly moves when the broker or another process takes the CPU.
    `error` is set when the measurement failed; `seconds` is then NaN.
    `runs`, `low_rate`, `high_rate`: for the median of repeated rounds (see `median_results`),
    how many rounds succeeded and the slowest and fastest rate among them.
    """

    client: str
    mode: str
    seconds: float
    count: int
    baseline: str
    error: str = ""
    cpu_seconds: float = math.nan
    runs: int = 1
    low_rate: float = math.nan
    high_rate: float = math.nan

    @property
    def rate(self) -> float:
        if self.error or not self.seconds > 0:
            return math.nan
        return self.count / self.seconds

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, line: str) -> Result:
        return cls(**json.loads(line))

    @classmethod
    def failed(cls, client: str, mode: str, count: int, baseline: str, error: str) -> Result:
        return cls(client, mode, math.nan, count, baseline, error)


class Stopwatch:
    """Wall-clock time (perf_counter) and this process's CPU time since it was made."""

    def __init__(self) -> None:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def stop(self) -> tuple[float, float]:
        """(wall seconds, CPU seconds)."""
        return time.perf_counter() - self._wall, time.process_time() - self._cpu


class Countdown:
    """Counts confirms or messages; `done` resolves when `target` were counted.

    Also the `on_publish_confirm` callback of rstream-style producers: a status whose
    `is_confirmed` is false counts as a failure (reported, never as a success).
    """

    def __init__(self, target: int) -> None:
        self.target = target
        self.count = 0
        self.failures = 0
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if target <= 0:
            self.done.set_result(None)

    def add(self, n: int = 1) -> None:
        self.count += n
        if self.count >= self.target and not self.done.done():
            self.done.set_result(None)

    def __call__(self, status: Any) -> None:
        # add() inlined: this runs once per message, for every client alike.
        self.count += 1
        if not status.is_confirmed:
            self.failures += 1
        if self.count == self.target:
            self.done.set_result(None)

    def check(self) -> None:
        if self.failures:
            raise RuntimeError(f"{self.failures} of {self.count} messages were not confirmed")


class AsyncCountdown(Countdown):
    """The same count from an `async def` callback, as the seed's examples write theirs."""

    async def __call__(self, status: Any) -> None:  # type: ignore[override]
        self.count += 1
        if not status.is_confirmed:
            self.failures += 1
        if self.count == self.target:
            self.done.set_result(None)


def async_confirm_counter(countdown: Countdown) -> Callable[[Any], Coroutine[Any, Any, None]]:
    """An `async def on_publish_confirm(status)` counting into `countdown`, the way users of
    rstream 1.x write confirm callbacks: a plain coroutine function that awaits nothing.

    It counts exactly as `Countdown.__call__` does. Of the equivalent forms timed (each call
    driven by `send(None)`), a closure reading the countdown's attributes was the fastest
    (about 195 ns a call, against 205 with nonlocal counters and 250 for `AsyncCountdown`), so
    ours and rstream 1.1.1 both get this one.
    """

    async def on_publish_confirm(status: Any) -> None:
        countdown.count += 1
        if not status.is_confirmed:
            countdown.failures += 1
        if countdown.count == countdown.target:
            countdown.done.set_result(None)

    return on_publish_confirm


class Tally(Countdown):
    """Counts received messages and keeps the last body, to check it after the run."""

    def __init__(self, target: int) -> None:
        super().__init__(target)
        self.last: Any = None

    def on_amqp(self, message: Any, context: Any) -> None:
        """Reads the body, so that a lazy decoder does its work too."""
        self.last = message.body
        self.add()

    def on_bytes(self, message: Any, context: Any) -> None:
        self.last = message
        self.add()

    def async_on_amqp(self) -> Callable[[Any, Any], Coroutine[Any, Any, None]]:
        """`on_amqp` as the plain `async def` function (a closure awaiting nothing) that users
        of rstream 1.x write as their message callback."""

        async def on_message(message: Any, context: Any) -> None:
            self.last = message.body
            self.add()

        return on_message

    def check_last(self, expected: bytes) -> None:
        last = bytes(self.last) if isinstance(self.last, bytes | bytearray | memoryview) else None
        if last is None or not last.endswith(expected):
            raise RuntimeError(f"the last message is {self.last!r}, expected {expected!r}")


def body(i: int) -> bytes:
    """The payload of message `i`, the same for every client."""
    return b"hello: %d" % i


def stream_name(tag: str) -> str:
    """A stream name no other run uses."""
    return f"bench-{tag}-{uuid.uuid4().hex[:10]}"


# Set by --uvloop; the peers' and the raw ceiling's processes inherit it from the environment.
UVLOOP_ENV = "BENCH_UVLOOP"


def on_uvloop() -> bool:
    return os.environ.get(UVLOOP_ENV) == "1"


def run_loop(main: Coroutine[Any, Any, Any]) -> Any:
    """`asyncio.run(main)`, on uvloop when the run asked for it (--uvloop)."""
    if not on_uvloop():
        return asyncio.run(main)
    import uvloop  # an ImportError here means: pip install uvloop into this venv

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


class _UseUvloop(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        os.environ[UVLOOP_ENV] = "1"
        setattr(namespace, self.dest, True)


def loop_title() -> str:
    """What a table title says of the event loop."""
    return ", on uvloop" if on_uvloop() else ""


def parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark script takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--count", type=int, default=DEFAULT_COUNT, help="messages per measurement")
    p.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="messages per batch")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5552)
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help="seconds before one measurement is given up")
    p.add_argument("--rounds", type=int, default=1,
                   help="repeat every measurement this many times and report the median")
    p.add_argument("--results-json", metavar="FILE",
                   help="also append the table's rows to FILE as JSON lines")
    p.add_argument("--uvloop", action=_UseUvloop, nargs=0, default=False,
                   help="run every client (ours, the peers, the raw ceiling) on uvloop")
    return p


def run_script(
    python: Path,
    script: Path,
    args: Sequence[str],
    timeout: float,
    expected: Sequence[tuple[str, str, str]],
    count: int,
) -> list[Result]:
    """Run `python script args` and return the results it printed as JSON lines.

    `expected` lists (client, mode prefix, baseline) of the rows the script should print: when
    the script fails or times out, each missing row comes back as a failed Result, so the
    table still shows that the measurement was attempted.
    """
    command = [str(python), str(script), *args]
    # Each venv finds its own packages: an inherited PYTHONPATH could mix the two rstreams.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    print(f"# running {script.name} {' '.join(args)}", file=sys.stderr, flush=True)
    error = ""
    stdout = ""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
        stdout = done.stdout
        sys.stderr.write(done.stderr)  # the script's progress lines and warnings
        if done.returncode != 0:
            error = f"exit {done.returncode}: {_last_line(done.stderr)}"
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        error = f"timed out after {timeout:.0f} s"
    except OSError as exc:
        error = str(exc)
    printed = [Result.from_json(line) for line in stdout.splitlines() if line.startswith("{")]
    results = list(printed)
    for client, mode, baseline in expected:
        if not any(r.client == client and _same_mode(r.mode, mode) for r in printed):
            results.append(Result.failed(client, mode, count, baseline, error or "no result"))
    return results


def _same_mode(printed: str, expected: str) -> bool:
    """Exact, or `expected` then a space: "AMQP" matches "AMQP (amqp=True)", not "AMQPS"."""
    return printed == expected or printed.startswith(expected + " ")


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def median_results(rounds: Sequence[Sequence[Result]]) -> list[Result]:
    """One row per (client, mode) over repeated rounds: the round with the median rate.

    The machine's speed drifts by more than ten percent between runs (the broker shares the two
    cores), so each measurement is repeated and the rounds interleave every client's runs. The
    row keeps its own seconds and CPU time, and records the spread of the successful rounds;
    it is failed only when every round failed.
    """
    order: list[tuple[str, str]] = []
    runs: dict[tuple[str, str], list[Result]] = {}
    for results in rounds:
        for r in results:
            key = (r.client, r.mode.removesuffix(BEST))
            if key not in runs:
                order.append(key)
            runs.setdefault(key, []).append(r)
    rows = []
    for key in order:
        good = sorted((r for r in runs[key] if not r.error), key=lambda r: r.rate)
        if not good:
            rows.append(runs[key][-1])
            continue
        middle = good[(len(good) - 1) // 2]  # the lower middle for an even count
        rows.append(dataclasses.replace(
            middle, mode=key[1], runs=len(good), low_rate=good[0].rate, high_rate=good[-1].rate
        ))
    marked = {r.client for results in rounds for r in results if r.mode.endswith(BEST)}
    return _mark_best(rows, marked)


def _mark_best(rows: list[Result], marked: set[str]) -> list[Result]:
    """A peer that marks its fastest variant "(best)" in each round gets the mark again on
    the variant whose median is the fastest."""
    for client in marked:
        variants = [r for r in rows if r.client == client and not r.error]
        fastest = max(variants, key=lambda r: r.rate)
        fastest.mode += BEST
    return rows


def write_results(path: str | None, results: Sequence[Result]) -> None:
    """The rows of a table as JSON lines, for benchmarks/compare's chart and ratios."""
    if path:
        with open(path, "a") as file:
            file.writelines(result.to_json() + "\n" for result in results)


def markdown_table(title: str, results: Sequence[Result]) -> str:
    """Client, mode, seconds, msg/s and the ratio to our comparable mode."""
    ours = {r.mode: r.rate for r in results if r.client == OURS}
    lines = [
        f"### {title}",
        "",
        "| client | mode | seconds | msg/s | vs ours | client CPU µs/msg | rounds: msg/s range |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if r.error:
            lines.append(f"| {r.client} | {r.mode} | - | - | failed: {r.error} | - | - |")
            continue
        reference = ours.get(r.baseline, math.nan)
        ratio = r.rate / reference if reference > 0 else math.nan
        cpu = "-" if math.isnan(r.cpu_seconds) else f"{r.cpu_seconds / r.count * 1e6:.2f}"
        spread = "-" if math.isnan(r.low_rate) else (
            f"{r.runs}: {r.low_rate:,.0f} - {r.high_rate:,.0f}"
        )
        lines.append(
            f"| {r.client} | {r.mode} | {r.seconds:.2f} | {r.rate:,.0f} | "
            f"{_ratio(ratio, r.baseline)} | {cpu} | {spread} |"
        )
    lines += [
        "",
        "Each row is the round with the median msg/s (rounds interleave every client); the "
        "last column gives how many rounds succeeded and their slowest and fastest msg/s. "
        "`vs ours`: this row's msg/s divided by ours in the mode named in brackets "
        "(above 1: faster than ours). `client CPU µs/msg`: CPU time of the client's process "
        "during the measurement, per message (the broker's is not in it).",
        "",
    ]
    return "\n".join(lines)


def _ratio(ratio: float, baseline: str) -> str:
    if math.isnan(ratio):
        return "-"
    return f"{ratio:.2f}x ({baseline})"
