"""Coverage-guided fuzzing of one target with atheris (`pip install ".[fuzz]"`).

    python tests/fuzz/run.py TARGET [libFuzzer options...]
    python tests/fuzz/run.py chunk -max_total_time=600
    python tests/fuzz/run.py chunk -merge=1 NEW_FOLDER    # the corpus, minimized, into NEW_FOLDER

TARGET is one of tests/fuzz/targets.py's TARGETS. The corpus is tests/fuzz/corpus/TARGET
(seeds kept in the repository; new inputs that reach new code are added there). The default
options bound every input to 10 s (a hang) and the process to 2 GiB (unbounded memory); a
crash is written to tests/fuzz/crashes/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

with atheris.instrument_imports():
    from tests.fuzz.targets import TARGETS, check


def main() -> None:
    name, *options = sys.argv[1:] or ["?"]
    if name not in TARGETS:
        sys.exit(f"usage: run.py {'|'.join(TARGETS)} [libFuzzer options]")
    target = TARGETS[name]
    corpus = HERE / "corpus" / name
    crashes = HERE / "crashes"
    corpus.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(exist_ok=True)
    defaults = ["-timeout=10", "-rss_limit_mb=2048", "-max_len=65536",
                f"-artifact_prefix={crashes}/{name}-"]
    # libFuzzer re-runs argv[0] through the shell for -merge=1: interpreter and target with it.
    program = f"{sys.executable} {Path(__file__).resolve()} {name}"
    atheris.Setup([program, *defaults, *options, str(corpus)],
                  lambda data: check(target, data))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
