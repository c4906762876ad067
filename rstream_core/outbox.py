"""What one publisher has to send and to hear back about: a pure, synchronous core.

The outbox gives each message its publishing id, keeps it until the broker settles it
(confirm, error, timeout, or the publisher's end), holds the pending batch and cuts it into
Publish frames. It never touches a socket, a task or a clock of its own: the `Publisher`
shell around it writes the frames it plans, runs the async callbacks it queues, and tells it
the time. Its tests (tests/unit/core/test_outbox.py) drive it with plain calls.

Insertion order of `unconfirmed` is call order, which is what a resend after recovery writes.
"""

from __future__ import annotations

import inspect
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from rstream_core.errors import MessageTooLargeError, RStreamError
from rstream_core.hot_paths import ConfirmCallback, carry_ids, encode_as_is, settle_confirmed
from rstream_core.plugin_api import CompressionCodec
from rstream_core.protocol.constants import Code
from rstream_core.protocol.publish import (
    ENTRY_OVERHEAD,
    ENTRY_V2_OVERHEAD,
    PUBLISH_HEADER_SIZE,
    SUB_ENTRY_OVERHEAD,
    encode_publish,
    encode_publish_v2,
    encode_sub_entry_publish,
)
from rstream_core.protocol.sub_entry import sub_entry_payload
from rstream_core.types import CONFIRM_TIMEOUT_CODE, ConfirmationStatus

Encoder = Callable[[Any], bytes]

# A buffered batch is written once it holds this many bytes even if the caller never yields:
# frames far below frame_max keep the broker working while the next batch is built. Measured
# (send_batch of 100 AMQP messages, median of 4 runs of 1M): 8 KiB 861k msg/s, 32 KiB 865k,
# 64 KiB 945k, 128 KiB 940k; one-message send the same at 32 and 64 KiB.
BATCH_BYTES = 64 * 1024

# At most this many distinct async callbacks are remembered per outbox (see _note_callback).
DEFERRED_KEPT = 1024


def default_encode(message: Any) -> bytes:
    return message if type(message) is bytes else bytes(message)


def _is_async(callback: Any) -> bool:
    """An `async def` function, or an object whose __call__ is one."""
    call = inspect.getattr_static(type(callback), "__call__", None)  # an async __call__
    return inspect.iscoroutinefunction(callback) or inspect.iscoroutinefunction(call)


class SubEntry:
    """A compressed batch that travels under one publishing id."""

    __slots__ = ("compression", "count", "data", "uncompressed_size")

    def __init__(self, compression: int, count: int, uncompressed_size: int, data: bytes) -> None:
        self.compression = compression
        self.count = count
        self.uncompressed_size = uncompressed_size
        self.data = data

    def __len__(self) -> int:
        return len(self.data) + SUB_ENTRY_OVERHEAD - ENTRY_OVERHEAD


Stored = bytes | SubEntry


class _Repeat(NamedTuple):
    """A message sent under a publishing id that an unconfirmed message already carries: it
    waits behind that one for a confirm of its own (the broker confirms each)."""

    data: Stored
    callback: ConfirmCallback | None
    deduplicated: bool
    filter_value: str | None


def _ignore() -> None:
    pass


