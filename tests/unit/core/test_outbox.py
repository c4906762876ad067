"""The outbox on its own, the way h11 tests its state machine: plain calls, no event loop,
no socket, no broker. Each test drives one edge and checks the frames it plans (decoded back
with the protocol codec) or the statuses it reports."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rstream import ConfirmationStatus
from rstream_core.errors import MessageTooLargeError, RStreamError
from rstream_core.outbox import BATCH_BYTES, Outbox
from rstream_core.protocol.codec import decode_frame
from rstream_core.protocol.constants import Code
from rstream_core.protocol.frames import Publish, PublishV2, SubEntryBatch
from rstream_core.protocol.publish import ENTRY_OVERHEAD, PUBLISH_HEADER_SIZE
from rstream_core.types import CONFIRM_TIMEOUT_CODE, PRODUCER_CLOSED_CODE


class Hooks:
    """What the shell is told: flushes asked for, the window filling, results queued."""

    def __init__(self) -> None:
        self.now = 0
        self.soon = 0
        self.full = 0
        self.queued = 0
        self.failures: list[BaseException] = []

    def outbox(self, **settings: object) -> Outbox:
        outbox = Outbox(
            flush_now=self._now,
            flush_soon=self._soon,
            window_full=self._full,
            results_queued=self._queued,
            callback_failed=self.failures.append,
            **settings,  # type: ignore[arg-type]
        )
        outbox.attach(publisher_id=7, frame_max=1024 * 1024)
        return outbox

    def _now(self) -> None:
        self.now += 1

    def _soon(self) -> None:
        self.soon += 1

    def _full(self) -> None:
        self.full += 1

    def _queued(self) -> None:
        self.queued += 1


class Message:
    """A message carrying its own publishing id (as AMQPMessage does)."""

    def __init__(self, body: bytes, publishing_id: int | None) -> None:
        self.body = body
        self.publishing_id = publishing_id

    def __bytes__(self) -> bytes:
        return self.body


class Gzip:
    code = 1

    def compress(self, data: bytes) -> bytes:
        return gzip.compress(data)

    def decompress(self, data: bytes, uncompressed_size: int) -> bytes:
        return gzip.decompress(data)


def entries(frames: list[bytes]) -> list[tuple[int, bytes]]:
    """(publishing id, data) of every simple entry of the planned frames, in order."""
    found = []
    for frame in frames:
        decoded = decode_frame(frame[4:])
        assert isinstance(decoded, Publish | PublishV2)
        assert decoded.publisher_id == 7
        found += [(e.publishing_id, e.data) for e in decoded.entries
                  if not isinstance(e, SubEntryBatch)]
    return found


def recorder() -> tuple[list[ConfirmationStatus], object]:
    statuses: list[ConfirmationStatus] = []
    return statuses, statuses.append


# ------------------------------------------------------------ ids and the pending batch


def test_ids_count_up_from_one_and_the_batch_waits_for_the_loop() -> None:
    hooks = Hooks()
    outbox = hooks.outbox()
    assert [outbox.append(b"a", None), outbox.append(b"b", None)] == [1, 2]
    assert outbox.append_batch([b"c", b"d"], None) == [3, 4]
    assert (hooks.now, hooks.soon) == (0, 3)  # small: written once the loop is free
    assert entries(outbox.take_frames()) == [(1, b"a"), (2, b"b"), (3, b"c"), (4, b"d")]
    assert not outbox.has_pending and outbox.take_frames() == []
    assert list(outbox.unconfirmed) == [1, 2, 3, 4]  # until the broker confirms them


def test_a_full_batch_asks_to_be_written_now() -> None:
    hooks = Hooks()
    outbox = hooks.outbox()
    body = b"x" * 1000
    count = BATCH_BYTES // (len(body) + ENTRY_OVERHEAD) + 1
    for _ in range(count):
        outbox.append(body, None)
    assert hooks.now == 1 and hooks.soon == count - 1


def test_the_stored_sequence_of_a_name_sets_the_next_id() -> None:
    outbox = Hooks().outbox(named=True)
    outbox.next_id = 41  # what the shell sets after QueryPublisherSequence said 40
    assert outbox.append(b"a", None) == 41


def test_a_batch_larger_than_a_frame_is_cut_into_frames_in_order() -> None:
    outbox = Hooks().outbox()
    outbox.attach(publisher_id=7, frame_max=PUBLISH_HEADER_SIZE + 3 * (100 + ENTRY_OVERHEAD))
    bodies = [bytes([i]) * 100 for i in range(10)]
    outbox.append_batch(bodies, None)
    frames = outbox.take_frames()
    assert len(frames) == 4  # 3 + 3 + 3 + 1 entries
    assert all(len(frame) - 4 <= outbox.frame_max for frame in frames)  # the body
    assert entries(frames) == list(zip(range(1, 11), bodies, strict=True))


def test_filter_values_travel_in_publish_v2() -> None:
    outbox = Hooks().outbox(filtering=True)
    outbox.append(b"a", None, "red")
    outbox.append(b"b", None, None)
    [frame] = outbox.take_frames()
    decoded = decode_frame(frame[4:])
    assert isinstance(decoded, PublishV2)
    assert [(e.publishing_id, e.filter_value) for e in decoded.entries] == [(1, "red"), (2, None)]
    with pytest.raises(RStreamError, match="sub-entry"):
        outbox.append_sub_entry([b"c"], Gzip(), None)


def test_a_sub_entry_batch_is_written_at_once_between_simple_messages() -> None:
    hooks = Hooks()
    outbox = hooks.outbox()
    outbox.append(b"before", None)
    assert outbox.append_sub_entry([b"one", b"two"], Gzip(), None) == 2
    assert hooks.now == 1
    outbox.append(b"after", None)
    frames = outbox.take_frames()
    kinds = []
    for frame in frames:
        decoded = decode_frame(frame[4:])
        assert isinstance(decoded, Publish)
        kinds += [(e.publishing_id, type(e).__name__) for e in decoded.entries]
    assert kinds == [(1, "PublishEntry"), (2, "SubEntryBatch"), (3, "PublishEntry")]


def test_a_message_too_large_for_a_frame_is_refused_and_leaves_nothing() -> None:
    outbox = Hooks().outbox()
    outbox.attach(publisher_id=7, frame_max=1000)
    with pytest.raises(MessageTooLargeError):
        outbox.append(b"x" * 1000, None)
    with pytest.raises(MessageTooLargeError, match="nothing of this batch"):
        outbox.append_batch([b"small", b"x" * 1000], None)
    assert not outbox.unconfirmed and not outbox.has_pending and outbox.next_id == 1


# ------------------------------------------------------------ the window


def test_the_window_counts_unconfirmed_messages_and_says_when_it_is_full() -> None:
    hooks = Hooks()
    outbox = hooks.outbox(max_unconfirmed=3)
    outbox.append_batch([b"a", b"b"], None)
    assert outbox.has_room_for(1) and not outbox.has_room_for(2) and hooks.full == 0
    outbox.append(b"c", None)
    assert outbox.window_full() and hooks.full == 1
    outbox.confirm([1])
    assert not outbox.window_full() and outbox.in_flight == 2


# ------------------------------------------------------------ settling


def test_confirms_call_each_callback_once_and_ignore_unknown_ids() -> None:
    outbox = Hooks().outbox()
    statuses, on_confirm = recorder()
    outbox.append_batch([b"a", b"b", b"c"], on_confirm)  # type: ignore[arg-type]
    outbox.confirm([2, 99, 1])
    outbox.confirm([2])  # a second confirm of the same id
    assert [(s.message_id, s.is_confirmed) for s in statuses] == [(2, True), (1, True)]
    assert list(outbox.unconfirmed) == [3]


def test_a_refusal_reports_the_code_but_a_dropped_publisher_waits_for_recovery() -> None:
    outbox = Hooks().outbox()
    statuses, on_confirm = recorder()
    outbox.append_batch([b"a", b"b"], on_confirm)  # type: ignore[arg-type]
    outbox.refuse([(1, Code.STREAM_DOES_NOT_EXIST), (2, Code.PUBLISHER_DOES_NOT_EXIST)])
    assert [(s.message_id, s.is_confirmed, s.response_code) for s in statuses] == [
        (1, False, Code.STREAM_DOES_NOT_EXIST)
    ]
    assert list(outbox.unconfirmed) == [2]


def test_a_failing_callback_is_reported_and_settling_goes_on() -> None:
    hooks = Hooks()
    outbox = hooks.outbox()

    def broken(status: ConfirmationStatus) -> None:
        raise ValueError(f"no {status.message_id}")

    outbox.append_batch([b"a", b"b"], broken)
    outbox.confirm([1, 2])
    assert [str(e) for e in hooks.failures] == ["no 1", "no 2"]
    assert not outbox.unconfirmed


def test_what_a_callback_returns_is_queued_for_the_shell_and_holds_a_slot() -> None:
    hooks = Hooks()
    outbox = hooks.outbox(max_unconfirmed=2)
    outbox.append_batch([b"a", b"b"], lambda status: ("awaitable", status.message_id))
    outbox.confirm([1, 2])
    assert outbox.results == [("awaitable", 1), ("awaitable", 2)] and hooks.queued == 1
    outbox.recount_extra()
    assert not outbox.unconfirmed and outbox.window_full()  # the results still count
    outbox.results_ended(1)
    assert outbox.in_flight == 1
    outbox.clear_results()
    assert outbox.in_flight == 0


def test_timeouts_expire_what_was_written_before_the_deadline_only() -> None:
    outbox = Hooks().outbox()
    statuses, on_confirm = recorder()
    outbox.append_batch([b"a", b"b"], on_confirm)  # type: ignore[arg-type]
    outbox.take_frames()
    outbox.written(10.0)
    outbox.append(b"c", on_confirm)  # type: ignore[arg-type]
    outbox.take_frames()
    outbox.written(20.0)
    outbox.confirm([2])
    outbox.expire(deadline=15.0)
    assert [(s.message_id, s.is_confirmed, s.response_code, s.timed_out) for s in statuses] == [
        (2, True, 1, False),
        (1, False, CONFIRM_TIMEOUT_CODE, True),
    ]
    outbox.expire(deadline=15.0)  # nothing more is late
    assert list(outbox.unconfirmed) == [3]
    outbox.expire(deadline=21.0)
    assert not outbox.unconfirmed


def test_failing_all_settles_repeats_too_and_empties_the_batch() -> None:
    outbox = Hooks().outbox(named=True)
    statuses, on_confirm = recorder()
    for _ in range(3):
        outbox.append(Message(b"m", 5), on_confirm)  # type: ignore[arg-type]
    outbox.append(b"n", on_confirm)  # type: ignore[arg-type]
    outbox.fail_all(PRODUCER_CLOSED_CODE)
    failed = sorted((s.message_id, s.response_code) for s in statuses)
    assert failed == [(5, PRODUCER_CLOSED_CODE)] * 3 + [(6, PRODUCER_CLOSED_CODE)]
    assert not outbox.unconfirmed and not outbox.has_pending and outbox.in_flight == 0


# ------------------------------------------------------------ deduplication


def test_repeats_wait_behind_their_first_and_are_flagged_deduplicated() -> None:
    outbox = Hooks().outbox(named=True)
    statuses, on_confirm = recorder()
    for _ in range(3):
        outbox.append(Message(b"m", 0), on_confirm)  # type: ignore[arg-type]
    assert len(outbox.unconfirmed) == 1 and outbox.repeat_count == 2 and outbox.in_flight == 3
    assert [i for i, _ in entries(outbox.take_frames())] == [0, 0, 0]  # all three are sent
    outbox.confirm([0, 0, 0])
    assert [s.deduplicated for s in statuses] == [False, True, True]
    assert outbox.in_flight == 0


def test_an_id_below_the_highest_sent_is_a_duplicate_for_a_named_producer_only() -> None:
    for named, expected in ((True, True), (False, False)):
        outbox = Hooks().outbox(named=named)
        statuses, on_confirm = recorder()
        outbox.append(b"a", on_confirm)  # type: ignore[arg-type]  # id 1
        outbox.append(Message(b"old", 1), on_confirm)  # type: ignore[arg-type]  # repeats 1
        outbox.confirm([1, 1])
        assert [s.deduplicated for s in statuses] == [False, expected]


# ------------------------------------------------------------ recovery


def test_requeue_confirms_what_the_name_stored_and_resends_the_rest_in_order() -> None:
    outbox = Hooks().outbox(named=True)
    statuses, on_confirm = recorder()
    outbox.append_batch([b"1", b"2", b"3", b"4"], on_confirm)  # type: ignore[arg-type]
    outbox.take_frames()  # written, then the connection dropped
    outbox.requeue(stored_sequence=2)
    assert [(s.message_id, s.is_confirmed) for s in statuses] == [(1, True), (2, True)]
    assert entries(outbox.take_frames()) == [(3, b"3"), (4, b"4")]


def test_requeue_without_a_name_resends_everything_repeats_after_their_first() -> None:
    outbox = Hooks().outbox()
    outbox.append(Message(b"a", 1), None)
    outbox.append(b"b", None)  # id 2
    outbox.append(Message(b"a again", 1), None)
    outbox.take_frames()
    outbox.requeue(stored_sequence=0)
    assert entries(outbox.take_frames()) == [(1, b"a"), (1, b"a again"), (2, b"b")]


def test_requeue_keeps_sub_entry_batches_in_their_place() -> None:
    outbox = Hooks().outbox()
    outbox.append(b"a", None)
    outbox.append_sub_entry([b"b", b"c"], Gzip(), None)
    outbox.append(b"d", None)
    outbox.take_frames()
    outbox.requeue(stored_sequence=0)
    ids = []
    for frame in outbox.take_frames():
        decoded = decode_frame(frame[4:])
        assert isinstance(decoded, Publish)
        ids += [e.publishing_id for e in decoded.entries]
    assert ids == [1, 2, 3]


@given(
    st.lists(
        st.one_of(st.just("send"), st.just("batch"), st.just("confirm"), st.just("drop")),
        max_size=40,
    )
)
def test_every_message_is_settled_exactly_once_through_drops(steps: list[str]) -> None:
    """Sends, confirms of the oldest and drops (resend) in any order, then confirm all: each
    message is confirmed once, and what is resent is always in id order."""
    outbox = Hooks().outbox()
    statuses, on_confirm = recorder()
    sent = 0
    for step in steps:
        if step == "send":
            outbox.append(b"m", on_confirm)  # type: ignore[arg-type]
            sent += 1
        elif step == "batch":
            outbox.append_batch([b"m"] * 3, on_confirm)  # type: ignore[arg-type]
            sent += 3
        elif step == "confirm" and outbox.unconfirmed:
            outbox.confirm([next(iter(outbox.unconfirmed))])
        elif step == "drop":
            outbox.take_frames()
            outbox.requeue(stored_sequence=0)
            resent = [i for i, _ in entries(outbox.take_frames())]
            assert resent == sorted(resent) == list(outbox.unconfirmed)
    outbox.confirm(list(outbox.unconfirmed))
    assert sorted(s.message_id for s in statuses) == list(range(1, sent + 1))
    assert outbox.in_flight == 0
