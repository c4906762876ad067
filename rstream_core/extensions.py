"""Loading an optional compiled module: a leaf module (os and importlib only), so that the
sans-IO protocol package can use its C speed-ups without importing the plugin machinery."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

__all__ = ["load_extension"]


def load_extension(name: str, *, ignore_environment: bool = False) -> ModuleType | None:
    """Import the optional compiled module `name` (e.g. "my_plugin._speedups").

    None when it was not built (no C compiler at install time) or when the environment sets
    RSTREAM_NO_EXTENSIONS: the caller then runs its pure-Python code, which must always be
    there. `ignore_environment` loads it anyway (tests check both paths in one process).
    """
    if os.environ.get("RSTREAM_NO_EXTENSIONS") and not ignore_environment:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
