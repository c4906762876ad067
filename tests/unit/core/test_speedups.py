"""The core's optional C extension gives what the pure-Python functions give.

`encode_publish` must return the exact bytes of `python_encode_publish` (vectors and
hypothesis) or NotImplemented for what it leaves to Python; `encode_as_is` and
`settle_confirmed` must do what `python_encode_as_is` and `python_settle_confirmed` do, call for
call. Each check runs the C function whenever it is
built, whatever RSTREAM_NO_EXTENSIONS says; only where no compiler built it (never in CI) are
the C checks skipped.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rstream_core import hot_paths, speedups
from rstream_core.protocol import publish
from rstream_core.protocol import speedups as protocol_speedups
from rstream_core.protocol.publish import python_encode_publish
from rstream_core.types import ConfirmationStatus
from tests.extensions import run_python

C = speedups.load_speedups(ignore_environment=True)
# The protocol's own extension (encode_publish, read_simple_entries).
P = protocol_speedups.load_speedups(ignore_environment=True)
needs_c = pytest.mark.skipif(
    (C is None or P is None) and not os.environ.get("CI"), reason="the C extensions are not built"
)

u64 = st.integers(0, (1 << 64) - 1)


@needs_c
def test_publish_vector() -> None:
    assert C is not None
    frame = P.encode_publish(5, [1, 2], [b"abc", b""])
    assert frame == python_encode_publish(5, [1, 2], [b"abc", b""])
    assert frame.hex() == (
        "00000024" "0002" "0001" "05" "00000002"
        "0000000000000001" "00000003" "616263" "0000000000000002" "00000000"
    )


@needs_c
@settings(max_examples=200, deadline=None)
@given(
    publisher_id=st.integers(0, 255),
    data=st.data(),
    batch=st.lists(st.binary(max_size=300), max_size=40),
)
def test_c_encode_publish_gives_the_python_bytes(
    publisher_id: int, data: st.DataObject, batch: list[bytes]
) -> None:
    assert C is not None
    ids = data.draw(st.lists(u64, min_size=len(batch), max_size=len(batch)))
    assert P.encode_publish(publisher_id, ids, batch) == python_encode_publish(
        publisher_id, ids, batch
    )


@needs_c
@pytest.mark.parametrize(
    "arguments",
    [
        (256, [1], [b"x"]),
        (-1, [1], [b"x"]),
        (2**70, [1], [b"x"]),
        (1, [1 << 64], [b"x"]),
        (1, [-1], [b"x"]),
        (1, [1, 2], [b"x"]),
        (1, (1,), [b"x"]),
        (1, [1], (b"x",)),
        (1, [1], [bytearray(b"x")]),
        (1, [1.0], [b"x"]),
        (True, [1], [b"x"]),
        ("1", [1], [b"x"]),
        (1, [1], [b"x"], None),
    ],
)
def test_c_encode_publish_leaves_other_arguments_to_python(arguments: tuple[Any, ...]) -> None:
    assert C is not None
    assert P.encode_publish(*arguments) is NotImplemented


@pytest.mark.parametrize(
    ("publisher_id", "ids", "messages"),
    [(256, [1], [b"x"]), (1, [1 << 64], [b"x"]), (1, [1, 2], [b"x"])],
)
def test_encode_publish_raises_value_error_whichever_path(
    publisher_id: int, ids: list[int], messages: list[bytes]
) -> None:
    with pytest.raises(ValueError):
        publish.encode_publish(publisher_id, ids, messages)


def test_encode_publish_takes_tuples_and_bytes_like_values() -> None:
    # Left to Python by the C function, encoded all the same.
    expected = python_encode_publish(1, [7], [b"ab"])
    assert publish.encode_publish(1, (7,), (bytearray(b"ab"),)) == expected


# ------------------------------------------------------------------ encode_as_is


class Carrier:
    """A message type of its own: __bytes__ and a publishing id."""

    def __init__(self, data: Any, publishing_id: int | None = None) -> None:
        self.data = data
        self.publishing_id = publishing_id

    def __bytes__(self) -> Any:
        return self.data


class Failing:
    def __bytes__(self) -> bytes:
        raise ArithmeticError("cannot encode")


def _batches() -> list[Any]:
    from rstream import AMQPMessage, RawMessage

    return [
        [],
        [b"a", b"bc"],
        (b"a", b"bc"),
        [AMQPMessage(b"x"), AMQPMessage(b"y", publishing_id=7)],
        [AMQPMessage(b"x"), RawMessage(b"raw"), b"bytes", Carrier(b"c")],
        [RawMessage(b"raw", publishing_id=3)],
        [Carrier(b"c"), Carrier(b"d", 5)],
        [Carrier(bytearray(b"not bytes"))],
        [bytearray(b"ba"), memoryview(b"mv")],
        [b"a", bytearray(b"b")],
        [AMQPMessage(b"x" * 300)],
        (m for m in [b"generator"]),
    ]


@pytest.mark.parametrize("index", range(len(_batches())))
def test_encode_as_is_gives_the_python_result(index: int) -> None:
    expected = hot_paths.python_encode_as_is(list(_batches()[index]))
    assert hot_paths.encode_as_is(list(_batches()[index])) == expected
    if C is not None:
        result = C.encode_as_is(_batches()[index])
        assert result is NotImplemented or result == expected


@needs_c
def test_c_encode_as_is_handles_the_usual_batches() -> None:
    from rstream import AMQPMessage

    assert C is not None
    batch = [AMQPMessage(b"x"), AMQPMessage(b"y", publishing_id=7)]
    assert C.encode_as_is(batch) == ([bytes(m) for m in batch], True)
    assert C.encode_as_is([b"a"]) == ([b"a"], False)
    assert C.encode_as_is([Carrier(bytearray(b"x"))]) == ([bytearray(b"x")], False)
    assert C.encode_as_is([bytearray(b"x")]) == ([b"x"], False)

    class Meta(type):
        pass

    class Odd(metaclass=Meta):
        def __bytes__(self) -> bytes:
            raise AssertionError("must not run: left to Python before any call")

    assert C.encode_as_is([Odd()]) is NotImplemented
    assert C.encode_as_is(iter([b"a"])) is NotImplemented


class Recorded:
    """A message that logs every call into it, and may change the batch it is in."""

    def __init__(self, log: list[str], name: str, batch: list[Any], change: str = "") -> None:
        self.log, self.name, self.batch, self.change = log, name, batch, change

    def __bytes__(self) -> bytes:
        self.log.append(f"bytes {self.name}")
        if self.change == "clear":
            self.batch.clear()
        elif self.change == "grow":
            self.batch.append(Recorded(self.log, "late", self.batch))
        elif self.change == "raise":
            raise KeyError(self.name)
        return self.name.encode()

    @property
    def publishing_id(self) -> int | None:
        self.log.append(f"id {self.name}")
        if self.change == "bad id":
            raise ValueError(self.name)
        return None


@pytest.mark.parametrize(
    "changes",
    [("", ""), ("clear", ""), ("", "grow"), ("raise", "bad id"), ("bad id", "raise"), ("grow",)],
)
@needs_c
def test_c_encode_as_is_calls_python_as_python_does(changes: tuple[str, ...]) -> None:
    # Found by review: the C loop read past a list that __bytes__ had shortened, and raised a
    # different exception than Python when both a __bytes__ and a publishing_id failed.
    assert C is not None
    outcomes = []
    for encode in (hot_paths.python_encode_as_is, C.encode_as_is):
        log: list[str] = []
        batch: list[Any] = []
        batch += [Recorded(log, str(i), batch, change) for i, change in enumerate(changes)]
        try:
            outcome: Any = encode(batch)
        except Exception as exc:
            outcome = repr(exc)
        outcomes.append((outcome, log))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("encode", [hot_paths.python_encode_as_is, hot_paths.encode_as_is])
def test_encode_as_is_lets_encoding_errors_through(encode: Callable[..., Any]) -> None:
    with pytest.raises(ArithmeticError):
        encode([b"ok", Failing()])


# ------------------------------------------------------------------ settle_confirmed

Settle = Callable[..., None]
SETTLERS: list[Any] = [pytest.param(hot_paths.python_settle_confirmed, id="python")]
if C is not None or os.environ.get("CI"):
    SETTLERS.append(pytest.param(C.settle_confirmed if C else None, id="c"))


class Recorder:
    """Callbacks, results and errors, in the order they happened."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def callback(self, status: ConfirmationStatus) -> None:
        self.events.append(("callback", status))

    def on_result(self, result: Any) -> None:
        self.events.append(("result", result))

    def on_error(self, error: BaseException) -> None:
        self.events.append(("error", repr(error)))


