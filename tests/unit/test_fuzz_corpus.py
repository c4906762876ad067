"""The fuzz corpus (tests/fuzz/corpus) replayed through the fuzz targets on every run, with
the C extensions and, in the RSTREAM_NO_EXTENSIONS=1 pass, without: each input is parsed or
refused with a ProtocolError, nothing else. Inputs the fuzzer found go in there to stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.targets import TARGETS, check

CORPUS = Path(__file__).resolve().parents[1] / "fuzz" / "corpus"
INPUTS = sorted(path for path in CORPUS.glob("*/*") if path.is_file())


def test_every_target_has_seeds() -> None:
    assert {path.parent.name for path in INPUTS} == set(TARGETS)


@pytest.mark.parametrize("path", INPUTS, ids=lambda path: f"{path.parent.name}/{path.name[:8]}")
def test_corpus_input(path: Path) -> None:
    check(TARGETS[path.parent.name], path.read_bytes())


@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=512))
def test_random_bytes(name: str, data: bytes) -> None:
    check(TARGETS[name], data)
