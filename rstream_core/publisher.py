"""One publisher on one stream: ids, dynamic batching, confirms, backpressure, recovery.

Hot path: `send` encodes the message, gives it a publishing id and appends it to the pending
batch; the batch is written as soon as the event loop gets control back (dynamic batching, no
timer) or at once when it fills a frame. Every message stays in `_unconfirmed` (insertion order
is call order) until the broker confirms it, which is what recovery re-sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import inspect
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from types import CoroutineType
from typing import Any, NamedTuple

from rstream_core.errors import (
    ClientTimeoutError,
    ConnectionClosedError,
    MessageTooLargeError,
    ResourceClosedError,
    RStreamError,
    StreamDoesNotExist,
    UnsupportedFeatureError,
)
from rstream_core.fault_log import FaultLog
from rstream_core.hot_paths import (
    ConfirmCallback,
    carry_ids,
    encode_as_is,
    resume,
    run_coroutines,
    settle_confirmed,
)
from rstream_core.plugin_api import CompressionCodec
from rstream_core.pool import ConnectionPool, PooledClient
from rstream_core.protocol.constants import Code
from rstream_core.protocol.frames import PublishConfirm, PublishError
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
from rstream_core.retry import retry
from rstream_core.types import (
    CONFIRM_TIMEOUT_CODE,
    PRODUCER_CLOSED_CODE,
    PRODUCER_NOT_AVAILABLE_CODE,
    ConfirmationStatus,
)

log = logging.getLogger("rstream.producer")

Encoder = Callable[[Any], bytes]


# A buffered batch is written once it holds this many bytes even if the caller never yields:
# frames far below frame_max keep the broker working while the next batch is built. Measured
# (send_batch of 100 AMQP messages, median of 4 runs of 1M): 8 KiB 861k msg/s, 32 KiB 865k,
# 64 KiB 945k, 128 KiB 940k; one-message send the same at 32 and 64 KiB.
BATCH_BYTES = 64 * 1024


class PublisherState(enum.Enum):
    """Where a publisher is in its life; `Publisher._enter` allows only these transitions.
    Whether it is blocked (window full, socket backed up) is the separate `accepting`."""

    ATTACHING = "attaching"  # start(): declaring itself on a connection to the leader
    READY = "ready"
    RECOVERING = "recovering"  # re-attaching after a drop; sends wait
    FAILED = "failed"  # cannot publish: stream deleted, recovery off, refused (`_failure`)
    CLOSED = "closed"


_TRANSITIONS = {
    PublisherState.ATTACHING: {
        PublisherState.READY, PublisherState.RECOVERING, PublisherState.FAILED,
        PublisherState.CLOSED,
    },
    PublisherState.READY: {PublisherState.RECOVERING, PublisherState.FAILED, PublisherState.CLOSED},
    PublisherState.RECOVERING: {
        PublisherState.READY, PublisherState.FAILED, PublisherState.CLOSED,
    },
    PublisherState.FAILED: {PublisherState.RECOVERING, PublisherState.CLOSED},
    PublisherState.CLOSED: set(),
}
# States in which waiting senders go on (to publish, or to see why they cannot).
_AWAKE = {PublisherState.READY, PublisherState.FAILED, PublisherState.CLOSED}

# At most this many distinct async callbacks are remembered per publisher (see _note_callback).
DEFERRED_KEPT = 1024


def _is_async(callback: Any) -> bool:
    """An `async def` function, or an object whose __call__ is one."""
    call = inspect.getattr_static(type(callback), "__call__", None)  # an async __call__
    return inspect.iscoroutinefunction(callback) or inspect.iscoroutinefunction(call)


class _Repeat(NamedTuple):
    """A message sent under a publishing id that an unconfirmed message already carries: it
    waits behind that one for a confirm of its own (the broker confirms each)."""

    data: bytes | _SubEntry
    callback: ConfirmCallback | None
    deduplicated: bool
    filter_value: str | None


class _SubEntry:
    """A compressed batch that travels under one publishing id."""

    __slots__ = ("compression", "count", "data", "uncompressed_size")

    def __init__(self, compression: int, count: int, uncompressed_size: int, data: bytes) -> None:
        self.compression = compression
        self.count = count
        self.uncompressed_size = uncompressed_size
        self.data = data

    def __len__(self) -> int:
        return len(self.data) + SUB_ENTRY_OVERHEAD - ENTRY_OVERHEAD


def default_encode(message: Any) -> bytes:
    return message if type(message) is bytes else bytes(message)


class Publisher:
    def __init__(
        self,
        pool: ConnectionPool,
        stream: str,
        reference: str | None,
        *,
        encode: Encoder,
        filtering: bool,
        max_unconfirmed: int,
        confirm_timeout: float | None,
        recovery: bool,
        on_unavailable: Callable[[Publisher, str], None],
    ) -> None:
        self.stream = stream
        self.reference = reference
        self._pool = pool
        self._encode = encode
        # Without a codec, bytes are stored as they are; a codec (e.g. "amqp") wraps them.
        self._bytes_as_is = encode is default_encode
        self._filtering = filtering
        self._max_unconfirmed = max_unconfirmed
        # Blocked senders resume once 10% of the window is free: a fuller window keeps the
        # broker busier (1M messages by send_batch, three runs each: 1.48-1.59 s resuming at
        # 50%, 1.15-1.31 s at 90%).
        self._low_water = max_unconfirmed * 9 // 10
        self._confirm_timeout = confirm_timeout
        self._recovery = recovery
        self._on_unavailable = on_unavailable
        self._client: PooledClient | None = None
        self._publisher_id = -1
        self._next_id = 1
        self._frame_max = 0
        self.state = PublisherState.ATTACHING
        self._ready = asyncio.Event()  # set in the _AWAKE states: what senders wait on
        self._has_space = asyncio.Event()
        self._has_space.set()
        self._drained = asyncio.Event()
        self._drained.set()
        self._failure: RStreamError | None = None  # why it is FAILED
        # True when `append` may be called without waiting: ready, open, under the
        # unconfirmed limit, socket not backed up. Kept up to date at each transition so
        # the hot path reads one attribute.
        self.accepting = False
        # Pending: accepted, not yet written. Unconfirmed: written or pending, not confirmed.
        self._ids: list[int] = []
        self._messages: list[bytes | _SubEntry] = []
        self._filters: list[str | None] = []
        self._pending_size = 0
        self._pending_sub_entries = False
        self._flush_scheduled = False
        self._unconfirmed: dict[int, bytes | _SubEntry] = {}
        self._filter_values: dict[int, str | None] = {}
        self._callbacks: dict[int, ConfirmCallback] = {}
        # Deduplication: ids repeated while unconfirmed, and the unconfirmed ids the broker
        # will drop as duplicates (see _accept_explicit). Both are empty in the usual case,
        # which then keeps the C confirm loop.
        self._repeats: dict[int, deque[_Repeat]] = {}
        self._repeat_count = 0
        self._duplicates: set[int] = set()
        self._highest_explicit_id = -1
        # Async confirm callbacks, run in order by one task; each counts against
        # max_unconfirmed until it ends. _results holds coroutines, or the publishing ids of
        # callbacks not called yet (their callback at the same index of _result_callbacks,
        # None for the others). The task is at _results[_results_done].
        self._results: list[Any] = []
        self._result_callbacks: list[Any] = []
        self._results_done = 0
        # The async callbacks seen (the confirm loop queues them instead of calling them)
        # and the last callback classified, so that a stream of sends with one callback
        # costs one identity test each.
        self._deferred: set[ConfirmCallback] = set()
        self._last_callback: ConfirmCallback | None = None
        self._results_ready = asyncio.Event()
        self._callback_runner: asyncio.Task[None] | None = None
        # Window slots taken outside _unconfirmed: repeats waiting and callbacks not finished
        # (see _recount_extra; kept as a number for the append path).
        self._extra_in_flight = 0
        self._faults = FaultLog(log, f"publisher on {stream}", level=logging.ERROR)
        self._flushes: deque[tuple[float, int]] = deque()
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------ lifecycle

    def _enter(self, state: PublisherState) -> None:
        if state not in _TRANSITIONS[self.state]:
            raise RuntimeError(f"publisher cannot go from {self.state.value} to {state.value}")
        self.state = state
        if state in _AWAKE:
            self._ready.set()
        else:
            self._ready.clear()
        self._update_accepting()

    async def start(self) -> None:
        await self._attach()
        if self.state is PublisherState.ATTACHING:  # else a drop meanwhile started recovery
            self._enter(PublisherState.READY)
        if self._confirm_timeout:
            self._spawn(self._expire_loop())

    async def _attach(self) -> int:
        """Get a connection to the leader, declare, and learn the stored sequence."""
        client, publisher_id = await self._pool.for_publisher(self.stream)
        client.publishers[publisher_id] = self
        try:
            if self._filtering and not client.supports_filtering:
                raise UnsupportedFeatureError("filtering needs RabbitMQ 3.13 or newer")
            await client.declare_publisher(publisher_id, self.reference or "", self.stream)
            sequence = 0
            if self.reference:
                sequence = await client.query_publisher_sequence(self.reference, self.stream)
                self._next_id = max(self._next_id, sequence + 1)
            # The connection may have dropped (and detached us) while we were waiting.
            if not client.connection.is_open or client.publishers.get(publisher_id) is not self:
                raise ConnectionClosedError("connection lost while declaring the publisher")
        except BaseException as exc:
            # After a timeout the broker may hold the id after all: leave it taken.
            client.publishers.pop(publisher_id, None)
            if not isinstance(exc, ClientTimeoutError | asyncio.CancelledError):
                await self._pool.release_publisher(client, publisher_id)
            raise
        self._client, self._publisher_id = client, publisher_id
        self._frame_max = client.connection.frame_max or 2**31
        self._batch_bytes = min(self._frame_max - PUBLISH_HEADER_SIZE, BATCH_BYTES)
        return sequence

    async def close(self, timeout: float = 10.0) -> None:
        """Write what is pending, wait (bounded) for confirms, then release the publisher."""
        if self.closed:
            return
        self._flush()
        if self._unconfirmed and self.state is not PublisherState.FAILED:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drained.wait(), timeout)
        if self._state_now() is PublisherState.CLOSED:  # closed meanwhile by another caller
            return
        self._enter(PublisherState.CLOSED)
        for task in self._tasks:
            task.cancel()
        self._fail_unconfirmed(PRODUCER_CLOSED_CODE)
        await self._finish_callbacks(timeout)
        self._faults.flush()
        client, self._client = self._client, None
        if client is not None and client.connection.is_open:
            with contextlib.suppress(RStreamError):
                await client.delete_publisher(self._publisher_id)
            await self._pool.release_publisher(client, self._publisher_id)

    def _state_now(self) -> PublisherState:
        """The state, read again after an await (a plain read would be narrowed by mypy)."""
        return self.state

    @property
    def closed(self) -> bool:
        return self.state is PublisherState.CLOSED

    @property
    def failed(self) -> bool:
        """True once the publisher can no longer publish (stream deleted, recovery off...)."""
        return self.state is PublisherState.FAILED

    @property
    def unconfirmed_count(self) -> int:
        return len(self._unconfirmed)

    def has_room_for(self, count: int) -> bool:
        """True when `count` messages can be appended now without waiting."""
        in_flight = len(self._unconfirmed) + self._extra_in_flight
        return self.accepting and in_flight + count <= self._max_unconfirmed

    def _update_accepting(self) -> None:
        client = self._client
        self.accepting = (
            self.state is PublisherState.READY
            and not self._window_full()
            and client is not None
            and client.connection.writable
        )

    # ------------------------------------------------------------ sending

    async def wait_ready(self) -> None:
        """Wait for room under the unconfirmed limit, a usable connection and its socket."""
        while True:
            self._check_usable()
            if not self._ready.is_set():
                await self._ready.wait()
            elif self._window_full():
                self._has_space.clear()
                await self._has_space.wait()
            else:
                client = self._client
                if client is not None and not client.connection.writable:
                    # A drop while waiting is recovery's business: loop and wait for it.
                    with contextlib.suppress(ConnectionClosedError):
                        await client.connection.drain()
                    continue
                self._update_accepting()
                return

    def _check_usable(self) -> None:
        if self.state is PublisherState.FAILED:
            assert self._failure is not None
            raise self._failure
        if self.state is PublisherState.CLOSED:
            raise ResourceClosedError(f"the publisher on {self.stream} is closed")

    def append(
        self, message: Any, callback: ConfirmCallback | None, filter_value: str | None = None
    ) -> int:
        """Accept one message (after `wait_ready`); returns its publishing id."""
        data = message if type(message) is bytes and self._bytes_as_is else self._encode(message)
        size = len(data) + ENTRY_OVERHEAD
        if self._filtering:
            size += ENTRY_V2_OVERHEAD - ENTRY_OVERHEAD + len(filter_value or "") * 4
        if size + PUBLISH_HEADER_SIZE > self._frame_max:
            raise MessageTooLargeError(
                f"a message of {len(data)} bytes does not fit the frame size "
                f"{self._frame_max} negotiated with the broker"
            )
        publishing_id = None if type(message) is bytes else getattr(message, "publishing_id", None)
        if callback is not self._last_callback:
            self._note_callback(callback)
        if publishing_id is None:
            publishing_id = self._next_id
            self._next_id = publishing_id + 1
            self._unconfirmed[publishing_id] = data
            if self._filtering:
                self._filter_values[publishing_id] = filter_value
            if callback is not None:
                self._callbacks[publishing_id] = callback
        else:
            self._accept_explicit(publishing_id, data, callback, filter_value)
        self._ids.append(publishing_id)
        self._messages.append(data)
        if self._filtering:
            self._filters.append(filter_value)
        if len(self._unconfirmed) + self._extra_in_flight >= self._max_unconfirmed:
            self.accepting = False
        self._pending_size += size
        self._schedule_flush()
        return publishing_id

    def _schedule_flush(self) -> None:
        """Dynamic batching: write when a frame is full, else once the loop is free."""
        if self._pending_size >= self._batch_bytes:
            self._flush()
        elif not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

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
        limit = self._frame_max - PUBLISH_HEADER_SIZE - ENTRY_OVERHEAD
        if max(sizes, default=0) > limit:
            raise MessageTooLargeError(
                f"a message does not fit the frame size {self._frame_max} negotiated "
                "with the broker; nothing of this batch was sent"
            )
        if explicit_ids:
            pairs = zip(messages, encoded, strict=True)
            accepted = [self._take_id(message, data, callback) for message, data in pairs]
        else:
            first = self._next_id
            self._next_id = first + len(encoded)
            accepted = list(range(first, self._next_id))
            self._unconfirmed.update(zip(accepted, encoded, strict=True))
            if callback is not None:
                self._callbacks.update(dict.fromkeys(accepted, callback))
        self._ids += accepted
        self._messages += encoded
        self._pending_size += sum(sizes) + ENTRY_OVERHEAD * len(sizes)
        if len(self._unconfirmed) + self._extra_in_flight >= self._max_unconfirmed:
            self.accepting = False
        self._schedule_flush()
        return accepted

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
        publishing_id = self._next_id
        self._next_id = publishing_id + 1
        self._unconfirmed[publishing_id] = data
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
        data: bytes | _SubEntry,
        callback: ConfirmCallback | None,
        filter_value: str | None,
    ) -> None:
        """A message with its own publishing id, which may repeat one (deduplication).

        The broker confirms every message, and drops (but still confirms) those of a named
        producer whose id is not above the highest it stored for the name: those are the ids
        not above the highest sent or stored so far (`_next_id - 1`; while that is 0, the
        broker's answer for "nothing stored", only an explicit id 0 sent counts).
        """
        highest = self._next_id - 1 if self._next_id > 1 else self._highest_explicit_id
        duplicate = bool(self.reference) and publishing_id <= highest
        self._highest_explicit_id = max(self._highest_explicit_id, publishing_id)
        self._next_id = max(self._next_id, publishing_id + 1)
        if publishing_id in self._unconfirmed:
            repeat = _Repeat(data, callback, duplicate, filter_value)
            self._repeats.setdefault(publishing_id, deque()).append(repeat)
            self._repeat_count += 1
            self._recount_extra()
            return
        self._unconfirmed[publishing_id] = data
        if self._filtering:
            self._filter_values[publishing_id] = filter_value
        if callback is not None:
            self._callbacks[publishing_id] = callback
        if duplicate:
            self._duplicates.add(publishing_id)

    def append_sub_entry(
        self,
        messages: Sequence[Any],
        compression: CompressionCodec,
        callback: ConfirmCallback | None,
    ) -> int:
        """Accept a batch that is compressed and stored as one entry under one id."""
        if self._filtering:
            raise RStreamError("filtering cannot be combined with sub-entry batching")
        payload = sub_entry_payload([self._encode(m) for m in messages])
        data = compression.compress(payload)
        entry = _SubEntry(compression.code, len(messages), len(payload), data)
        if len(entry) + ENTRY_OVERHEAD + PUBLISH_HEADER_SIZE > self._frame_max:
            raise MessageTooLargeError(
                f"a sub-entry batch of {len(data)} bytes does not fit the frame size "
                f"{self._frame_max}"
            )
        if callback is not self._last_callback:
            self._note_callback(callback)
        publishing_id = self._next_id
        self._next_id += 1
        self._ids.append(publishing_id)
        self._messages.append(entry)
        self._unconfirmed[publishing_id] = entry
        self._pending_sub_entries = True
        if callback is not None:
            self._callbacks[publishing_id] = callback
        self._flush()
        return publishing_id

    def flush(self) -> None:
        """Write what is pending now instead of when the loop is next free."""
        self._flush()

    async def wait_settled(self) -> None:
        """Write what is pending, then wait until every message is confirmed or failed."""
        self._flush()
        await self._drained.wait()

    def _flush(self) -> None:
        self._flush_scheduled = False
        if self._unconfirmed:
            self._drained.clear()
        if not self._ids or self.state is not PublisherState.READY or self._client is None:
            return
        ids, messages, filters = self._ids, self._messages, self._filters
        self._ids, self._messages, self._filters = [], [], []
        self._pending_size = 0
        has_sub_entries, self._pending_sub_entries = self._pending_sub_entries, False
        try:
            self._write(ids, messages, filters, has_sub_entries)
        except RStreamError:
            # The connection is gone; everything is still in _unconfirmed for recovery.
            return
        if self._confirm_timeout:
            self._flushes.append((time.monotonic(), ids[-1]))
        if not self._client.connection.writable:
            self.accepting = False  # senders go through wait_ready, which drains

    def _write(
        self,
        ids: list[int],
        messages: list[Any],
        filters: list[str | None],
        has_sub_entries: bool,
    ) -> None:
        connection = self._client.connection  # type: ignore[union-attr]
        pid = self._publisher_id
        if has_sub_entries:
            self._write_mixed(ids, messages)
            return
        limit = self._frame_max - PUBLISH_HEADER_SIZE
        total = sum(map(len, messages)) + ENTRY_OVERHEAD * len(messages)
        if not self._filtering and total <= limit:
            # The usual case (batches are cut at BATCH_BYTES): one frame, no per-message loop.
            connection.write(encode_publish(pid, ids, messages))
            return
        start = 0
        size = 0
        overhead = ENTRY_V2_OVERHEAD if self._filtering else ENTRY_OVERHEAD
        for index, message in enumerate(messages):
            entry = len(message) + overhead
            if self._filtering:
                entry += len(filters[index] or "") * 4
            if size + entry > limit and index > start:
                connection.write(self._encode_run(pid, ids, messages, filters, start, index))
                start, size = index, 0
            size += entry
        connection.write(self._encode_run(pid, ids, messages, filters, start, len(messages)))

    def _encode_run(
        self,
        pid: int,
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
        if self._filtering:
            return encode_publish_v2(pid, run_ids, run_filters, run_messages)
        return encode_publish(pid, run_ids, run_messages)

    def _write_mixed(self, ids: list[int], messages: list[Any]) -> None:
        """Keep call order when sub-entry batches sit between simple messages."""
        run_start = 0
        for index, message in enumerate(messages):
            if isinstance(message, _SubEntry):
                if index > run_start:
                    self._write(ids[run_start:index], messages[run_start:index], [], False)
                self._client.connection.write(  # type: ignore[union-attr]
                    encode_sub_entry_publish(
                        self._publisher_id,
                        ids[index],
                        message.compression,
                        message.count,
                        message.uncompressed_size,
                        message.data,
                    )
                )
                run_start = index + 1
        if run_start < len(messages):
            self._write(ids[run_start:], messages[run_start:], [], False)

    # ------------------------------------------------------------ confirms

    def on_publish_confirm(self, frame: PublishConfirm) -> None:
        if self._repeats or self._duplicates:
            # Deduplication in progress: each id's messages are settled one by one.
            for publishing_id in frame.publishing_ids:
                self._settle(publishing_id)
            self._after_settle()
            return
        # The hottest loop of publishing, in C when the core's extension is built.
        if self._filtering:
            for publishing_id in frame.publishing_ids:
                self._filter_values.pop(publishing_id, None)
        settle_confirmed(
            frame.publishing_ids,
            self._unconfirmed,
            self._callbacks,
            self._queue_result,
            self._callback_failed,
            self._deferred,
            self._results,
            self._result_callbacks,
        )
        if self._results:
            self._run_callbacks()
        self._after_settle()

    def on_publish_error(self, frame: PublishError) -> None:
        for publishing_id, code in frame.errors:
            if code == Code.PUBLISHER_DOES_NOT_EXIST:
                continue  # the publisher was dropped; recovery re-sends the message
            self._settle(publishing_id, False, code)
        self._after_settle()

    def _settle(
        self, publishing_id: int, confirmed: bool = True, code: int = 1, timed_out: bool = False
    ) -> None:
        """Settle the oldest unconfirmed message of this id and call its callback."""
        if self._unconfirmed.pop(publishing_id, None) is None:
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
            self._run_callbacks()

    def _promote_repeat(self, publishing_id: int) -> None:
        """The next message sent under `publishing_id` now waits for the next confirm of it."""
        waiting = self._repeats.get(publishing_id)
        if not waiting:
            return
        repeat = waiting.popleft()
        if not waiting:
            del self._repeats[publishing_id]
        self._repeat_count -= 1
        self._recount_extra()
        self._unconfirmed[publishing_id] = repeat.data
        if repeat.callback is not None:
            self._callbacks[publishing_id] = repeat.callback
        if repeat.deduplicated:
            self._duplicates.add(publishing_id)
        if self._filtering:
            self._filter_values[publishing_id] = repeat.filter_value

    def _queue_result(self, result: Any) -> None:
        """What a callback called here returned (a coroutine, usually): the task runs it."""
        self._results.append(result)
        self._result_callbacks.append(None)

    def _callback_failed(self, error: BaseException) -> None:
        self._faults.report("the on_publish_confirm callback failed", "a confirm", error,
                            traceback=True)

    # ------------------------------------------------------------ async confirm callbacks

    def _run_callbacks(self) -> None:
        """Have the queued results of async callbacks awaited, in order, by one task."""
        self._recount_extra()
        self.accepting = self.accepting and not self._window_full()
        runner = self._callback_runner
        if runner is None or runner.done():
            self._callback_runner = asyncio.get_running_loop().create_task(
                self._await_callbacks(), name="confirm callbacks"
            )
        self._results_ready.set()

    def _recount_extra(self) -> None:
        self._extra_in_flight = len(self._results) - self._results_done + self._repeat_count

    def _window_full(self) -> bool:
        return len(self._unconfirmed) + self._extra_in_flight >= self._max_unconfirmed

    async def _await_callbacks(self) -> None:
        """Await each result in turn, as rstream 1.x awaits its callbacks inline: those that
        do not suspend run one after the other in one call (run_coroutines), one that
        suspends holds back those after it, and each leaves the window once it ended."""
        results = self._results
        while True:
            while self._results_done < len(results):
                index, suspended, yielded = run_coroutines(
                    results, self._result_callbacks, self._results_done, self._callback_failed
                )
                self._callbacks_ended(index)
                if index < len(results):
                    item = results[index]
                    try:
                        if suspended:
                            await resume(item, yielded)
                        elif inspect.isawaitable(item):  # else a plain callback's result
                            await item
                    except Exception as exc:
                        self._callback_failed(exc)
                    self._callbacks_ended(index + 1)
            results.clear()
            self._result_callbacks.clear()
            self._results_done = 0
            self._after_settle()
            self._results_ready.clear()
            await self._results_ready.wait()

    def _callbacks_ended(self, done: int) -> None:
        """The results before `done` have ended: they leave the window."""
        self._results_done = done
        self._recount_extra()
        if not self._has_space.is_set():  # a sender waits for room
            self._after_settle()

    async def _finish_callbacks(self, timeout: float) -> None:
        """On close: let the callbacks already called finish (bounded), then stop the task."""
        runner, self._callback_runner = self._callback_runner, None
        if runner is None:
            return
        if self._results:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._callbacks_done(), timeout)
        runner.cancel()
        for result in self._results[self._results_done:]:  # still not run after the timeout
            if type(result) is CoroutineType:
                result.close()
        self._results.clear()
        self._result_callbacks.clear()
        self._results_done = 0

    async def _callbacks_done(self) -> None:
        while self._results:
            self._drained.clear()
            await self._drained.wait()

    def _after_settle(self) -> None:
        count = len(self._unconfirmed) + self._extra_in_flight
        if count <= self._low_water and not self._has_space.is_set():
            self._has_space.set()
            self._update_accepting()
        if not count:
            self._drained.set()
            self._flushes.clear()

    def _fail_unconfirmed(self, code: int) -> None:
        while self._unconfirmed:  # settling an id may bring the next message of that id in
            self._settle(next(iter(self._unconfirmed)), False, code)
        self._ids, self._messages, self._filters = [], [], []
        self._pending_size = 0
        self._after_settle()

    async def _expire_loop(self) -> None:
        """Report messages unconfirmed for longer than the confirm timeout."""
        timeout = self._confirm_timeout
        assert timeout is not None
        while self.state is not PublisherState.CLOSED:
            await asyncio.sleep(min(timeout / 4, 1.0))
            if self.state is not PublisherState.READY:
                continue  # recovery will re-send them; do not count the outage
            deadline = time.monotonic() - timeout
            while self._flushes and self._flushes[0][0] < deadline:
                _, last_id = self._flushes.popleft()
                self._expire_through(last_id)
            self._after_settle()

    def _expire_through(self, last_id: int) -> None:
        """Expire what is still unconfirmed of the flushes up to the one ending at `last_id`."""
        while self._unconfirmed:
            publishing_id = next(iter(self._unconfirmed))
            if publishing_id > last_id:
                return  # written after that flush: not late yet
            self._settle(publishing_id, False, CONFIRM_TIMEOUT_CODE, True)

    # ------------------------------------------------------------ recovery

    def on_stream_unavailable(self, reason: str) -> None:
        if self.state is PublisherState.CLOSED:
            return
        self._client = None
        self._on_unavailable(self, reason)
        if self._recovery:
            self.reconnect()
        else:
            # The next send starts a new publisher; what was in flight is reported lost.
            self._failure = ConnectionClosedError(f"{reason} (recovery is off)")
            self._enter(PublisherState.FAILED)
            self._fail_unconfirmed(PRODUCER_NOT_AVAILABLE_CODE)

    def reconnect(self) -> None:
        """Re-attach in the background and re-send what was not confirmed: after a drop (by
        recovery, or by hand with recovery off); a no-op while attached or recovering."""
        state, client = self.state, self._client
        if state is PublisherState.READY and client is not None and client.connection.is_open:
            return  # attached: nothing to reconnect
        if state in (PublisherState.RECOVERING, PublisherState.CLOSED):
            return
        if state is PublisherState.FAILED:
            if not isinstance(self._failure, ConnectionClosedError):
                return  # deleted or refused: a new publisher is what can succeed
            self._failure = None  # a manual reconnect after a drop with recovery off
        self._enter(PublisherState.RECOVERING)
        self._spawn(self._recover(), name="recover")

    async def _recover(self) -> None:
        """Re-attach with back-off, then re-send; gives up on what cannot succeed. A close
        meanwhile ends it (close cancels it, but an attempt may end just before)."""
        try:
            sequence = await retry(self._attach, what=f"publisher on {self.stream}: reconnect",
                                   logger=log, stopped=lambda: self.state is PublisherState.CLOSED)
        except StreamDoesNotExist as exc:
            if self._state_now() is not PublisherState.CLOSED:
                log.info("stream %s was deleted; publishing to it ends", self.stream)
                self._give_up(exc, Code.STREAM_DOES_NOT_EXIST)
        except Exception as exc:  # not retriable (credentials, an unsupported feature...)
            if self._state_now() is not PublisherState.CLOSED:
                log.warning("publisher on %s cannot reconnect: %s", self.stream, exc)
                self._give_up(exc, PRODUCER_CLOSED_CODE)
        else:
            if sequence is not None and self._state_now() is not PublisherState.CLOSED:
                self._resend(sequence)

    def _give_up(self, error: Exception, code: int) -> None:
        """Recovery cannot succeed: fail what is unconfirmed and every later send."""
        self._failure = error if isinstance(error, RStreamError) else RStreamError(str(error))
        self._enter(PublisherState.FAILED)
        self._fail_unconfirmed(code)

    def _resend(self, sequence: int) -> None:
        """Write every unconfirmed message again, in the original order (the messages that
        repeat an id right after the first one of that id)."""
        if self.reference:
            # Ids up to the stored sequence are in the stream already (deduplication).
            for publishing_id in [i for i in self._unconfirmed if i <= sequence]:
                while publishing_id in self._unconfirmed:
                    self._settle(publishing_id)
        unsent = list(self._unsettled())
        self._ids = [publishing_id for publishing_id, _, _ in unsent]
        self._messages = [data for _, data, _ in unsent]
        self._filters = [value for _, _, value in unsent] if self._filtering else []
        self._pending_sub_entries = any(isinstance(m, _SubEntry) for m in self._messages)
        self._flushes.clear()
        self._enter(PublisherState.READY)
        self._flush()
        self._after_settle()
        self._update_accepting()

    def _unsettled(self) -> Iterator[tuple[int, bytes | _SubEntry, str | None]]:
        """(id, data, filter value) of every unconfirmed message, repeats after their first."""
        for publishing_id, data in self._unconfirmed.items():
            yield publishing_id, data, self._filter_values.get(publishing_id)
            for repeat in self._repeats.get(publishing_id, ()):
                yield publishing_id, repeat.data, repeat.filter_value

    def _spawn(self, coroutine: Any, name: str | None = None) -> None:
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