class Outbox:
    """Publishing ids, unconfirmed messages, the pending batch and its frames.

    The shell passes three hooks: `flush_now` (write the pending batch now: a frame is full,
    or a sub-entry batch wants out at once), `flush_soon` (write it once the event loop is
    free: dynamic batching, no timer) and `window_full` (the unconfirmed limit was reached by
    an append). Results of callbacks (coroutines, usually) go to `results`, which the shell's
    task runs in order; `callback_failed` is told about a callback that raised.
    """

    def __init__(
        self,
        *,
        encode: Encoder = default_encode,
        filtering: bool = False,
        named: bool = False,
        max_unconfirmed: int = 10_000,
        flush_now: Callable[[], None] = _ignore,
        flush_soon: Callable[[], None] = _ignore,
        window_full: Callable[[], None] = _ignore,
        results_queued: Callable[[], None] = _ignore,
        callback_failed: Callable[[BaseException], None] = lambda error: None,
    ) -> None:
        self._encode = encode
        # Without a codec, bytes are stored as they are; a codec (e.g. "amqp") wraps them.
        self._bytes_as_is = encode is default_encode
        self.filtering = filtering
        self._named = named  # a named producer: the broker deduplicates by publishing id
        self.max_unconfirmed = max_unconfirmed
        self._flush_now = flush_now
        self._flush_soon = flush_soon
        self._window_full = window_full
        self._results_queued = results_queued
        self._callback_failed = callback_failed
        self.publisher_id = -1
        self.frame_max = 2**31
        self.batch_bytes = BATCH_BYTES
        self.next_id = 1
        # Pending: accepted, not yet planned into frames. Unconfirmed: not settled yet.
        self._ids: list[int] = []
        self._messages: list[Stored] = []
        self._filters: list[str | None] = []
        self.pending_size = 0
        self._pending_sub_entries = False
        self.unconfirmed: dict[int, Stored] = {}
        self._filter_values: dict[int, str | None] = {}
        self._callbacks: dict[int, ConfirmCallback] = {}
        # Deduplication: ids repeated while unconfirmed, and the unconfirmed ids the broker
        # will drop as duplicates (see _accept_explicit). Both are empty in the usual case,
        # which then keeps the C confirm loop.
        self._repeats: dict[int, deque[_Repeat]] = {}
        self.repeat_count = 0
        self._duplicates: set[int] = set()
        self._highest_explicit_id = -1
        # Results of callbacks for the shell to run in order; each counts against
        # max_unconfirmed until the shell says it ended. `results` holds coroutines, or the
        # publishing ids of async callbacks not called yet (their callback at the same index
        # of `result_callbacks`, None for the others). The next to run is results[results_done].
        self.results: list[Any] = []
        self.result_callbacks: list[Any] = []
        self.results_done = 0
        # The async callbacks seen (the confirm loop queues them instead of calling them)
        # and the last callback classified, so that a stream of sends with one callback
        # costs one identity test each.
        self._deferred: set[ConfirmCallback] = set()
        self._last_callback: ConfirmCallback | None = None
        # Window slots taken outside `unconfirmed`: repeats waiting and results not ended
        # (kept as a number for the append path; see recount_extra).
        self.extra_in_flight = 0
        # (time written, last publishing id) of each batch written, for confirm timeouts.
        self._written: deque[tuple[float, int]] = deque()
        self._last_taken = 0

    def attach(self, publisher_id: int, frame_max: int) -> None:
        """The publisher was declared on a connection with this id and frame size."""
        self.publisher_id = publisher_id
        self.frame_max = frame_max or 2**31
        self.batch_bytes = min(self.frame_max - PUBLISH_HEADER_SIZE, BATCH_BYTES)

    # ------------------------------------------------------------ the window

    @property
    def in_flight(self) -> int:
        """Messages not settled, repeats waiting and callbacks not ended."""
        return len(self.unconfirmed) + self.extra_in_flight

    def window_full(self) -> bool:
        return len(self.unconfirmed) + self.extra_in_flight >= self.max_unconfirmed

    def has_room_for(self, count: int) -> bool:
        return len(self.unconfirmed) + self.extra_in_flight + count <= self.max_unconfirmed

    def recount_extra(self) -> None:
        self.extra_in_flight = len(self.results) - self.results_done + self.repeat_count

    # ------------------------------------------------------------ accepting messages

    def append(
        self, message: Any, callback: ConfirmCallback | None, filter_value: str | None = None
    ) -> int:
        """Accept one message; returns its publishing id. The hottest call of publishing."""
        data = message if type(message) is bytes and self._bytes_as_is else self._encode(message)
        size = len(data) + ENTRY_OVERHEAD
        if self.filtering:
            size += ENTRY_V2_OVERHEAD - ENTRY_OVERHEAD + len(filter_value or "") * 4
        if size + PUBLISH_HEADER_SIZE > self.frame_max:
            raise MessageTooLargeError(
                f"a message of {len(data)} bytes does not fit the frame size "
                f"{self.frame_max} negotiated with the broker"
            )
        publishing_id = None if type(message) is bytes else getattr(message, "publishing_id", None)
        if callback is not self._last_callback:
            self._note_callback(callback)
        if publishing_id is None:
            publishing_id = self.next_id
            self.next_id = publishing_id + 1
            self.unconfirmed[publishing_id] = data
            if self.filtering:
                self._filter_values[publishing_id] = filter_value
            if callback is not None:
                self._callbacks[publishing_id] = callback
        else:
            self._accept_explicit(publishing_id, data, callback, filter_value)
        self._ids.append(publishing_id)
        self._messages.append(data)
        if self.filtering:
            self._filters.append(filter_value)
        if len(self.unconfirmed) + self.extra_in_flight >= self.max_unconfirmed:
            self._window_full()
        self.pending_size += size
        if self.pending_size >= self.batch_bytes:
            self._flush_now()
        else:
            self._flush_soon()
        return publishing_id

    def append_batch(self, messages: Sequence[Any], callback: ConfirmCallback | None) -> list[int]:
        """Accept many messages at once (no filtering, room checked by the caller).

        Every message is encoded and checked before any is accepted, so a message too large
        for a frame leaves the batch unsent. Without user-set publishing ids (the usual case)
        the ids are a range and the tables are filled with bulk operations.
        """
        encoded, explicit_ids = self._encode_batch(messages)
        if callback is not self._last_callback:
            self._note_callback(callback)
        sizes = list(map(len, encoded))
        limit = self.frame_max - PUBLISH_HEADER_SIZE - ENTRY_OVERHEAD
        if max(sizes, default=0) > limit:
            raise MessageTooLargeError(
                f"a message does not fit the frame size {self.frame_max} negotiated "
                "with the broker; nothing of this batch was sent"
            )
        if explicit_ids:
            pairs = zip(messages, encoded, strict=True)
            accepted = [self._take_id(message, data, callback) for message, data in pairs]
        else:
            first = self.next_id
            self.next_id = first + len(encoded)
            accepted = list(range(first, self.next_id))
            self.unconfirmed.update(zip(accepted, encoded, strict=True))
            if callback is not None:
                self._callbacks.update(dict.fromkeys(accepted, callback))
        self._ids += accepted
        self._messages += encoded
        self.pending_size += sum(sizes) + ENTRY_OVERHEAD * len(sizes)
        if len(self.unconfirmed) + self.extra_in_flight >= self.max_unconfirmed:
            self._window_full()
        if self.pending_size >= self.batch_bytes:
            self._flush_now()
        else:
            self._flush_soon()
        return accepted

    def append_sub_entry(
        self,
        messages: Sequence[Any],
        compression: CompressionCodec,
        callback: ConfirmCallback | None,
    ) -> int:
        """Accept a batch that is compressed and stored as one entry under one id."""
        if self.filtering:
            raise RStreamError("filtering cannot be combined with sub-entry batching")
        payload = sub_entry_payload([self._encode(m) for m in messages])
        data = compression.compress(payload)
        entry = SubEntry(compression.code, len(messages), len(payload), data)
        if len(entry) + ENTRY_OVERHEAD + PUBLISH_HEADER_SIZE > self.frame_max:
            raise MessageTooLargeError(
                f"a sub-entry batch of {len(data)} bytes does not fit the frame size "
                f"{self.frame_max}"
            )
        if callback is not self._last_callback:
            self._note_callback(callback)
        publishing_id = self.next_id
        self.next_id += 1
        self._ids.append(publishing_id)
        self._messages.append(entry)
        self.unconfirmed[publishing_id] = entry
        self._pending_sub_entries = True
        if callback is not None:
            self._callbacks[publishing_id] = callback
        self._flush_now()
        return publishing_id

    def _encode_batch(self, messages: Sequence[Any]) -> tuple[list[bytes], bool]:
        """The stored bytes of each message, and whether any carries its own publishing id."""
        if self._bytes_as_is:
            return encode_as_is(messages)
        encoded = list(map(self._encode, messages))
        return encoded, carry_ids(messages)

    def _take_id(self, message: Any, data: bytes, callback: ConfirmCallback | None) -> int:
        """Accept one message of a batch in which some carry their own publishing id."""
        publishing_id = getattr(message, "publishing_id", None)
        if publishing_id is not None:
            self._accept_explicit(publishing_id, data, callback, None)
            return int(publishing_id)
        publishing_id = self.next_id
        self.next_id = publishing_id + 1
        self.unconfirmed[publishing_id] = data
        if callback is not None:
            self._callbacks[publishing_id] = callback
        return publishing_id

    def _note_callback(self, callback: ConfirmCallback | None) -> None:
        """Remember whether `callback` is async (then confirms queue it, see __init__)."""
        self._last_callback = callback
        if callback is None or not _is_async(callback):
            return
        try:
            if len(self._deferred) >= DEFERRED_KEPT:
                self._deferred.clear()  # a new async closure per send: those run as before
            self._deferred.add(callback)
        except TypeError:  # unhashable: its coroutines are made by the confirm loop
            pass

    def _accept_explicit(
        self,
        publishing_id: int,
        data: Stored,
        callback: ConfirmCallback | None,
        filter_value: str | None,
    ) -> None:
        """A message with its own publishing id, which may repeat one (deduplication).

        The broker confirms every message, and drops (but still confirms) those of a named
        producer whose id is not above the highest it stored for the name: those are the ids
        not above the highest sent or stored so far (`next_id - 1`; while that is 0, the
        broker's answer for "nothing stored", only an explicit id 0 sent counts).
        """
        highest = self.next_id - 1 if self.next_id > 1 else self._highest_explicit_id
        duplicate = self._named and publishing_id <= highest
        self._highest_explicit_id = max(self._highest_explicit_id, publishing_id)
        self.next_id = max(self.next_id, publishing_id + 1)
        if publishing_id in self.unconfirmed:
            repeat = _Repeat(data, callback, duplicate, filter_value)
            self._repeats.setdefault(publishing_id, deque()).append(repeat)
            self.repeat_count += 1
            self.recount_extra()
            return
        self.unconfirmed[publishing_id] = data
        if self.filtering:
            self._filter_values[publishing_id] = filter_value
        if callback is not None:
            self._callbacks[publishing_id] = callback
        if duplicate:
            self._duplicates.add(publishing_id)

    # ------------------------------------------------------------ the frames

    @property
    def has_pending(self) -> bool:
        return bool(self._ids)

    @property
    def pending_count(self) -> int:
        return len(self._ids)

    def take_frames(self) -> list[bytes]:
        """The pending batch as Publish frames, in call order; the batch is then empty."""
        ids, messages, filters = self._ids, self._messages, self._filters
        self._ids, self._messages, self._filters = [], [], []
        self.pending_size = 0
        has_sub_entries, self._pending_sub_entries = self._pending_sub_entries, False
        if not ids:
            return []
        self._last_taken = ids[-1]
        if has_sub_entries:
            return self._mixed_frames(ids, messages)
        return self._frames(ids, messages, filters)

    def _frames(
        self, ids: list[int], messages: list[Any], filters: list[str | None]
    ) -> list[bytes]:
        pid = self.publisher_id
        limit = self.frame_max - PUBLISH_HEADER_SIZE
        total = sum(map(len, messages)) + ENTRY_OVERHEAD * len(messages)
        if not self.filtering and total <= limit:
            # The usual case (batches are cut at BATCH_BYTES): one frame, no per-message loop.
            return [encode_publish(pid, ids, messages)]
        frames = []
        start = 0
        size = 0
        overhead = ENTRY_V2_OVERHEAD if self.filtering else ENTRY_OVERHEAD
        for index, message in enumerate(messages):
            entry = len(message) + overhead
            if self.filtering:
                entry += len(filters[index] or "") * 4
            if size + entry > limit and index > start:
                frames.append(self._encode_run(ids, messages, filters, start, index))
                start, size = index, 0
            size += entry
        frames.append(self._encode_run(ids, messages, filters, start, len(messages)))
        return frames

    def _encode_run(
        self,
        ids: list[int],
        messages: list[Any],
        filters: list[str | None],
        start: int,
        end: int,
    ) -> bytes:
        if start == 0 and end == len(messages):
            run_ids, run_messages, run_filters = ids, messages, filters
        else:
            run_ids, run_messages = ids[start:end], messages[start:end]
            run_filters = filters[start:end]
        if self.filtering:
            return encode_publish_v2(self.publisher_id, run_ids, run_filters, run_messages)
        return encode_publish(self.publisher_id, run_ids, run_messages)

    def _mixed_frames(self, ids: list[int], messages: list[Any]) -> list[bytes]:
        """Keep call order when sub-entry batches sit between simple messages."""
        frames = []
        run_start = 0
        for index, message in enumerate(messages):
            if isinstance(message, SubEntry):
                if index > run_start:
                    frames += self._frames(ids[run_start:index], messages[run_start:index], [])
                frames.append(
                    encode_sub_entry_publish(
                        self.publisher_id,
                        ids[index],
                        message.compression,
                        message.count,
                        message.uncompressed_size,
                        message.data,
                    )
                )
                run_start = index + 1
        if run_start < len(messages):
            frames += self._frames(ids[run_start:], messages[run_start:], [])
        return frames

    def written(self, now: float) -> None:
        """The frames last taken were written at `now` (monotonic): their confirm is due
        within the timeout from then."""
        self._written.append((now, self._last_taken))

    # ------------------------------------------------------------ settling

    def confirm(self, publishing_ids: Sequence[int]) -> None:
        """The broker confirmed these ids (ids it does not know of are ignored)."""
        if self._repeats or self._duplicates:
            # Deduplication in progress: each id's messages are settled one by one.
            for publishing_id in publishing_ids:
                self.settle(publishing_id)
            return
        # The hottest loop of publishing, in C when the core's extension is built.
        if self.filtering:
            for publishing_id in publishing_ids:
                self._filter_values.pop(publishing_id, None)
        settle_confirmed(
            publishing_ids,
            self.unconfirmed,
            self._callbacks,
            self._queue_result,
            self._callback_failed,
            self._deferred,
            self.results,
            self.result_callbacks,
        )
        if self.results:
            self._results_queued()

    def refuse(self, errors: Sequence[tuple[int, int]]) -> None:
        """The broker refused these (id, code) pairs."""
        for publishing_id, code in errors:
            if code == Code.PUBLISHER_DOES_NOT_EXIST:
                continue  # the publisher was dropped; recovery re-sends the message
            self.settle(publishing_id, False, code)

    def settle(
        self, publishing_id: int, confirmed: bool = True, code: int = 1, timed_out: bool = False
    ) -> None:
        """Settle the oldest unconfirmed message of this id and call its callback."""
        if self.unconfirmed.pop(publishing_id, None) is None:
            return
        self._filter_values.pop(publishing_id, None)
        callback = self._callbacks.pop(publishing_id, None)
        duplicate = False
        if self._duplicates and publishing_id in self._duplicates:
            self._duplicates.discard(publishing_id)
            duplicate = confirmed
        if self._repeats:
            self._promote_repeat(publishing_id)
        if callback is None:
            return
        try:
            status = ConfirmationStatus(publishing_id, confirmed, code, timed_out, duplicate)
            result = callback(status)
        except Exception as exc:
            self._callback_failed(exc)
            return
        if result is not None:
            self._queue_result(result)
            self._results_queued()

    def _promote_repeat(self, publishing_id: int) -> None:
        """The next message sent under `publishing_id` now waits for the next confirm of it."""
        waiting = self._repeats.get(publishing_id)
        if not waiting:
            return
        repeat = waiting.popleft()
        if not waiting:
            del self._repeats[publishing_id]
        self.repeat_count -= 1
        self.recount_extra()
        self.unconfirmed[publishing_id] = repeat.data
        if repeat.callback is not None:
            self._callbacks[publishing_id] = repeat.callback
        if repeat.deduplicated:
            self._duplicates.add(publishing_id)
        if self.filtering:
            self._filter_values[publishing_id] = repeat.filter_value

    def _queue_result(self, result: Any) -> None:
        """What a callback called here returned (a coroutine, usually): the shell runs it."""
        self.results.append(result)
        self.result_callbacks.append(None)

    def results_ended(self, done: int) -> None:
        """The results before index `done` have ended: they leave the window."""
        self.results_done = done
        self.recount_extra()

    def clear_results(self) -> None:
        self.results.clear()
        self.result_callbacks.clear()
        self.results_done = 0
        self.recount_extra()

    def fail_all(self, code: int) -> None:
        """Settle every message as failed with `code` (the publisher ends or gave up)."""
        while self.unconfirmed:  # settling an id may bring the next message of that id in
            self.settle(next(iter(self.unconfirmed)), False, code)
        self._ids, self._messages, self._filters = [], [], []
        self.pending_size = 0
        self._pending_sub_entries = False
        self._written.clear()

    def expire(self, deadline: float) -> None:
        """Fail, as timed out, what is unconfirmed of the batches written before `deadline`."""
        while self._written and self._written[0][0] < deadline:
            _, last_id = self._written.popleft()
            self._expire_through(last_id)

    def _expire_through(self, last_id: int) -> None:
        while self.unconfirmed:
            publishing_id = next(iter(self.unconfirmed))
            if publishing_id > last_id:
                return  # written after that batch: not late yet
            self.settle(publishing_id, False, CONFIRM_TIMEOUT_CODE, True)

    def settled(self) -> None:
        """Everything is settled: forget the write times."""
        self._written.clear()

    # ------------------------------------------------------------ recovery

    def requeue(self, stored_sequence: int) -> None:
        """After a reconnect: what the broker stored for the name (ids up to
        `stored_sequence`) is confirmed, and every other unconfirmed message is pending
        again, in the original order (repeats right after the first of their id)."""
        if self._named:
            for publishing_id in [i for i in self.unconfirmed if i <= stored_sequence]:
                while publishing_id in self.unconfirmed:
                    self.settle(publishing_id)
        unsent = list(self.unsettled())
        self._ids = [publishing_id for publishing_id, _, _ in unsent]
        self._messages = [data for _, data, _ in unsent]
        self._filters = [value for _, _, value in unsent] if self.filtering else []
        self._pending_sub_entries = any(isinstance(m, SubEntry) for m in self._messages)
        self.pending_size = sum(map(len, self._messages)) + ENTRY_OVERHEAD * len(self._messages)
        self._written.clear()

    def unsettled(self) -> Iterator[tuple[int, Stored, str | None]]:
        """(id, data, filter value) of every unconfirmed message, repeats after their first."""
        for publishing_id, data in self.unconfirmed.items():
            yield publishing_id, data, self._filter_values.get(publishing_id)
            for repeat in self._repeats.get(publishing_id, ()):
                yield publishing_id, repeat.data, repeat.filter_value
