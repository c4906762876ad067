"""The per-message loops of producers and consumers: each in pure Python (the reference), and
in C when the core's optional extension is built (see _speedups.c and speedups.py).

The names without the `python_` prefix are what the publisher calls: the C function when it
is there (with the Python one for whatever the C one leaves), else the Python one.
"""

from __future__ import annotations

import operator
import types
from collections.abc import Callable, Generator, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from rstream_core.speedups import EXTENSION
from rstream_core.types import ConfirmationStatus, MessageContext, confirmed_status

__all__ = [
    "ConfirmCallback",
    "carry_ids",
    "deliver",
    "encode_as_is",
    "python_deliver",
    "python_encode_as_is",
    "python_run_coroutines",
    "python_settle_confirmed",
    "resume",
    "run_coroutines",
    "settle_confirmed",
]

# What on_publish_confirm is: called once per message with its status; may return an awaitable.
ConfirmCallback = Callable[[ConfirmationStatus], Any]

_PUBLISHING_ID = operator.attrgetter("publishing_id")
_JUST_BYTES = {bytes}


def python_settle_confirmed(
    publishing_ids: Sequence[int],
    unconfirmed: dict[int, Any],
    callbacks: dict[int, ConfirmCallback],
    on_result: Callable[[Any], Any],
    on_error: Callable[[BaseException], Any],
    deferred: AbstractSet[ConfirmCallback] = frozenset(),
    queue: list[Any] | None = None,
    queue_callbacks: list[Any] | None = None,
) -> None:
    """Settle confirmed ids: each one still in `unconfirmed` leaves it, and its callback (also
    removed from `callbacks`) is called with a confirmed status. What a callback returns, when
    not None, goes to `on_result`; what it raises goes to `on_error`. Ids no longer
    unconfirmed (a stray or repeated confirm) are skipped.

    A callback in `deferred` (an async one) is not called here: its id goes to `queue` and
    the callback to `queue_callbacks`, for `run_coroutines` to call it when it runs it. So no
    coroutine exists before it runs: a PublishConfirm frame of thousands of ids made as many
    coroutines at once, which cost more in garbage collection than all the rest of an async
    callback.
    """
    for publishing_id in publishing_ids:
        if unconfirmed.pop(publishing_id, None) is None or not callbacks:
            continue
        callback = callbacks.pop(publishing_id, None)
        if callback is None:
            continue
        if deferred and _contains(deferred, callback):
            assert queue is not None and queue_callbacks is not None
            queue.append(publishing_id)
            queue_callbacks.append(callback)
            continue
        try:
            result = callback(confirmed_status((publishing_id, True, 1, False, False)))
        except Exception as exc:
            failure = exc
        else:
            if result is not None:
                on_result(result)
            continue
        on_error(failure)  # outside the `except`: no exception is being handled (as in C)


def _contains(deferred: AbstractSet[Any], callback: Any) -> bool:
    try:
        return callback in deferred
    except TypeError:  # an unhashable callable is never deferred
        return False


def python_run_coroutines(
    results: list[Any],
    result_callbacks: list[Any],
    start: int,
    on_error: Callable[[BaseException], Any],
) -> tuple[int, bool, Any]:
    """Run what async confirm callbacks left in `results[start:]` one after the other, each
    to its end, while none suspends: a coroutine, or a publishing id whose callback (in
    `result_callbacks` at the same index, None for the others) is called here with a
    confirmed status first. What one raises goes to `on_error` (an Exception; anything else
    propagates). Returns (index, suspended, yielded): index is len(results) when all ended;
    else results[index] (replaced by the coroutine or value a deferred callback returned)
    suspended (suspended True, `yielded` is what it yielded: `resume` goes on with it) or is
    not a coroutine (suspended False: the caller awaits it its own way).
    """
    index = start
    while index < len(results):
        item = results[index]
        callback = result_callbacks[index]
        if callback is not None:  # deferred: call it now
            try:
                item = callback(confirmed_status((item, True, 1, False, False)))
            except Exception as exc:
                on_error(exc)
                index += 1
                continue
            results[index], result_callbacks[index] = item, None
        if type(item) is not types.CoroutineType:
            return index, False, None
        try:
            yielded = item.send(None)
        except StopIteration:
            pass
        except Exception as exc:
            on_error(exc)
        else:
            return index, True, yielded
        index += 1
    return index, False, None


