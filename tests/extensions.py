"""For the tests of the optional C extensions: what a fresh interpreter prints, with or
without RSTREAM_NO_EXTENSIONS."""

from __future__ import annotations

import os
import subprocess
import sys


def run_python(code: str, *, no_extensions: bool) -> str:
    """Run `code` in a new interpreter; RSTREAM_NO_EXTENSIONS set when `no_extensions`."""
    environment = {
        key: value for key, value in os.environ.items() if key != "RSTREAM_NO_EXTENSIONS"
    }
    if no_extensions:
        environment["RSTREAM_NO_EXTENSIONS"] = "1"
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    ).stdout
