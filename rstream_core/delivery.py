"""What one subscription decides, without I/O: the chunk queue, which offsets to hand over,
when to grant credit, which offset to store and where to resume.

The `Subscription` shell (subscription.py) feeds it the chunks the connection's reader
receives and the chunks its worker has handed over, and sends the credit and offsets it
answers with. Its tests (tests/unit/core/test_delivery.py) drive it with plain calls.

One rule filters offsets: a record is handed over only when its offset is above the last one
handed over. It drops the records of a chunk that lie before the requested offset, and the
overlap after a resubscription.
"""

from __future__ import annotations

from collections import deque

from rstream_core.flow import CreditAfterProcessing, CreditStrategy
from rstream_core.protocol.constants import OffsetType
from rstream_core.protocol.frames import Deliver
from rstream_core.types import ConsumerOffsetSpecification

NEXT = ConsumerOffsetSpecification(OffsetType.NEXT)


class Delivery:
    """The state of one subscription's flow. `last_offset` and `active` are read and
    `last_offset` written by the hand-over loop (`hot_paths.deliver`)."""

    def __init__(
        self,
        credit: CreditStrategy,
        offset: ConsumerOffsetSpecification,
        *,
        active: bool = True,
        store_every: int | None = None,
    ) -> None:
        self.credit = credit
        # The default strategy also hears how many records each chunk held (see flow.py).
        self._adaptive = credit if isinstance(credit, CreditAfterProcessing) else None
        self.active = active  # False: an inactive single active consumer, chunks dropped
        self.chunks: deque[tuple[int, Deliver]] = deque()
        # Each subscription on the broker is a generation: credit for a chunk of an older
        # one would go to a subscription that no longer holds it.
        self.generation = 0
        self.last_offset = -1  # the last offset handed to the application
        self.stored_offset = -1  # the last offset stored under the subscription's name
        self._store_every = store_every
        self._since_store = 0
        # Where a resubscription starts when nothing was delivered yet.
        self.first_offset = offset
        if offset.offset_type == OffsetType.OFFSET and offset.offset is not None:
            self.last_offset = offset.offset - 1

    # ------------------------------------------------------------ chunks and credit

    def attached(self) -> None:
        """A new subscription on the broker: it holds the initial credit and nothing more."""
        self.generation += 1
        if self._adaptive is not None:
            self._adaptive.reset()

    def received(self, frame: Deliver) -> int:
        """A chunk arrived; returns the credit to grant now (0: none)."""
        if not self.active:
            return 0  # deliveries to an inactive single active consumer are dropped
        self.chunks.append((self.generation, frame))
        return self.credit.on_chunk_received(len(self.chunks))

    def next_chunk(self) -> tuple[int, Deliver] | None:
        """The oldest chunk waiting, with the generation it came in."""
        return self.chunks.popleft() if self.chunks else None

    def processed(self, generation: int, records: int) -> int:
        """A chunk of `records` records was handed over; returns the credit to grant now."""
        if self._adaptive is not None:
            grant = self._adaptive.on_chunk_processed(len(self.chunks), records)
        else:
            grant = self.credit.on_chunk_processed(len(self.chunks))
        return grant if generation == self.generation else 0

    def wants(self, first_offset: int, count: int) -> bool:
        """Whether a chunk of `count` records from `first_offset` holds anything new."""
        return first_offset + count - 1 > self.last_offset

    # ------------------------------------------------------------ offsets to store

    def counted(self, records: int) -> bool:
        """`records` more were read; True when automatic tracking should store now."""
        self._since_store += records
        return self._store_every is not None and self._since_store >= self._store_every

    def offset_to_store(self) -> int | None:
        """The offset to store, when it moved since the last store."""
        return self.last_offset if self.last_offset > self.stored_offset else None

    def stored(self, offset: int | None) -> None:
        """A store was attempted: `offset` went out (None: the write failed)."""
        if offset is not None:
            self.stored_offset = offset
        self._since_store = 0

    # ------------------------------------------------------------ where to start

    def start_after(self, stored: int) -> ConsumerOffsetSpecification:
        """A named subscription resumes after what it stored."""
        self.stored_offset = stored
        self.last_offset = max(self.last_offset, stored)
        return ConsumerOffsetSpecification(OffsetType.OFFSET, stored + 1)

    def resume_offset(self, stored: int | None) -> ConsumerOffsetSpecification:
        """After a drop: after the last message handed over or the stored offset, whichever
        is later; else where it first started."""
        after = max(self.last_offset, -1 if stored is None else stored)
        if after < 0:
            return self.first_offset
        return ConsumerOffsetSpecification(OffsetType.OFFSET, after + 1)

    def resume_from(self, offset: int) -> None:
        """The next resubscription starts at `offset` (a manual reconnect)."""
        self.last_offset = offset - 1

    # ------------------------------------------------------------ single active consumer

    def deactivate(self) -> None:
        self.active = False

    def activate(self, spec: ConsumerOffsetSpecification) -> None:
        """Active again from `spec` (the answer to the broker): the chunks held are stale."""
        self.chunks.clear()
        self.active = True
        if spec.offset_type == OffsetType.OFFSET and spec.offset is not None:
            self.last_offset = spec.offset - 1
        elif spec.offset_type != OffsetType.NONE:
            self.last_offset = -1  # FIRST, LAST, NEXT, TIMESTAMP: deliver what comes

    def activation_offset(
        self, stored: int | None, requested: ConsumerOffsetSpecification | None
    ) -> ConsumerOffsetSpecification:
        """Default on activation: after the stored offset of the name, after the last message
        handed over, else the subscribe spec when one was given (`requested`), else NEXT."""
        if stored is not None:
            return ConsumerOffsetSpecification(OffsetType.OFFSET, stored + 1)
        if self.last_offset >= 0:
            return ConsumerOffsetSpecification(OffsetType.OFFSET, self.last_offset + 1)
        if requested is not None:
            return requested
        return NEXT
