"""The broker-free benchmark runs (a smoke test: its figures are not checked, only that it
publishes and counts every confirm it was fed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_client_cpu.py"


def test_bench_client_cpu_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--count", "20000", "--lag", "2000", "--rounds", "1"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "AMQP send_batch(100), plain callback",
        "binary send_batch(100), plain callback",
        "AMQP send_batch(100), async def callback",
        "binary send_batch(100), async def callback",
    ]
    assert all("ns of client CPU per message" in line for line in lines)