@pytest.mark.parametrize("settle", SETTLERS)
def test_settle_confirmed_calls_each_callback_once(settle: Settle) -> None:
    recorder = Recorder()
    unconfirmed: dict[int, Any] = {1: b"a", 2: b"b", 3: b"c", 4: b"d"}
    callbacks: dict[int, Any] = {1: recorder.callback, 2: recorder.callback, 4: None}
    # 2 twice (a repeated confirm), 3 without callback, 4 with None, 9 unknown.
    settle((1, 2, 2, 3, 4, 9), unconfirmed, callbacks, recorder.on_result, recorder.on_error)
    assert unconfirmed == {}
    assert callbacks == {}
    assert recorder.events == [
        ("callback", ConfirmationStatus(1, True, 1, False)),
        ("callback", ConfirmationStatus(2, True, 1, False)),
    ]
    status = recorder.events[0][1]
    assert type(status) is ConfirmationStatus
    assert (status.message_id, status.is_confirmed, status.response_code) == (1, True, 1)
    assert status.timed_out is False


@pytest.mark.parametrize("settle", SETTLERS)
def test_settle_confirmed_hands_on_results_and_errors(settle: Settle) -> None:
    recorder = Recorder()

    def failing(status: ConfirmationStatus) -> None:
        raise RuntimeError(f"bad {status.message_id}")

    def returning(status: ConfirmationStatus) -> str:
        return f"result {status.message_id}"

    unconfirmed = dict.fromkeys(range(1, 5), b"m")
    callbacks: dict[int, Any] = {1: failing, 2: returning, 3: recorder.callback, 4: failing}
    settle([1, 2, 3, 4], unconfirmed, callbacks, recorder.on_result, recorder.on_error)
    assert recorder.events == [
        ("error", "RuntimeError('bad 1')"),
        ("result", "result 2"),
        ("callback", ConfirmationStatus(3)),
        ("error", "RuntimeError('bad 4')"),
    ]
    assert unconfirmed == {}
    assert callbacks == {}


