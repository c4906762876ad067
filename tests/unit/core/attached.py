"""A `Publisher` attached to a connection that only records what is written: the publisher's
own logic (ids, confirms, callbacks, the window) without a broker."""

from __future__ import annotations

from rstream_core.protocol.frames import PublishConfirm, PublishError
from rstream_core.publisher import Publisher, PublisherState, default_encode

FRAME_MAX = 1024 * 1024


class RecordingConnection:
    """What a Publisher uses of a connection: frames are kept (or only counted)."""

    frame_max = FRAME_MAX
    writable = True
    is_open = True

    def __init__(self, keep_frames: bool) -> None:
        self.written: list[bytes] = []
        self.frames = 0
        self._keep = keep_frames

    def write(self, data: bytes) -> None:
        self.frames += 1
        if self._keep:
            self.written.append(data)


class RecordingClient:
    def __init__(self, keep_frames: bool) -> None:
        self.connection = RecordingConnection(keep_frames)


def attached_publisher(
    reference: str | None = None,
    *,
    max_unconfirmed: int = 10_000,
    stored_sequence: int = 0,
    keep_frames: bool = True,
) -> Publisher:
    """A Publisher as `start()` leaves it after the broker said `stored_sequence` (must run
    inside an event loop: the publisher schedules its flushes). The benchmark of the client's
    own CPU (benchmarks/bench_client_cpu.py) uses it too, without keeping frames."""
    publisher = Publisher(
        None,  # type: ignore[arg-type]  # no pool: never attaches by itself
        "stream",
        reference,
        encode=default_encode,
        filtering=False,
        max_unconfirmed=max_unconfirmed,
        confirm_timeout=None,
        recovery=False,
        on_unavailable=lambda *_: None,
    )
    publisher._client = RecordingClient(keep_frames)  # type: ignore[assignment]
    publisher.outbox.attach(publisher_id=1, frame_max=FRAME_MAX)
    if reference:
        publisher.outbox.next_id = max(publisher.outbox.next_id, stored_sequence + 1)
    publisher._enter(PublisherState.READY)
    return publisher


def confirm(publisher: Publisher, *ids: int) -> None:
    publisher.on_publish_confirm(PublishConfirm(publisher_id=1, publishing_ids=ids))


def refuse(publisher: Publisher, publishing_id: int, code: int) -> None:
    publisher.on_publish_error(PublishError(publisher_id=1, errors=((publishing_id, code),)))


async def close(publisher: Publisher) -> None:
    """Close without a broker to tell: settles what is left, stops the callback task."""
    publisher._client = None
    await publisher.close(timeout=1)
