"""Every example in examples/ runs to completion against the real broker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CERTS

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.py"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs(example: Path) -> None:
    env = {
        **os.environ,
        "EXAMPLE_COUNT": "20000",
        "RSTREAM_HOST": "localhost",
        "RSTREAM_CERTS": str(CERTS),
    }
    result = subprocess.run(
        [sys.executable, str(example)], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip(), "an example says what it did"