@types.coroutine
def resume(coroutine: Any, yielded: Any) -> Generator[Any, Any, Any]:
    """`await coroutine` from where its first step left it, having yielded `yielded`: the
    task running this sees what the coroutine yields, and the coroutine what the task sends
    or throws (a future's result, a cancellation)."""
    while True:
        try:
            sent = yield yielded
        except GeneratorExit:
            coroutine.close()
            raise
        except BaseException as exc:
            try:
                yielded = coroutine.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                yielded = coroutine.send(sent)
            except StopIteration as stop:
                return stop.value


def python_deliver(
    records: list[bytes],
    start: int,
    first_offset: int,
    subscription: Any,
    decoder: Callable[[bytes], Any] | None,
    predicate: Callable[[Any], bool] | None,
    callback: Callable[[Any, MessageContext], Any],
    on_error: Callable[[BaseException, int], Any],
    consumer: Any,
    stream: str,
    subscriber_id: int,
    reference: str | None,
    timestamp: int,
) -> tuple[int, Exception | None, tuple[Any, Any] | None]:
    """Hand records[start:] of a chunk (record i has offset first_offset + i) to a message
    callback, with a MessageContext each: those above the subscription's `last_offset`,
    while its `active` holds, decoded by `decoder` (None: the bytes) and kept by `predicate`
    (None: all). A callback that returns a coroutine (an async one) is run at once, its first
    step inside this call. What the predicate or the callback raises goes to
    `on_error(error, offset)` and costs that message only. `subscription.last_offset` ends at
    the last offset handed over, however the loop ends.

    Returns (index, error, pending): index is len(records) when all were handed over; else
    records[index] needs the caller, who goes on from index + 1 once it is done with it:
    either the decoder could not read it (`error`: what it raised), or its async callback
    suspended (`pending`: the coroutine and what it yielded, for `resume`).
    """
    last = subscription.last_offset
    try:
        for index in range(start, len(records)):
            offset = first_offset + index
            if offset <= last or not subscription.active:
                continue
            record = records[index]
            try:
                message = decoder(record) if decoder is not None else record
            except Exception as exc:
                return index, exc, None
            try:
                if predicate is None or predicate(message):
                    context = MessageContext(
                        consumer, stream, subscriber_id, reference, offset, timestamp
                    )
                    result = callback(message, context)
                    if type(result) is types.CoroutineType:
                        try:
                            yielded = result.send(None)
                        except StopIteration:
                            pass
                        else:
                            return index, None, (result, yielded)
            except Exception as exc:
                on_error(exc, offset)
            last = offset
    finally:
        subscription.last_offset = last
    return len(records), None, None


def python_encode_as_is(messages: Sequence[Any]) -> tuple[list[bytes], bool]:
    """The stored bytes of each message of a batch for a producer without a codec (bytes as
    they are, anything else through its __bytes__), and whether any carries a publishing id."""
    kinds = set(map(type, messages))
    if kinds == _JUST_BYTES:
        return list(messages), False
    to_bytes = getattr(kinds.pop(), "__bytes__", None) if len(kinds) == 1 else None
    # One type (e.g. all AMQPMessage): its __bytes__ directly, without bytes()'s
    # per-call lookup; measured 110 ns instead of 170 ns per AMQPMessage.
    encoded = list(map(to_bytes or bytes, messages))
    return encoded, carry_ids(messages)


def carry_ids(messages: Sequence[Any]) -> bool:
    """Whether any message carries its own publishing id."""
    try:  # one C-level pass when every message has the attribute (AMQPMessage, RawMessage)
        ids = list(map(_PUBLISHING_ID, messages))
    except AttributeError:
        ids = [getattr(m, "publishing_id", None) for m in messages]
    return ids.count(None) != len(ids)


settle_confirmed = python_settle_confirmed if EXTENSION is None else EXTENSION.settle_confirmed
run_coroutines = python_run_coroutines if EXTENSION is None else EXTENSION.run_coroutines
deliver = python_deliver if EXTENSION is None else EXTENSION.deliver

if EXTENSION is None:
    encode_as_is = python_encode_as_is
else:
    _c_encode_as_is = EXTENSION.encode_as_is

    def encode_as_is(messages: Sequence[Any]) -> tuple[list[bytes], bool]:
        """python_encode_as_is, by the C extension for lists and tuples of the usual types."""
        result: tuple[list[bytes], bool] = _c_encode_as_is(messages)
        if result is NotImplemented:
            return python_encode_as_is(messages)
        return result