@pytest.mark.parametrize("settle", SETTLERS)
def test_settle_confirmed_lets_base_exceptions_through(settle: Settle) -> None:
    def interrupted(status: ConfirmationStatus) -> None:
        raise KeyboardInterrupt

    unconfirmed = {1: b"a", 2: b"b"}
    callbacks: dict[int, Any] = {1: interrupted, 2: interrupted}
    with pytest.raises(KeyboardInterrupt):
        settle([1, 2], unconfirmed, callbacks, print, print)
    assert unconfirmed == {2: b"b"}  # the loop stopped at the exception


@pytest.mark.parametrize("settle", SETTLERS)
def test_a_callback_may_change_the_tables(settle: Settle) -> None:
    unconfirmed = dict.fromkeys(range(1, 4), b"m")
    seen: list[int] = []

    def callback(status: ConfirmationStatus) -> None:
        seen.append(status.message_id)
        unconfirmed.pop(3, None)  # settled meanwhile by someone else
        callbacks.clear()

    callbacks: dict[int, Any] = {1: callback, 2: callback, 3: callback}
    settle([1, 2, 3], unconfirmed, callbacks, print, print)
    assert seen == [1]
    assert unconfirmed == {}


@pytest.mark.parametrize("settle", SETTLERS)
def test_the_id_list_may_shrink_meanwhile(settle: Settle) -> None:
    # Found by review: the C loop read past a list a callback had shortened.
    ids = [10**20, 10**20 + 1, 10**20 + 2]
    seen: list[int] = []

    def callback(status: ConfirmationStatus) -> None:
        seen.append(status.message_id)
        ids.clear()

    unconfirmed = dict.fromkeys(ids, b"m")
    settle(ids, unconfirmed, dict.fromkeys(ids, callback), print, print)
    assert seen == [10**20]


@pytest.mark.parametrize("settle", SETTLERS)
def test_a_none_message_is_settled_without_its_callback(settle: Settle) -> None:
    recorder = Recorder()
    unconfirmed: dict[int, Any] = {1: None}
    settle([1], unconfirmed, {1: recorder.callback}, print, print)
    assert unconfirmed == {}
    assert recorder.events == []


