"""The publisher's confirm logic without a broker: repeated publishing ids, the deduplicated
flag, async confirm callbacks (order, the window, failures) and the rate-limited log."""

from __future__ import annotations

import asyncio
import logging

import pytest

from rstream import AMQPMessage, ConfirmationStatus
from rstream_core.types import PRODUCER_CLOSED_CODE

from .attached import attached_publisher, close, confirm, refuse


def with_id(publishing_id: int, body: bytes = b"x") -> AMQPMessage:
    message = AMQPMessage(body=body)
    message.publishing_id = publishing_id
    return message


def recorder() -> tuple[list[ConfirmationStatus], object]:
    statuses: list[ConfirmationStatus] = []
    return statuses, statuses.append


# ------------------------------------------------------------ repeated ids, deduplication


async def test_a_repeated_id_is_sent_and_each_message_gets_one_confirmation() -> None:
    publisher = attached_publisher("p")
    statuses, on_confirm = recorder()
    ids = [publisher.append(with_id(0), on_confirm) for _ in range(3)]
    publisher.flush()
    assert ids == [0, 0, 0]
    assert publisher.unconfirmed_count == 1  # the first; the two others wait behind it
    assert not publisher.has_room_for(publisher.outbox.max_unconfirmed - 2)  # all three count
    frames = publisher._client.connection.written  # type: ignore[union-attr]
    assert len(frames) == 1 and frames[0].count(b"\x00" * 8) >= 3  # three entries of id 0
    confirm(publisher, 0, 0)
    confirm(publisher, 0)
    assert [(s.message_id, s.is_confirmed, s.deduplicated) for s in statuses] == [
        (0, True, False),  # the first of id 0 is stored
        (0, True, True),  # the broker drops the others (a named producer)
        (0, True, True),
    ]
    assert publisher.unconfirmed_count == 0 and publisher._drained.is_set()
    confirm(publisher, 0)  # a stray confirm changes nothing
    assert len(statuses) == 3


async def test_the_seed_deduplication_loop() -> None:
    # The seed's example: ids 0..9, each sent 5 times in a row by a named producer.
    publisher = attached_publisher("publisher_name")
    statuses, on_confirm = recorder()
    for j in range(10):
        for _ in range(5):
            publisher.append(with_id(j), on_confirm)
    publisher.flush()
    confirm(publisher, *[j for j in range(10) for _ in range(5)])
    assert len(statuses) == 50
    assert sum(not s.deduplicated for s in statuses) == 10
    assert sorted(s.message_id for s in statuses if not s.deduplicated) == list(range(10))


async def test_ids_not_above_the_stored_sequence_are_duplicates() -> None:
    publisher = attached_publisher("p", stored_sequence=10)
    statuses, on_confirm = recorder()
    for publishing_id in (5, 10, 11):
        publisher.append(with_id(publishing_id), on_confirm)
    publisher.append(AMQPMessage(body=b"auto"), on_confirm)  # takes 12
    confirm(publisher, 5, 10, 11, 12)
    assert [(s.message_id, s.deduplicated) for s in statuses] == [
        (5, True), (10, True), (11, False), (12, False)
    ]


async def test_without_a_name_nothing_is_deduplicated() -> None:
    publisher = attached_publisher(None)
    statuses, on_confirm = recorder()
    for _ in range(3):
        publisher.append(with_id(7), on_confirm)
    confirm(publisher, 7, 7, 7)
    assert [s.deduplicated for s in statuses] == [False, False, False]


async def test_a_batch_may_repeat_ids() -> None:
    publisher = attached_publisher("p")
    statuses, on_confirm = recorder()
    ids = publisher.append_batch([with_id(1), with_id(1), AMQPMessage(body=b"a")], on_confirm)
    assert ids == [1, 1, 2]
    confirm(publisher, 1, 2, 1)
    assert sorted((s.message_id, s.deduplicated) for s in statuses) == [
        (1, False), (1, True), (2, False)
    ]


