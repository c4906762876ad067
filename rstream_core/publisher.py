"""One publisher on one stream: the asyncio shell around its `Outbox`.

The outbox (rstream_core/outbox.py, pure and synchronous) holds the ids, the unconfirmed
messages and the pending batch, and plans the frames. This shell attaches to a connection,
writes what the outbox plans, wakes waiting senders, runs async confirm callbacks in order in
one task, expires late confirms and recovers after a drop.

Hot path: `send` calls `append` (the outbox's own, bound here), which gives the message its
publishing id and appends it to the pending batch; the batch is written as soon as the event
loop gets control back (dynamic batching, no timer) or at once when it fills a frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import inspect
import logging
import time
from collections.abc import Callable
from types import CoroutineType
from typing import Any

from rstream_core.errors import (
    ClientTimeoutError,
    ConnectionClosedError,
    ResourceClosedError,
    RStreamError,
    StreamDoesNotExist,
    UnsupportedFeatureError,
)
from rstream_core.fault_log import FaultLog
from rstream_core.hot_paths import resume, run_coroutines
from rstream_core.outbox import Encoder, Outbox, default_encode
from rstream_core.plugin_api import Address
from rstream_core.pool import ConnectionPool, PooledClient
from rstream_core.protocol.constants import Code
from rstream_core.protocol.frames import PublishConfirm, PublishError
from rstream_core.retry import retry
from rstream_core.telemetry import Telemetry
from rstream_core.types import PRODUCER_CLOSED_CODE, PRODUCER_NOT_AVAILABLE_CODE

__all__ = ["Encoder", "Publisher", "PublisherState", "default_encode"]

log = logging.getLogger("rstream.producer")


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
        on_state: Callable[[Publisher], None] | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.stream = stream
        self.reference = reference
        self._pool = pool
        self._filtering = filtering
        # Blocked senders resume once 10% of the window is free: a fuller window keeps the
        # broker busier (1M messages by send_batch, three runs each: 1.48-1.59 s resuming at
        # 50%, 1.15-1.31 s at 90%).
        self._low_water = max_unconfirmed * 9 // 10
        self._confirm_timeout = confirm_timeout
        self._recovery = recovery
        self._on_unavailable = on_unavailable
        self._on_state = on_state  # the producer's: it is recovering while a publisher is
        self._telemetry = telemetry
        self._attributes = telemetry.stream(stream) if telemetry is not None else {}
        self._faults = FaultLog(log, f"publisher on {stream}", level=logging.ERROR)
        self.outbox = Outbox(
            encode=encode,
            filtering=filtering,
            named=bool(reference),
            max_unconfirmed=max_unconfirmed,
            flush_now=self._flush,
            flush_soon=self._flush_soon,
            window_full=self._stop_accepting,
            results_queued=self._run_callbacks,
            callback_failed=self._callback_failed,
        )
        # The hot calls go straight to the outbox (no extra frame per message).
        self.append = self.outbox.append
        self.append_batch = self.outbox.append_batch
        self.append_sub_entry = self.outbox.append_sub_entry
        self._client: PooledClient | None = None
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
        self._flush_scheduled = False
        self._results_ready = asyncio.Event()
        self._callback_runner: asyncio.Task[None] | None = None
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
        if self._on_state is not None:
            self._on_state(self)

    async def start(self) -> None:
        if self._telemetry is not None:
            self._telemetry.watch_outstanding(self._outstanding)
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
                self.outbox.next_id = max(self.outbox.next_id, sequence + 1)
            # The connection may have dropped (and detached us) while we were waiting.
            if not client.connection.is_open or client.publishers.get(publisher_id) is not self:
                raise ConnectionClosedError("connection lost while declaring the publisher")
        except BaseException as exc:
            # After a timeout the broker may hold the id after all: leave it taken.
            client.publishers.pop(publisher_id, None)
            if not isinstance(exc, ClientTimeoutError | asyncio.CancelledError):
                await self._pool.release_publisher(client, publisher_id)
            raise
        self._client = client
        self.outbox.attach(publisher_id, client.connection.frame_max)
        return sequence

    async def close(self, timeout: float = 10.0) -> None:
        """Write what is pending, wait (bounded) for confirms, then release the publisher."""
        if self.closed:
            return
        self._flush()
        if self.outbox.unconfirmed and self.state is not PublisherState.FAILED:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drained.wait(), timeout)
        if self._state_now() is PublisherState.CLOSED:  # closed meanwhile by another caller
            return
        self._enter(PublisherState.CLOSED)
        for task in self._tasks:
            task.cancel()
        self._fail_all(PRODUCER_CLOSED_CODE)
        if self._telemetry is not None:
            self._telemetry.unwatch_outstanding(self._outstanding)
        await self._finish_callbacks(timeout)
        self._faults.flush()
        client, self._client = self._client, None
        if client is not None and client.connection.is_open:
            with contextlib.suppress(RStreamError):
                await client.delete_publisher(self.outbox.publisher_id)
            await self._pool.release_publisher(client, self.outbox.publisher_id)

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
        return len(self.outbox.unconfirmed)

    @property
    def node(self) -> Address | None:
        """The broker node this publisher is attached to, as it advertises itself (host and
        stream port); None while detached."""
        client = self._client
        return None if client is None else client.connection.advertised

    def has_room_for(self, count: int) -> bool:
        """True when `count` messages can be appended now without waiting."""
        return self.accepting and self.outbox.has_room_for(count)

    def _update_accepting(self) -> None:
        client = self._client
        self.accepting = (
            self.state is PublisherState.READY
            and not self.outbox.window_full()
            and client is not None
            and client.connection.writable
        )

    def _stop_accepting(self) -> None:
        self.accepting = False

    # ------------------------------------------------------------ sending

    async def wait_ready(self) -> None:
        """Wait for room under the unconfirmed limit, a usable connection and its socket."""
        while True:
            self._check_usable()
            if not self._ready.is_set():
                await self._ready.wait()
            elif self.outbox.window_full():
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

    def flush(self) -> None:
        """Write what is pending now instead of when the loop is next free."""
        self._flush()

    async def wait_settled(self) -> None:
        """Write what is pending, then wait until every message is confirmed or failed."""
        self._flush()
        await self._drained.wait()

    def _flush_soon(self) -> None:
        """Dynamic batching: write once the loop is free."""
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        outbox = self.outbox
        if outbox.unconfirmed:
            self._drained.clear()
        client = self._client
        if not outbox.has_pending or self.state is not PublisherState.READY or client is None:
            return
        count = outbox.pending_count
        try:
            for frame in outbox.take_frames():
                client.connection.write(frame)
        except RStreamError:
            # The connection is gone; everything is still unconfirmed for recovery.
            return
        if self._telemetry is not None:
            self._telemetry.published.add(count, self._attributes)
        if self._confirm_timeout:
            outbox.written(time.monotonic())
        if not client.connection.writable:
            self.accepting = False  # senders go through wait_ready, which drains

    # ------------------------------------------------------------ confirms

    def on_publish_confirm(self, frame: PublishConfirm) -> None:
        self.outbox.confirm(frame.publishing_ids)
        self._after_settle()
        if self._telemetry is not None:
            self._telemetry.confirmed.add(len(frame.publishing_ids), self._attributes)

    def on_publish_error(self, frame: PublishError) -> None:
        self._counting_errors(self.outbox.refuse, frame.errors)

    def _fail_all(self, code: int) -> None:
        self._counting_errors(self.outbox.fail_all, code)

    def _counting_errors(self, settle: Callable[[Any], None], argument: Any) -> None:
        """Settle as failed, telling the `errored` counter how many (rare paths only)."""
        before = len(self.outbox.unconfirmed)
        settle(argument)
        self._after_settle()
        if self._telemetry is not None and before > len(self.outbox.unconfirmed):
            self._telemetry.errored.add(before - len(self.outbox.unconfirmed), self._attributes)

    def _outstanding(self) -> tuple[str, int]:
        return self.stream, self.outbox.in_flight

    def _callback_failed(self, error: BaseException) -> None:
        self._faults.report("the on_publish_confirm callback failed", "a confirm", error,
                            traceback=True)

    def _after_settle(self) -> None:
        count = self.outbox.in_flight
        if count <= self._low_water and not self._has_space.is_set():
            self._has_space.set()
            self._update_accepting()
        if not count:
            self._drained.set()
            self.outbox.settled()

    # ------------------------------------------------------------ async confirm callbacks

    def _run_callbacks(self) -> None:
        """Have the queued results of async callbacks awaited, in order, by one task."""
        self.outbox.recount_extra()
        self.accepting = self.accepting and not self.outbox.window_full()
        runner = self._callback_runner
        if runner is None or runner.done():
            self._callback_runner = asyncio.get_running_loop().create_task(
                self._await_callbacks(), name="confirm callbacks"
            )
        self._results_ready.set()

    async def _await_callbacks(self) -> None:
        """Await each result in turn, as rstream 1.x awaits its callbacks inline: those that
        do not suspend run one after the other in one call (run_coroutines), one that
        suspends holds back those after it, and each leaves the window once it ended."""
        outbox = self.outbox
        results = outbox.results
        while True:
            while outbox.results_done < len(results):
                index, suspended, yielded = run_coroutines(
                    results, outbox.result_callbacks, outbox.results_done, self._callback_failed
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
            outbox.clear_results()
            self._after_settle()
            self._results_ready.clear()
            await self._results_ready.wait()

    def _callbacks_ended(self, done: int) -> None:
        """The results before `done` have ended: they leave the window."""
        self.outbox.results_ended(done)
        if not self._has_space.is_set():  # a sender waits for room
            self._after_settle()

    async def _finish_callbacks(self, timeout: float) -> None:
        """On close: let the callbacks already called finish (bounded), then stop the task."""
        runner, self._callback_runner = self._callback_runner, None
        if runner is None:
            return
        outbox = self.outbox
        if outbox.results:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._callbacks_done(), timeout)
        runner.cancel()
        for result in outbox.results[outbox.results_done:]:  # still not run after the timeout
            if type(result) is CoroutineType:
                result.close()
        outbox.clear_results()

    async def _callbacks_done(self) -> None:
        while self.outbox.results:
            self._drained.clear()
            await self._drained.wait()

    async def _expire_loop(self) -> None:
        """Report messages unconfirmed for longer than the confirm timeout."""
        timeout = self._confirm_timeout
        assert timeout is not None
        while self.state is not PublisherState.CLOSED:
            await asyncio.sleep(min(timeout / 4, 1.0))
            if self.state is not PublisherState.READY:
                continue  # recovery will re-send them; do not count the outage
            self._counting_errors(self.outbox.expire, time.monotonic() - timeout)

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
            self._fail_all(PRODUCER_NOT_AVAILABLE_CODE)

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
        self._fail_all(code)

    def _resend(self, sequence: int) -> None:
        """Write every unconfirmed message again, in the original order."""
        self.outbox.requeue(sequence)
        self._enter(PublisherState.READY)
        self._flush()
        self._after_settle()
        self._update_accepting()

    def _spawn(self, coroutine: Any, name: str | None = None) -> None:
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