@pytest.mark.parametrize("settle", SETTLERS)
def test_on_error_gets_the_exception_outside_any_except(settle: Settle) -> None:
    import sys

    seen: list[Any] = []

    def failing(status: ConfirmationStatus) -> None:
        raise ValueError("from callback")

    def on_error(error: BaseException) -> None:
        seen.append((error, sys.exc_info()[1]))
        raise RuntimeError("from on_error")

    with pytest.raises(RuntimeError) as raised:
        settle([1], {1: b"m"}, {1: failing}, print, on_error)
    ((error, handled),) = seen
    assert repr(error) == "ValueError('from callback')"
    assert error.__traceback__ is not None
    assert handled is None
    assert raised.value.__context__ is None


def test_the_publisher_uses_the_c_loops_when_built() -> None:
    uses_c = hot_paths.settle_confirmed is not hot_paths.python_settle_confirmed
    assert uses_c == speedups.SPEEDUPS
    assert (hot_paths.encode_as_is is not hot_paths.python_encode_as_is) == speedups.SPEEDUPS
    assert (publish.encode_publish is not python_encode_publish) == protocol_speedups.SPEEDUPS


@pytest.mark.parametrize("disabled", [True, False])
def test_rstream_no_extensions_selects_the_python_paths(disabled: bool) -> None:
    output = run_python("from rstream_core import speedups; print(speedups.SPEEDUPS)",
                        no_extensions=disabled)
    assert output.strip() == str(C is not None and not disabled)


# ------------------------------------------------------------ run_coroutines and resume


def _run_coroutines_trace(run: Callable[..., Any]) -> list[Any]:
    """What `run` does with coroutines that end, raise and suspend, with publishing ids whose
    (deferred) callbacks do the same or raise when called, and with a non-coroutine."""
    trace: list[Any] = []

    async def ends(tag: str) -> str:
        trace.append(tag)
        return tag

    async def raises(tag: str) -> None:
        trace.append(tag)
        raise KeyError(tag)

    class Suspend:
        def __await__(self) -> Any:
            trace.append("suspend")
            return (yield "yielded")

    async def suspends() -> None:
        await Suspend()
        trace.append("never: nobody resumes it here")

    async def deferred(status: ConfirmationStatus) -> None:
        trace.append(("deferred", tuple(status)))
        if status.message_id == 9:
            await Suspend()

    def refuses(status: ConfirmationStatus) -> None:
        raise ValueError(status.message_id)

    results: list[Any] = [ends("a"), 7, raises("b"), 8, suspends(), 9, ends("d"), 42]
    callbacks: list[Any] = [None, deferred, None, refuses, None, deferred, None, None]
    on_error = lambda error: trace.append(repr(error))  # noqa: E731
    trace.append(run(results, callbacks, 0, on_error))
    trace.append(run(results, callbacks, 5, on_error))
    trace.append((type(results[5]).__name__, callbacks[5]))  # the coroutine took the id's place
    trace.append(run(results, callbacks, 6, on_error))
    trace.append(run(results, callbacks, 8, on_error))
    results[4].close()
    results[5].close()
    return trace


def test_python_run_coroutines() -> None:
    assert _run_coroutines_trace(hot_paths.python_run_coroutines) == [
        "a", ("deferred", (7, True, 1, False, False)), "b", "KeyError('b')", "ValueError(8)",
        "suspend", (4, True, "yielded"),
        ("deferred", (9, True, 1, False, False)), "suspend", (5, True, "yielded"),
        ("coroutine", None),
        "d", (7, False, None), (8, False, None),
    ]


@needs_c
def test_c_run_coroutines_does_what_python_does() -> None:
    assert C is not None
    assert _run_coroutines_trace(C.run_coroutines) == _run_coroutines_trace(
        hot_paths.python_run_coroutines
    )


@needs_c
def test_c_run_coroutines_lets_non_exceptions_through() -> None:
    assert C is not None

    async def interrupted() -> None:
        raise KeyboardInterrupt

    coroutine = interrupted()
    with pytest.raises(KeyboardInterrupt):
        C.run_coroutines([coroutine], [None], 0, lambda error: None)
    with pytest.raises(TypeError):
        C.run_coroutines((), [], 0, lambda error: None)
    with pytest.raises(ValueError, match="differ in length"):
        C.run_coroutines([1], [], 0, lambda error: None)


