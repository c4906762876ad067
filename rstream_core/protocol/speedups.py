"""The protocol's optional C extension (`_speedups.c` in this package): Publish encoding and
reading a chunk's records, when built.

`pip install` builds it when a C compiler is there; without one, or with RSTREAM_NO_EXTENSIONS
set, the pure-Python functions (always present, and the reference) run instead. It needs
nothing of the client above the protocol: loading it imports no asyncio and no plugin code.
"""

from __future__ import annotations

from types import ModuleType

from rstream_core.extensions import load_extension

__all__ = ["EXTENSION", "SPEEDUPS", "load_speedups"]


def load_speedups(ignore_environment: bool = False) -> ModuleType | None:
    """The C extension; None when it is not built or RSTREAM_NO_EXTENSIONS is set.

    (The tests ignore the environment, to check the C extension even when it is not used.)
    """
    return load_extension("rstream_core.protocol._speedups", ignore_environment=ignore_environment)


# Loaded once; publish.py and chunk.py take their functions from here.
EXTENSION = load_speedups()
SPEEDUPS: bool = EXTENSION is not None
