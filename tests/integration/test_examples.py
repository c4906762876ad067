"""Every example in examples/ runs to completion against the real broker."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rstream import Producer

from .conftest import CERTS, HOST, PORT

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.py"))
NAMES = re.compile(r'"(example-[a-z-]+)"')  # the streams and super streams an example uses


async def delete_leftovers(names: set[str]) -> None:
    """Examples use fixed names and delete what they made only when they succeed: what an
    earlier failed run left (a stored offset, old messages) would change what this one sees."""
    async with Producer(HOST, PORT) as admin:
        for name in names:
            await admin.delete_super_stream(name, missing_ok=True)
            await admin.delete_stream(name, missing_ok=True)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs(example: Path) -> None:
    asyncio.run(delete_leftovers(set(NAMES.findall(example.read_text()))))
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