async def test_resume_goes_on_where_the_first_step_stopped() -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    first, second = loop.create_future(), loop.create_future()

    async def callback() -> str:
        a = await first
        b = await second
        return a + b

    coroutine = callback()
    yielded = coroutine.send(None)  # the first step: suspends on `first`
    assert yielded is first
    task = asyncio.ensure_future(hot_paths.resume(coroutine, yielded))
    first.set_result("x")
    await asyncio.sleep(0)
    second.set_result("y")
    assert await task == "xy"

    first, second = loop.create_future(), loop.create_future()
    blocked = callback()
    waiting = asyncio.ensure_future(hot_paths.resume(blocked, blocked.send(None)))
    await asyncio.sleep(0)
    waiting.cancel()  # the cancellation reaches the callback's own await
    with pytest.raises(asyncio.CancelledError):
        await waiting


# ------------------------------------------------------------ deliver


class _Subscription:
    """What deliver reads and writes of a subscription."""

    def __init__(self, last_offset: int) -> None:
        self.last_offset = last_offset
        self.active = True


def _deliver_trace(
    run: Callable[..., Any], records: list[bytes], last: int, start: int, plan: dict[int, str]
) -> list[Any]:
    """Everything `run` (deliver) does, for records whose fate `plan` sets by content:
    "undecodable", "filtered", "predicate fails", "fails", "async", "suspends", "async fails",
    "deactivates" (the callback turns the subscription inactive)."""
    trace: list[Any] = []
    subscription = _Subscription(last)

    def decoder(record: bytes) -> str:
        if plan.get(record[0]) == "undecodable":
            raise ValueError(record)
        return record.decode()

    def predicate(message: str) -> bool:
        fate = plan.get(ord(message[0]))
        if fate == "predicate fails":
            raise KeyError(message)
        return fate != "filtered"

    class Suspend:
        def __await__(self) -> Any:
            return (yield "suspended")

    async def async_callback(message: str, context: Any) -> None:
        trace.append(("async", message, context.offset))
        fate = plan.get(ord(message[0]))
        if fate == "suspends":
            await Suspend()
        if fate == "async fails":
            raise RuntimeError(message)

    def callback(message: str, context: Any) -> Any:
        fate = plan.get(ord(message[0]))
        if fate in ("async", "suspends", "async fails"):
            return async_callback(message, context)
        trace.append((message, context.offset, context.stream, context.timestamp))
        if fate == "fails":
            raise TypeError(message)
        if fate == "deactivates":
            subscription.active = False
        return 42  # a plain callback's result is ignored

    index = start
    while index < len(records):
        index, error, pending = run(
            records, index, 100, subscription, decoder, predicate, callback,
            lambda error, offset: trace.append(("error", repr(error), offset)),
            None, "s", 1, "ref", 7,
        )
        trace.append(("returned", index, repr(error), subscription.last_offset))
        if pending is not None:
            coroutine, yielded = pending
            trace.append(("pending", yielded))
            coroutine.close()
        index += 1
    return trace


_FATES = ["undecodable", "filtered", "predicate fails", "fails", "async", "suspends",
          "async fails", "deactivates"]
# Chunks of records "Ax".."Zx", each letter's fate set by the plan, after some last offset.
_deliveries = given(
    records=st.lists(st.integers(65, 90).map(lambda c: bytes([c]) + b"x"), max_size=30),
    plan=st.dictionaries(st.integers(65, 90), st.sampled_from(_FATES)),
    last=st.integers(95, 120),
    start=st.integers(0, 3),
)


@settings(max_examples=300, deadline=None)
@_deliveries
def test_python_deliver_follows_its_plan(
    records: list[bytes], plan: dict[int, str], last: int, start: int
) -> None:
    trace = _deliver_trace(hot_paths.python_deliver, records, last, start, plan)
    handed = [entry for entry in trace if isinstance(entry[0], str) and entry[0] != "error"
              and entry[0] not in ("returned", "pending", "async")]
    assert all(offset > last for _, offset, _, _ in handed)  # nothing at or below last_offset


@needs_c
@settings(max_examples=500, deadline=None)
@_deliveries
def test_c_deliver_does_what_python_does(
    records: list[bytes], plan: dict[int, str], last: int, start: int
) -> None:
    assert C is not None
    assert _deliver_trace(C.deliver, records, last, start, plan) == _deliver_trace(
        hot_paths.python_deliver, records, last, start, plan
    )


@needs_c
def test_c_deliver_builds_real_message_contexts() -> None:
    assert C is not None
    from rstream_core.types import MessageContext

    seen: list[MessageContext] = []
    subscription = _Subscription(-1)
    answer = C.deliver([b"a", b"b"], 0, 5, subscription, None, None,
                       lambda message, context: seen.append(context), print,
                       "consumer", "stream", 3, "name", 99)
    assert answer == (2, None, None) and subscription.last_offset == 6
    assert seen == [MessageContext("consumer", "stream", 3, "name", 5, 99),
                    MessageContext("consumer", "stream", 3, "name", 6, 99)]
    assert type(seen[0]) is MessageContext


