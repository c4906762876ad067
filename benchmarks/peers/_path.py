"""Lets a peer script import benchmarks/common.py (stdlib only) from the peers' venv.

Only the benchmarks folder goes on sys.path, never the repository root: there, our own
`rstream` package would shadow the rstream 1.1.1 that the peers measure.
"""

import sys
from pathlib import Path

BENCH_DIR = str(Path(__file__).resolve().parent.parent)
if BENCH_DIR not in sys.path:
    sys.path.insert(0, BENCH_DIR)
