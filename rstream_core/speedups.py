"""The core's optional C extension (`_speedups.c`): the publishing loops, reading a chunk's
records and handing them to a plain callback, when built.

`pip install` builds it when a C compiler is there; without one the package installs without
it and the pure-Python functions (always present, and the reference) run instead. Setting
RSTREAM_NO_EXTENSIONS selects the pure-Python functions everywhere, as the codec plugin's
extensions do; the tests run both on the same vectors.
"""

from __future__ import annotations

from types import ModuleType

from rstream_core.extensions import load_extension
from rstream_core.types import ConfirmationStatus, MessageContext

__all__ = ["EXTENSION", "SPEEDUPS", "load_speedups"]


def load_speedups(ignore_environment: bool = False) -> ModuleType | None:
    """The C extension, initialised; None when it is not built or RSTREAM_NO_EXTENSIONS is set.

    (The tests ignore the environment, to check the C extension even when it is not used.)
    """
    extension = load_extension("rstream_core._speedups", ignore_environment=ignore_environment)
    if extension is not None:
        extension.init(ConfirmationStatus)
        extension.init_context(MessageContext)
    return extension


# Loaded (and initialised) once; the modules with C versions take their functions from here.
EXTENSION = load_speedups()
SPEEDUPS: bool = EXTENSION is not None