@needs_c
def test_c_deliver_lets_non_exceptions_through_and_remembers_the_offset() -> None:
    assert C is not None
    subscription = _Subscription(-1)

    def callback(message: bytes, context: Any) -> None:
        if message == b"stop":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        C.deliver([b"a", b"stop", b"c"], 0, 0, subscription, None, None, callback, print,
                  None, "s", 0, None, 0)
    assert subscription.last_offset == 0  # "a" was handed over, "stop" was not


# ------------------------------------------------------------ read_simple_entries


@needs_c
@settings(max_examples=300, deadline=None)
@given(records=st.lists(st.binary(max_size=300), max_size=50), noise=st.binary(max_size=64))
def test_c_read_simple_entries_gives_the_python_records(
    records: list[bytes], noise: bytes
) -> None:
    from rstream_core.protocol.chunk import CHUNK_HEADER_SIZE, python_read_entries
    from tests.unit.protocol.chunks import build_chunk

    assert C is not None
    chunk = build_chunk(records)
    end = len(chunk)
    assert P.read_simple_entries(chunk, CHUNK_HEADER_SIZE, end) == records
    assert python_read_entries(chunk, end, lambda *a: b"")[0] == records
    # Arbitrary bytes: the same records, or NotImplemented (and Python decides).
    garbage = chunk[:CHUNK_HEADER_SIZE] + noise
    c_records = P.read_simple_entries(garbage, CHUNK_HEADER_SIZE, len(garbage))
    if c_records is not NotImplemented:
        assert c_records == python_read_entries(garbage, len(garbage), lambda *a: b"")[0]


@needs_c
def test_c_read_simple_entries_leaves_sub_entries_and_bad_bounds_to_python() -> None:
    from rstream_core.protocol.chunk import CHUNK_HEADER_SIZE
    from tests.unit.protocol.chunks import SubEntry, build_chunk

    assert C is not None
    batch = SubEntry(compression=0, record_count=1, uncompressed_size=5, data=b"\0\0\0\1x")
    chunk = build_chunk([b"a", batch])
    assert P.read_simple_entries(chunk, CHUNK_HEADER_SIZE, len(chunk)) is NotImplemented
    simple = build_chunk([b"abc"])
    assert P.read_simple_entries(simple, CHUNK_HEADER_SIZE, len(simple) - 1) is NotImplemented
    assert P.read_simple_entries(simple, CHUNK_HEADER_SIZE, len(simple) + 1) is NotImplemented
    assert P.read_simple_entries(bytearray(simple), 48, 50) is NotImplemented


def _deferred_settle_trace(settle: Callable[..., Any]) -> list[Any]:
    """settle_confirmed with deferred (async) callbacks among plain and unhashable ones."""
    trace: list[Any] = []

    async def later(status: ConfirmationStatus) -> None:  # pragma: no cover - never called
        trace.append("must not run here")

    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self, status: ConfirmationStatus) -> None:
            trace.append(("unhashable", status.message_id))

    def plain(status: ConfirmationStatus) -> None:
        trace.append(("plain", status.message_id))

    unhashable = Unhashable()
    callbacks = {1: plain, 2: later, 3: unhashable, 4: later, 5: plain}
    unconfirmed = dict.fromkeys(callbacks, b"m")
    queue: list[Any] = []
    queue_callbacks: list[Any] = []
    settle([1, 2, 3, 4, 5, 6], unconfirmed, callbacks, trace.append, trace.append, {later},
           queue, queue_callbacks)
    return [*trace, queue, [c is later for c in queue_callbacks], unconfirmed, callbacks]


def test_python_settle_confirmed_defers_async_callbacks() -> None:
    assert _deferred_settle_trace(hot_paths.python_settle_confirmed) == [
        ("plain", 1), ("unhashable", 3), ("plain", 5), [2, 4], [True, True], {}, {},
    ]


@needs_c
def test_c_settle_confirmed_defers_as_python_does() -> None:
    assert C is not None
    assert _deferred_settle_trace(C.settle_confirmed) == _deferred_settle_trace(
        hot_paths.python_settle_confirmed
    )
