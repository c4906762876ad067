"""One subscription: the asyncio shell around its `Delivery` core.

Chunks are queued by the connection's reader (`on_deliver`, synchronous) and handed to the
application by one worker task, so a slow callback delays credit instead of piling up chunks.
What to queue, which offsets to hand over, when to grant credit, what to store and where to
resume are the core's decisions (rstream_core/delivery.py, pure and synchronous); this shell
keeps the tasks, the callbacks, the writes and recovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rstream_core import callbacks
from rstream_core.delivery import Delivery
from rstream_core.errors import (
    ClientTimeoutError,
    ConnectionClosedError,
    DecodeError,
    MissingDependencyError,
    ProtocolError,
    RStreamError,
    StreamDoesNotExist,
    UnknownPluginError,
)
from rstream_core.fault_log import FaultLog
from rstream_core.flow import CreditStrategy
from rstream_core.hot_paths import deliver, resume
from rstream_core.plugin_api import Address
from rstream_core.plugins import PluginRegistry, get_registry
from rstream_core.pool import ConnectionPool, PooledClient
from rstream_core.protocol.chunk import iter_records
from rstream_core.protocol.constants import Code, Key, OffsetType
from rstream_core.protocol.frames import (
    ConsumerUpdate,
    ConsumerUpdateResponse,
    CreditResponse,
    Deliver,
)
from rstream_core.retry import retry
from rstream_core.state import ResourceState, StateListener, StateReporter
from rstream_core.telemetry import Telemetry
from rstream_core.types import ConsumerOffsetSpecification, EventContext, MessageContext

if TYPE_CHECKING:
    from rstream_core.consumer import Consumer

log = logging.getLogger("rstream.consumer")

# What `subscribe(on_decode_error=...)` takes: (raw record, context, error) -> a substitute
# message to hand to the callback, or None to skip the record; raising ends the subscription.
DecodeErrorHandler = Callable[[bytes, MessageContext, Exception], Any]
_SKIP = object()  # a record not handed to the callback


def _decompress(plugins: PluginRegistry, code: int, data: bytes, uncompressed_size: int) -> bytes:
    try:
        codec = plugins.compression_by_code(code)
    except UnknownPluginError as exc:
        raise ProtocolError(f"chunk uses an unknown compression (id {code}): {exc}") from exc
    return codec.decompress(data, uncompressed_size)


class Tracking:
    """Automatic offset storage for a named subscription: every N messages, every T seconds
    and on close, when the last processed offset moved since the last store."""

    def __init__(self, every_messages: int = 10_000, every_seconds: float = 5.0) -> None:
        self.every_messages = every_messages
        self.every_seconds = every_seconds


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionSettings:
    """What `Consumer.subscribe` decided for one subscription."""

    stream: str
    callback: Callable[[Any, MessageContext], Any]
    decoder: Callable[[bytes], Any] | None
    offset: ConsumerOffsetSpecification
    explicit_offset: bool  # the caller gave `offset` (else FIRST by default)
    credit: CreditStrategy
    properties: dict[str, str]
    name: str | None
    update_listener: Callable[[bool, EventContext], Any] | None
    predicate: Callable[[Any], bool] | None
    tracking: Tracking | None
    recovery: bool
    verify_crc: bool
    on_decode_error: DecodeErrorHandler | None = None
    on_state_change: StateListener | None = None
    telemetry: Telemetry | None = None
    plugins: PluginRegistry = dataclasses.field(default_factory=get_registry)


class Subscription:
    def __init__(
        self,
        consumer: Consumer,
        pool: ConnectionPool,
        subscriber_id: int,
        settings: SubscriptionSettings,
        on_unavailable: Callable[[Subscription, str], None],
    ) -> None:
        stream, offset = settings.stream, settings.offset
        self.consumer = consumer
        self.subscriber_id = subscriber_id
        self.stream = stream
        self.name = settings.name
        # What MessageContext/EventContext call the subscriber name: the name, or a
        # reference unique to this subscription (as rstream 1.x gave every subscriber one).
        self.reference = settings.name or f"{stream}_subscriber_{subscriber_id}"
        self._pool = pool
        self._callback = settings.callback
        self._decoder = settings.decoder
        self._offset = offset
        self._explicit_offset = settings.explicit_offset
        self._credit = settings.credit
        self._properties = settings.properties
        self._update_listener = settings.update_listener
        self._predicate = settings.predicate
        self._tracking = settings.tracking
        self._recovery = settings.recovery
        self._verify_crc = settings.verify_crc
        self._on_unavailable = on_unavailable
        self._on_decode_error = settings.on_decode_error
        # Compressed sub-entries are decompressed by the consumer's plugins.
        self._decompress = functools.partial(_decompress, settings.plugins)
        self._faults = FaultLog(log, f"subscription to {stream}")
        sac = settings.properties.get("single-active-consumer") == "true"
        tracking = settings.tracking if settings.name else None
        self.delivery = Delivery(
            settings.credit,
            offset,
            active=not sac,
            store_every=tracking.every_messages if tracking is not None else None,
        )
        # Chunks and records received since subscribing (`rstream perf` shows records per chunk).
        self.chunks_received = 0
        self.records_received = 0
        self._client: PooledClient | None = None
        self._wire_id = -1
        self._wakeup = asyncio.Event()
        # Clear while the worker hands a chunk's messages over (see _answer_consumer_update).
        self._between_chunks = asyncio.Event()
        self._between_chunks.set()
        self._closed = False
        self.error: RStreamError | None = None
        # Called once when the subscription ends (closed, or given up with `error`).
        self.on_end: Callable[[Subscription], None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._states = StateReporter(self, settings.on_state_change)
        self._telemetry = settings.telemetry
        self._attributes = self._telemetry.stream(stream) if self._telemetry else {}
        # The consumer's hook: it is recovering while any of its subscriptions is.
        self.on_state: Callable[[Subscription], None] | None = None

    @property
    def state(self) -> ResourceState:
        """opening, open, recovering (resubscribing), closing, closed."""
        return self._states.state

    def _enter(self, state: ResourceState) -> None:
        self._states.enter(state)
        if self.on_state is not None:
            self.on_state(self)

    @property
    def last_offset(self) -> int:
        """The last offset handed to the application (-1: none yet)."""
        return self.delivery.last_offset

    @property
    def node(self) -> Address | None:
        """The broker node this subscription reads from, as it advertises itself (host and
        stream port); None while detached."""
        client = self._client
        return None if client is None else client.connection.advertised

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        stored = await self._stored()
        if stored is not None:
            # A named consumer resumes after what it stored (automatic tracking).
            self._offset = self.delivery.start_after(stored)
        self.delivery.first_offset = await self._concrete(self._offset)
        await self._attach(self._offset)
        self._enter(ResourceState.OPEN)
        self._spawn(self._worker())
        if self._tracking is not None and self.name:
            self._spawn(self._tracking_loop())

    async def _stored(self) -> int | None:
        """The offset stored under this subscription's name, when it tracks offsets."""
        if self._tracking is None or not self.name:
            return None
        locator = await self._pool.locator()
        return await locator.query_offset_or_none(self.stream, self.name)

    async def _concrete(self, spec: ConsumerOffsetSpecification) -> ConsumerOffsetSpecification:
        """NEXT and LAST as the offset they mean now (RabbitMQ 4.3+), so that a
        resubscription before the first delivery misses nothing published meanwhile."""
        if spec.offset_type not in (OffsetType.NEXT, OffsetType.LAST):
            return spec
        locator = await self._pool.locator()
        if not locator.connection.supports(Key.RESOLVE_OFFSET_SPEC):
            return spec
        offset = await locator.resolve_offset_spec(self.stream, spec.offset_type)
        return ConsumerOffsetSpecification(OffsetType.OFFSET, offset)

    async def _attach(self, offset: ConsumerOffsetSpecification) -> None:
        client, wire_id = await self._pool.for_subscription(self.stream)
        self.delivery.attached()
        client.subscriptions[wire_id] = self
        # Set before subscribing: a ConsumerUpdate may arrive before the Subscribe response.
        self._client, self._wire_id = client, wire_id
        try:
            await client.subscribe(
                wire_id,
                self.stream,
                offset.offset_type,
                offset.offset,
                self._credit.initial_credit,
                self._properties,
            )
            # The connection may have dropped (and detached us) while we were waiting.
            if not client.connection.is_open or client.subscriptions.get(wire_id) is not self:
                raise ConnectionClosedError("connection lost while subscribing")
        except BaseException as exc:
            self._client = None
            # After a timeout the broker may hold the id after all: leave it taken.
            client.subscriptions.pop(wire_id, None)
            if not isinstance(exc, ClientTimeoutError | asyncio.CancelledError):
                await self._pool.release_subscription(client, wire_id)
            raise

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._enter(ResourceState.CLOSING)
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:  # close() may run inside the callback (the worker)
                task.cancel()
        self._store_tracked_offset()
        self._faults.flush()
        if self.on_end is not None:
            self.on_end(self)
        client, self._client = self._client, None
        if client is not None and client.connection.is_open:
            with contextlib.suppress(RStreamError):
                await client.unsubscribe(self._wire_id)
            await self._pool.release_subscription(client, self._wire_id)
        self._enter(ResourceState.CLOSED)

    @property
    def backlog(self) -> int:
        """Chunks received and not yet handed to the application."""
        return len(self.delivery.chunks)

    # ------------------------------------------------------------ delivery

    def on_deliver(self, frame: Deliver) -> None:
        grant = self.delivery.received(frame)
        self._wakeup.set()
        if grant and self._client is not None:
            self._client.credit(self._wire_id, grant)

    async def _worker(self) -> None:
        delivery = self.delivery
        while not self._closed:
            waiting = delivery.next_chunk()
            if waiting is None:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            generation, frame = waiting
            self._between_chunks.clear()
            try:
                records = await self._deliver(frame)
            except (ProtocolError, MissingDependencyError, DecodeError) as exc:
                self._end(exc)
                return
            finally:
                self._between_chunks.set()
            grant = delivery.processed(generation, records)
            client = self._client
            if grant and client is not None:
                with contextlib.suppress(RStreamError):
                    client.credit(self._wire_id, grant)

    async def _deliver(self, frame: Deliver) -> int:
        """Hand the chunk's messages over; returns how many records it held."""
        header, records = iter_records(frame.chunk, self._decompress, self._verify_crc)
        self.chunks_received += 1
        self.records_received += len(records)
        before = self.delivery.last_offset
        if self.delivery.wants(header.chunk_id, len(records)):
            await self._hand_over(records, header.chunk_id, header.timestamp)
        if self._telemetry is not None:
            self._count_chunk(self._telemetry, header.chunk_id, len(records), before)
        if self.delivery.counted(len(records)):
            self._store_tracked_offset()
        return len(records)

    def _count_chunk(self, telemetry: Telemetry, first: int, records: int, before: int) -> None:
        """One chunk read: its size, and how many of its records went to the application."""
        telemetry.chunks.add(1, self._attributes)
        telemetry.chunk_size.record(records, self._attributes)
        handed = self.delivery.last_offset - max(before, first - 1)
        if handed > 0:
            telemetry.consumed.add(handed, self._attributes)

    async def _hand_over(self, records: list[bytes], first: int, timestamp: int) -> None:
        """`deliver` (in C when built) runs the loop, async callbacks included, and stops only
        at a record whose callback suspended or that the decoder cannot read: those are
        finished here, inside this task, before the next record."""
        index = 0
        while index < len(records):
            index, error, pending = deliver(
                records, index, first, self.delivery, self._decoder, self._predicate,
                self._callback, self._callback_failed, self.consumer, self.stream,
                self.subscriber_id, self.reference, timestamp,
            )
            if index == len(records):
                return
            offset = first + index
            if pending is not None:
                try:
                    await resume(*pending)
                except Exception as exc:
                    self._callback_failed(exc, offset)
            else:
                assert error is not None
                message = await self._undecodable(records[index], offset, timestamp, error)
                if message is not _SKIP:
                    await self._hand_over_one(message, offset, timestamp)
            self.delivery.last_offset = offset
            index += 1

    async def _hand_over_one(self, message: Any, offset: int, timestamp: int) -> None:
        """What `on_decode_error` handed on in place of a record, to the callback."""
        try:
            if self._predicate is None or self._predicate(message):
                context = MessageContext(
                    self.consumer, self.stream, self.subscriber_id, self.reference, offset,
                    timestamp,
                )
                result = self._callback(message, context)
                if inspect.isawaitable(result):
                    await result
        except Exception as exc:
            self._callback_failed(exc, offset)

    def _callback_failed(self, error: BaseException, offset: int) -> None:
        self._faults.report("the message callback failed", f"offset {offset}", error,
                            traceback=True, level=logging.ERROR)

    async def _undecodable(
        self, record: bytes, offset: int, timestamp: int, error: Exception
    ) -> Any:
        """What replaces a record the decoder cannot read: `_SKIP` by default (counted in the
        log), else what `on_decode_error` says. A failing handler ends the subscription."""
        handler = self._on_decode_error
        if handler is None:
            self._faults.report("skipped a record the decoder cannot read", f"offset {offset}",
                                error)
            return _SKIP
        context = MessageContext(
            self.consumer, self.stream, self.subscriber_id, self.reference, offset, timestamp
        )
        try:
            substitute = await callbacks.call(handler, record, context, error)
        except Exception as exc:
            raise DecodeError(
                f"record at offset {offset} of {self.stream} cannot be decoded ({error}); "
                f"on_decode_error stopped the subscription: {exc!r}"
            ) from exc
        return _SKIP if substitute is None else substitute

    def on_credit_error(self, frame: CreditResponse) -> None:
        if frame.code != Code.PRECONDITION_FAILED:  # 17: credit to an inactive SAC member
            log.warning("credit refused for %s (code %d)", self.stream, frame.code)

    # ------------------------------------------------------------ offsets

    def _store_tracked_offset(self) -> None:
        if self._tracking is None or not self.name:
            return
        offset = self.delivery.offset_to_store()
        client = self._client
        if offset is None or client is None or not client.connection.is_open:
            return
        stored = None
        with contextlib.suppress(RStreamError):
            client.store_offset(self.stream, self.name, offset)
            stored = offset
        self.delivery.stored(stored)

    async def _tracking_loop(self) -> None:
        assert self._tracking is not None
        while not self._closed:
            await asyncio.sleep(self._tracking.every_seconds)
            self._store_tracked_offset()

    # ------------------------------------------------------------ single active consumer

    def on_consumer_update(self, frame: ConsumerUpdate) -> None:
        # Answer from a task: the listener may itself call the broker (query_offset).
        self._spawn(self._answer_consumer_update(frame))

    async def _answer_consumer_update(self, frame: ConsumerUpdate) -> None:
        client = self._client  # the connection the request came on
        if not frame.active:
            self.delivery.deactivate()
            # Let the message in the callback finish, so the stored offset covers it and the
            # next active member does not get it again.
            # Bounded: the broker gives up on an unanswered update after 60 s.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._between_chunks.wait(), 10)
            self._store_tracked_offset()
        spec = await self._consumer_update_spec(frame.active)
        if frame.active:
            self.delivery.activate(spec)
        if client is None or not client.connection.is_open:
            return
        # Always answered: the broker holds the whole group until it hears back.
        with contextlib.suppress(RStreamError):
            client.connection.send(
                ConsumerUpdateResponse(
                    correlation_id=frame.correlation_id,
                    code=Code.OK,
                    offset_type=spec.offset_type,
                    offset=spec.offset,
                )
            )

    async def _consumer_update_spec(self, active: bool) -> ConsumerOffsetSpecification:
        """The listener's answer, else the default; a failing listener gets the default."""
        none = ConsumerOffsetSpecification(OffsetType.NONE)
        try:
            default = await self._activation_offset() if active else none
        except RStreamError as exc:
            log.warning("cannot read the stored offset of %s: %s", self.name, exc)
            default = self._offset if active else none
        if self._update_listener is None:
            return default
        context = EventContext(
            self.consumer, self.stream, self.subscriber_id, self.reference, self.name
        )
        try:
            answer = await callbacks.call(self._update_listener, active, context)
        except Exception:
            log.exception("consumer_update_listener failed; using the default offset")
            return default
        return answer if answer is not None else default

    async def _activation_offset(self) -> ConsumerOffsetSpecification:
        """Default on activation: after the stored offset of this name, after the last
        message handed over, else the subscribe spec when one was given, else NEXT."""
        stored = None
        if self.name:
            locator = await self._pool.locator()
            stored = await locator.query_offset_or_none(self.stream, self.name)
        requested = self._offset if self._explicit_offset else None
        return self.delivery.activation_offset(stored, requested)

    # ------------------------------------------------------------ recovery

    def on_stream_unavailable(self, reason: str) -> None:
        if self._closed:
            return
        self._client = None
        self._on_unavailable(self, reason)
        if self._recovery:
            self.reconnect()

    def reconnect(self, offset: int | None = None) -> None:
        """Resubscribe in the background (from `offset` when given); a no-op while attached."""
        if self._closed or any(t.get_name() == "recover" for t in self._tasks):
            return
        client = self._client
        if client is not None and client.connection.is_open:
            return
        if offset is not None:
            self.delivery.resume_from(offset)
        self._enter(ResourceState.RECOVERING)
        self._spawn(self._recover(), name="recover")

    async def _resume_offset(self) -> ConsumerOffsetSpecification:
        """After the last message handed over or the stored offset, whichever is later."""
        return self.delivery.resume_offset(await self._stored())

    async def _recover(self) -> None:
        async def resubscribe() -> None:
            await self._attach(await self._resume_offset())

        try:
            await retry(resubscribe, what=f"subscription to {self.stream}: resubscribe",
                        logger=log, stopped=lambda: self._closed)
        except RStreamError as exc:  # not retriable: deleted stream, refused credentials...
            self._end(exc)
        else:
            if not self._closed:
                self._enter(ResourceState.OPEN)

    def _end(self, error: RStreamError) -> None:
        """The subscription cannot go on (stream deleted, undecodable chunk)."""
        level = logging.INFO if isinstance(error, StreamDoesNotExist) else logging.WARNING
        log.log(level, "subscription to %s ends: %s", self.stream, error)
        self.error = error
        self._on_unavailable(self, f"subscription to {self.stream} ended: {error}")
        callbacks.fire(lambda _: self.close(), None)  # not one of our tasks: close cancels those

    def _spawn(self, coroutine: Any, name: str | None = None) -> None:
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
