"""FaultLog: the first fault of a reason in full, the rest as counts (no broker)."""

from __future__ import annotations

import logging

import pytest

from rstream_core import fault_log
from rstream_core.fault_log import FaultLog

log = logging.getLogger("test.faults")


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "test.faults"]


def test_first_in_full_then_counted_until_flush(caplog: pytest.LogCaptureFixture) -> None:
    faults = FaultLog(log, "subscription to s")
    with caplog.at_level(logging.INFO, logger="test.faults"):
        for offset in range(1000):
            faults.report("skipped a record", f"offset {offset}", ValueError("bad"))
        assert lines(caplog) == [
            "subscription to s: skipped a record at offset 0: ValueError: bad "
            "(further ones for this reason are counted, not logged)"
        ]
        faults.flush()
        faults.flush()  # nothing new: nothing logged
    assert len(lines(caplog)) == 2
    assert lines(caplog)[1].startswith("subscription to s: skipped a record 999 more times "
                                       "(ValueError)")
    assert lines(caplog)[1].endswith("the last at offset 999")


def test_each_reason_has_its_own_line(caplog: pytest.LogCaptureFixture) -> None:
    faults = FaultLog(log, "x")
    with caplog.at_level(logging.INFO, logger="test.faults"):
        faults.report("failed", "offset 1", ValueError())
        faults.report("failed", "offset 2", KeyError("k"), traceback=True, level=logging.ERROR)
        faults.report("failed", "offset 3", KeyError("k"))
        faults.flush()
    records = [r for r in caplog.records if r.name == "test.faults"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.ERROR, logging.ERROR]
    assert records[0].exc_info is None and records[1].exc_info is not None
    assert "1 more time (KeyError)" in records[2].getMessage()


def test_a_count_is_logged_once_the_interval_passed(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [100.0]
    monkeypatch.setattr(fault_log.time, "monotonic", lambda: now[0])
    faults = FaultLog(log, "x", interval=30)
    with caplog.at_level(logging.INFO, logger="test.faults"):
        for step in range(100):  # one fault a second for 100 s
            now[0] = 100.0 + step
            faults.report("failed", f"offset {step}", ValueError())
    messages = lines(caplog)
    assert len(messages) == 4  # the first, then one count every 30 s
    assert "failed 30 more times (ValueError) in the last 30 s, the last at offset 30" in (
        messages[1]
    )