async def test_a_refused_repeat_is_not_called_deduplicated() -> None:
    publisher = attached_publisher("p")
    statuses, on_confirm = recorder()
    publisher.append(with_id(3), on_confirm)
    publisher.append(with_id(3), on_confirm)
    refuse(publisher, 3, 16)
    refuse(publisher, 3, 16)
    assert [(s.is_confirmed, s.response_code, s.deduplicated) for s in statuses] == [
        (False, 16, False), (False, 16, False)
    ]


async def test_closing_fails_every_repeat_too() -> None:
    publisher = attached_publisher("p")
    publisher._client = None  # nothing to release on close
    statuses, on_confirm = recorder()
    for _ in range(4):
        publisher.append(with_id(9), on_confirm)
    await publisher.close(timeout=0)
    assert [(s.message_id, s.response_code) for s in statuses] == [(9, PRODUCER_CLOSED_CODE)] * 4
    assert publisher.outbox.repeat_count == 0 and publisher.outbox.extra_in_flight == 0


async def test_recovery_resends_repeats_right_after_their_first() -> None:
    publisher = attached_publisher(None)
    for publishing_id in (1, 2, 1, 3, 1):
        publisher.append(with_id(publishing_id, b"%d" % publishing_id), None)
    assert [i for i, _, _ in publisher.outbox.unsettled()] == [1, 1, 1, 2, 3]


# ------------------------------------------------------------ async confirm callbacks


async def test_async_callbacks_run_in_order_and_count_against_the_window() -> None:
    publisher = attached_publisher(None, max_unconfirmed=10)
    finished: list[int] = []
    gate = asyncio.Event()

    async def on_confirm(status: ConfirmationStatus) -> None:
        if status.message_id == 2:
            await gate.wait()  # this one suspends: those after it must wait for it
        finished.append(status.message_id)

    ids = [publisher.append(AMQPMessage(body=b"m"), on_confirm) for _ in range(5)]
    publisher.flush()
    confirm(publisher, *ids)
    assert publisher.unconfirmed_count == 0
    assert not publisher.has_room_for(6)  # the five callbacks are not finished yet
    await asyncio.sleep(0.01)
    assert finished == [1]
    assert publisher.has_room_for(6) and not publisher.has_room_for(7)  # four still running
    assert not publisher._drained.is_set()
    gate.set()
    await asyncio.sleep(0.01)
    assert finished == [1, 2, 3, 4, 5]
    assert publisher.has_room_for(10) and publisher._drained.is_set()
    await close(publisher)


async def test_a_sender_blocked_by_slow_callbacks_resumes_when_they_end() -> None:
    publisher = attached_publisher(None, max_unconfirmed=4)
    gate = asyncio.Event()

    async def on_confirm(status: ConfirmationStatus) -> None:
        await gate.wait()

    ids = [publisher.append(AMQPMessage(body=b"m"), on_confirm) for _ in range(4)]
    confirm(publisher, *ids)
    assert not publisher.accepting
    waiting = asyncio.create_task(publisher.wait_ready())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    gate.set()
    await asyncio.wait_for(waiting, 1)
    assert publisher.accepting
    await close(publisher)


async def test_async_callback_failures_are_logged_once_then_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    publisher = attached_publisher(None)

    async def on_confirm(status: ConfirmationStatus) -> None:
        raise KeyError(status.message_id)

    ids = [publisher.append(AMQPMessage(body=b"m"), on_confirm) for _ in range(50)]
    confirm(publisher, *ids)
    with caplog.at_level(logging.ERROR, logger="rstream.producer"):
        await asyncio.sleep(0.01)
        records = [r for r in caplog.records if r.name == "rstream.producer"]
        assert len(records) == 1 and records[0].exc_info is not None
        await close(publisher)  # the count of the others is logged on close
    records = [r for r in caplog.records if r.name == "rstream.producer"]
    assert len(records) == 2
    assert "49 more times (KeyError)" in records[1].getMessage()


async def test_sync_callback_failures_are_rate_limited_too(
    caplog: pytest.LogCaptureFixture,
) -> None:
    publisher = attached_publisher(None)

    def on_confirm(status: ConfirmationStatus) -> None:
        raise ValueError("boom")

    ids = [publisher.append(AMQPMessage(body=b"m"), on_confirm) for _ in range(1000)]
    with caplog.at_level(logging.ERROR, logger="rstream.producer"):
        confirm(publisher, *ids)
    assert len([r for r in caplog.records if r.name == "rstream.producer"]) == 1
    await close(publisher)


async def test_close_waits_for_async_callbacks_already_called() -> None:
    publisher = attached_publisher(None)
    publisher._client = None
    finished: list[int] = []

    async def on_confirm(status: ConfirmationStatus) -> None:
        await asyncio.sleep(0.01)
        finished.append(status.response_code)

    publisher.append(AMQPMessage(body=b"m"), on_confirm)
    await publisher.close(timeout=1)
    assert finished == [PRODUCER_CLOSED_CODE]
    assert publisher._callback_runner is None


# ------------------------------------------------------------ states


async def test_publisher_states_and_their_guards() -> None:
    from rstream_core.errors import ConnectionClosedError
    from rstream_core.publisher import PublisherState

    publisher = attached_publisher(None)
    assert publisher.state is PublisherState.READY and publisher.accepting
    statuses, on_confirm = recorder()
    publisher.append(AMQPMessage(body=b"m"), on_confirm)
    publisher.on_stream_unavailable("dropped")  # recovery is off in attached_publisher
    assert publisher.state is PublisherState.FAILED and publisher.failed
    assert not publisher.accepting and statuses[0].response_code == 10002
    with pytest.raises(ConnectionClosedError):
        await publisher.wait_ready()
    with pytest.raises(RuntimeError, match="from failed to ready"):
        publisher._enter(PublisherState.READY)
    publisher._recover = lambda: asyncio.sleep(0)  # type: ignore[method-assign]
    publisher.reconnect()  # by hand, after a drop with recovery off
    assert publisher.state is PublisherState.RECOVERING and not publisher.failed
    publisher.reconnect()  # already recovering: nothing more
    assert sum(t.get_name() == "recover" for t in publisher._tasks) == 1
    await close(publisher)
    assert publisher.state is PublisherState.CLOSED and publisher.closed
    await publisher.close()  # idempotent


@pytest.mark.parametrize("outcome", ["deleted", "attached"])
async def test_a_recovery_that_ends_after_close_changes_nothing(outcome: str) -> None:
    """close() cancels recovery, but an attempt may end (deleted stream, or re-attached)
    just before the cancellation lands: the closed publisher stays closed."""
    from rstream_core.errors import StreamDoesNotExist
    from rstream_core.publisher import PublisherState

    publisher = attached_publisher("p")

    async def attach() -> int:
        await close(publisher)  # closed while the attempt runs
        if outcome == "deleted":
            raise StreamDoesNotExist.for_code(2, "gone")
        return 0

    publisher._attach = attach  # type: ignore[method-assign]
    await publisher._recover()
    assert publisher.state is PublisherState.CLOSED


async def test_async_callbacks_are_called_only_when_the_task_runs_them() -> None:
    publisher = attached_publisher(None)
    order: list[int] = []

    async def on_confirm(status: ConfirmationStatus) -> None:
        order.append(status.message_id)

    class UnhashableAsync:
        __hash__ = None  # type: ignore[assignment]

        async def __call__(self, status: ConfirmationStatus) -> None:
            order.append(-status.message_id)

    ids = [publisher.append(AMQPMessage(body=b"m"), on_confirm) for _ in range(3)]
    other = publisher.append(AMQPMessage(body=b"m"), UnhashableAsync())
    confirm(publisher, *ids, other)
    # Queued as publishing ids for the known async callback, as a coroutine for the other.
    outbox = publisher.outbox
    assert outbox.results[:3] == ids and outbox.result_callbacks[:3] == [on_confirm] * 3
    assert order == []
    await asyncio.sleep(0.01)
    assert order == [*ids, -other]
    await close(publisher)
